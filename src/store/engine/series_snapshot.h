// The series snapshot: the file `series` in the engine's directory, holding every durable
// series (id, value type, canonical key) and the WAL seq through which the blocks hold all
// points. Written whole at each flush (to `series.tmp`, synced, renamed, directory synced),
// so it is always either the old or the new one.
//
//   "CFSERIES"  magic, 8 bytes
//   u32         format (1)
//   u64         flushed_seq: WAL records up to it are all in blocks
//   u32         series count, then per series: u32 id, u8 value type, varint key size, key
//   u32         CRC-32C of every byte before it
//
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/codec/chunk.h"
#include "store/wal/file_system.h"

namespace coolflow::store::engine {

struct SnapshotSeries {
  uint32_t id = 0;
  codec::ValueType type = codec::ValueType::kDouble;
  std::string key;
};

struct SeriesSnapshot {
  uint64_t flushed_seq = 0;
  std::vector<SnapshotSeries> series;
};

std::string EncodeSeriesSnapshot(const SeriesSnapshot& snapshot);
// Corruption("series snapshot <path>: <why>, at byte N").
Result<SeriesSnapshot> DecodeSeriesSnapshot(std::string_view bytes, std::string_view path);

// Reads `path`; NotFound when there is none (a new store).
Result<SeriesSnapshot> ReadSeriesSnapshot(wal::FileSystem& fs, const std::string& path);
// Replaces `path` durably (see the file comment).
Status WriteSeriesSnapshot(wal::FileSystem& fs, const std::string& dir, const std::string& path,
                           const SeriesSnapshot& snapshot);

}  // namespace coolflow::store::engine
