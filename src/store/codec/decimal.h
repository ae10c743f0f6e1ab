// Decimal-aware compression of doubles. Sensor readings are decimals written with a fixed
// resolution (23.7 C, 45.2 %, 412.5 W): at the smallest scale s that makes every value of a
// chunk an integer n = v * 10^s, the chunk is a series of small integers that drift slowly,
// which the integer stream (packed_ints.h) packs into a few bits each. Gorilla XOR sees the
// same values as noisy 52-bit mantissas (docs/store-chunks.md).
//
// Exact by construction: a value is taken at scale s only when the double nearest to
// n / 10^s (one IEEE division, which is what the decoder computes) has the same bits as v.
// -0.0, NaN, infinities and values like 1/3 have no such form; their chunks use Gorilla.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/status.h"
#include "store/codec/byte_io.h"

namespace coolflow::store::codec {

// The largest scale tried: nine decimals (nanounits). With |n| < 2^53 that still covers
// values up to 9e6 at full scale.
inline constexpr int kMaxDecimalScale = 9;

// Whether v is exactly the double nearest to n / 10^scale for an integer n with
// |n| < 2^53; sets n when it is. 0 <= scale <= kMaxDecimalScale.
bool ToScaledInteger(double v, int scale, int64_t& n);

// The smallest scale at which every value is a scaled integer, or nullopt.
std::optional<int> FindDecimalScale(std::span<const double> values);

// Appends [scale u8][quantum varint][offset varint][integer stream of m] to `out`, where
// each value is (m * quantum + offset) / 10^scale and quantum is the greatest common step
// between the scaled values (60 for rpm counted in 60s). `scale` must be one
// FindDecimalScale accepted for `values`; values is not empty.
void EncodeDecimal(std::span<const double> values, int scale, std::string& out);

// Decodes exactly values.size() doubles. Corruption naming the byte on a bad scale or
// integer stream.
Status DecodeDecimal(ByteReader& in, std::span<double> values);

}  // namespace coolflow::store::codec
