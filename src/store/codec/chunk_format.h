// The byte layout of a chunk (docs/store-chunks.md): the constants shared by the encoder,
// the decoder and tests that build or damage chunks by hand. All integers little-endian.
//
//   0   4  magic "CFCK"
//   4   1  format version (kChunkVersion)
//   5   1  value type   (ValueType)
//   6   1  time codec   (TimeCodec)
//   7   1  value codec  (ValueCodec)
//   8   4  point count, 1..kMaxChunkPoints
//   12  8  first time (int64 ns)
//   20  8  last time  (int64 ns)
//   28  4  time section length T
//   32  4  value section length V
//   36  T  time section                      (timestamp_codec.h)
//   36+T V value section                     (decimal.h, gorilla.h, packed_ints.h, bool_codec.h)
//   36+T+V 4  CRC-32C of every byte before it
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace coolflow::store::codec {

inline constexpr std::string_view kChunkMagic = "CFCK";
inline constexpr uint8_t kChunkVersion = 1;

inline constexpr size_t kVersionOffset = 4;
inline constexpr size_t kValueTypeOffset = 5;
inline constexpr size_t kTimeCodecOffset = 6;
inline constexpr size_t kValueCodecOffset = 7;
inline constexpr size_t kCountOffset = 8;
inline constexpr size_t kFirstTimeOffset = 12;
inline constexpr size_t kLastTimeOffset = 20;
inline constexpr size_t kTimeBytesOffset = 28;
inline constexpr size_t kValueBytesOffset = 32;
inline constexpr size_t kChunkHeaderBytes = 36;
inline constexpr size_t kChunkChecksumBytes = 4;
// A chunk is never shorter than its header and checksum.
inline constexpr size_t kMinChunkBytes = kChunkHeaderBytes + kChunkChecksumBytes;

// A chunk holds at most this many points: a day at 50 ms. Bounds what a decoder allocates.
inline constexpr uint32_t kMaxChunkPoints = 1u << 21;

}  // namespace coolflow::store::codec
