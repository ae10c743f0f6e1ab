// Little-endian fixed-width integers, LEB128 varints and zigzag, written to a std::string
// and read back through a bounds-checked cursor. Shared by every section of a chunk
// (docs/store-chunks.md).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coolflow::store::codec {

// Zigzag maps signed to unsigned so that small magnitudes of either sign stay small:
// 0, -1, 1, -2, ... -> 0, 1, 2, 3, ...
inline uint64_t ZigzagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t ZigzagDecode(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

// The number of significant bits of v: 0 for 0, 64 for values with the top bit set.
inline int BitLength(uint64_t v) {
  return 64 - std::countl_zero(v);
}

inline uint64_t LoadLe64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

inline uint64_t LoadBe64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}

inline void PutFixed32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void PutFixed64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
// The bytes PutVarint writes for v.
inline int VarintLength(uint64_t v) {
  return v == 0 ? 1 : (BitLength(v) + 6) / 7;
}

// A cursor over a slice of a chunk. Offsets in its errors are absolute (from the chunk's
// first byte), so a reader over a section still names the chunk byte that was wrong.
class ByteReader {
 public:
  // Reads `data`, whose first byte is byte `base` of the chunk.
  explicit ByteReader(std::string_view data, size_t base = 0) : data_(data), base_(base) {}

  size_t remaining() const { return data_.size() - pos_; }
  // The absolute offset of the next byte.
  size_t offset() const { return base_ + pos_; }
  // The unread bytes; Skip(n) consumes n of them (n <= remaining()).
  std::string_view rest() const { return data_.substr(pos_); }
  void Skip(size_t n) { pos_ += n; }

  // Corruption("chunk: <what>, at byte <offset()>").
  Status Error(std::string_view what) const { return ErrorAt(what, offset()); }
  static Status ErrorAt(std::string_view what, size_t offset) {
    return Corruption("chunk: " + std::string(what) + ", at byte " + std::to_string(offset));
  }

  // Each Read fails with Corruption naming `what` when the slice ends first.
  Status ReadU8(uint8_t& v, std::string_view what) {
    if (remaining() < 1) return Error(std::string(what) + " is cut off");
    v = static_cast<uint8_t>(data_[pos_++]);
    return Status::Ok();
  }
  // A varint of at most 10 bytes whose value fits 64 bits.
  Status ReadVarint(uint64_t& v, std::string_view what) {
    const size_t start = pos_;
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (remaining() < 1) return ErrorAt(std::string(what) + " is cut off", base_ + start);
      const uint64_t byte = static_cast<uint8_t>(data_[pos_++]);
      if (shift == 63 && byte > 1) {
        return ErrorAt(std::string(what) + " overflows 64 bits", base_ + start);
      }
      v |= (byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return Status::Ok();
    }
    return ErrorAt(std::string(what) + " overflows 64 bits", base_ + start);
  }

 private:
  std::string_view data_;
  size_t base_ = 0;
  size_t pos_ = 0;
};

}  // namespace coolflow::store::codec
