// Helpers shared by the block writer, reader and salvage (not part of the module's API).
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/crc32c.h"
#include "common/status.h"
#include "fmt/format.h"
#include "store/block/block_format.h"
#include "store/codec/byte_io.h"

namespace coolflow::store::block::internal {

// Corruption("block <path>: <why>, at byte <offset>").
inline Status BlockError(std::string_view path, std::string_view why, uint64_t offset) {
  return Corruption(fmt::format("block {}: {}, at byte {}", path, why, offset));
}

// Turns a codec error "chunk: <why>, at byte N" about bytes that start at byte `base` of the
// block into BlockError(path, "<context>: <why>", base + N).
inline Status Rebase(const Status& status, std::string_view path, std::string_view context,
                     uint64_t base) {
  std::string_view message = status.message();
  if (message.starts_with("chunk: ")) message.remove_prefix(7);
  uint64_t at = 0;
  const size_t pos = message.rfind(", at byte ");
  if (pos != std::string_view::npos) {
    const std::string_view number = message.substr(pos + 10);
    uint64_t n = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
    if (ec == std::errc() && end == number.data() + number.size()) {
      at = n;
      message = message.substr(0, pos);
    }
  }
  return BlockError(path, fmt::format("{}: {}", context, message), base + at);
}

inline uint32_t LoadLe32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// The record header of a series' record of `kind`.
inline void PutRecordHeader(std::string& out, uint32_t series_id, uint8_t kind) {
  const size_t start = out.size();
  codec::PutFixed32(out, series_id);
  out.push_back(static_cast<char>(kind));
  codec::PutFixed32(out, Crc32c(std::string_view(out).substr(start, kRecordKindOffset + 1)));
}

struct RecordHeader {
  uint32_t series_id = 0;
  uint8_t kind = 0;
};
// The record header at the start of `bytes` (>= kRecordHeaderBytes) when its checksum holds.
inline bool ReadRecordHeader(std::string_view bytes, RecordHeader& header) {
  if (bytes.size() < kRecordHeaderBytes) return false;
  const uint32_t crc = Crc32c(bytes.substr(0, kRecordKindOffset + 1));
  if (crc != LoadLe32(bytes.data() + kRecordCrcOffset)) return false;
  header.series_id = LoadLe32(bytes.data() + kRecordIdOffset);
  header.kind = static_cast<uint8_t>(bytes[kRecordKindOffset]);
  return true;
}

inline uint8_t RollupKind(size_t level) {
  return static_cast<uint8_t>(static_cast<uint8_t>(RecordKind::kRollupMinute) + level);
}

}  // namespace coolflow::store::block::internal
