// The spool's checkpoint file (CHECKPOINT, docs/spool-format.md): where delivery stands and
// how far each box's sequence numbers were reserved. It is small and rewritten whole,
// atomically (a temporary file, fsync, rename, fsync of the folder).
//
//   magic "cfck" | u32 version | u64 floor | u64 next id | u32 box count |
//   box count × (u32 name length | name | u64 next sequence number) | u32 crc32c of all before
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coolflow::agent::spool {

inline constexpr std::string_view kCheckpointFileName = "CHECKPOINT";
inline constexpr std::string_view kCheckpointMagic = "cfck";
// A checkpoint larger than this is garbage, not a spool's (a box entry is ~40 bytes).
inline constexpr uint64_t kMaxCheckpointBytes = 1ull << 20;

struct Checkpoint {
  // The oldest unacknowledged record id: every record below it was acknowledged (or dropped).
  uint64_t floor = 1;
  // The id the next record gets: ids stay unique even if every segment file is removed.
  uint64_t next_id = 1;
  // Per box, the first sequence number never handed out: every number below it may have
  // been, so a restart continues from here.
  std::map<std::string, uint64_t, std::less<>> next_seq;

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

std::string EncodeCheckpoint(const Checkpoint& checkpoint);
// Corruption says what is wrong (without the file name: the caller adds it).
Result<Checkpoint> DecodeCheckpoint(std::string_view bytes);

// The checkpoint in `path`; nullopt when there is no such file. Corruption and IOError name
// the file.
Result<std::optional<Checkpoint>> ReadCheckpoint(const std::filesystem::path& path);
// Replaces `path` atomically (see WriteFileAtomically).
Status WriteCheckpoint(const std::filesystem::path& path, const Checkpoint& checkpoint);

}  // namespace coolflow::agent::spool
