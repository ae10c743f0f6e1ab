// The integer stream every chunk section is built on: a sequence of int64 turned into
// small unsigned numbers (delta or delta-of-delta, then zigzag) and bit-packed in blocks of
// up to 128 with a per-block bit width; the few values wider than the block's width are
// patched in as exceptions (PFOR). A stream of regular deltas costs 2 bytes per block of
// 128; byte layout in docs/store-chunks.md.
//
// All arithmetic wraps modulo 2^64, so any int64 sequence (uint64 too, cast) round-trips,
// whatever the gaps between its values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/status.h"
#include "store/codec/byte_io.h"

namespace coolflow::store::codec {

inline constexpr size_t kPackedBlockSize = 128;

// What the stream's first byte says was encoded.
enum class DeltaOrder : uint8_t {
  kRaw = 0,           // x[i] itself: values scattered around zero (detrended timestamps)
  kDelta = 1,         // x[i] - x[i-1]: counters, slowly drifting readings
  kDeltaOfDelta = 2,  // (x[i] - x[i-1]) - (x[i-1] - x[i-2]): steady ramps
  kConstant = 3,      // every x[i] equal: one varint, no blocks, whatever the count
};

// Appends the stream of `values` to `out`: kConstant when every value is equal, otherwise
// whichever of kRaw, kDelta, kDeltaOfDelta gives the fewest bytes.
void EncodeIntegers(std::span<const int64_t> values, std::string& out);
// The same with the order fixed (not kConstant).
void EncodeIntegers(std::span<const int64_t> values, DeltaOrder order, std::string& out);

// Reads a stream of exactly values.size() integers from `in` into `values`. Corruption
// naming the byte on a bad order, bit width, exception or a stream cut short.
Status DecodeIntegers(ByteReader& in, std::span<int64_t> values);

// The fewest bytes a stream can take: its order and a one-byte constant.
inline constexpr size_t kMinIntegerStreamBytes = 2;

}  // namespace coolflow::store::codec
