#include "store/codec/decimal.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "store/codec/packed_ints.h"

namespace coolflow::store::codec {
namespace {

// Powers of ten, all exact doubles.
constexpr std::array<double, kMaxDecimalScale + 1> kPow10 = {1e0, 1e1, 1e2, 1e3, 1e4,
                                                             1e5, 1e6, 1e7, 1e8, 1e9};
// Integers below 2^53 in magnitude are exact doubles.
constexpr double kExactIntegerLimit = 9007199254740992.0;  // 2^53
// The largest step between two scaled integers below 2^53 in magnitude.
constexpr uint64_t kMaxQuantum = uint64_t{1} << 54;

// Reused between calls on one thread, so decoding a chunk allocates only its output.
std::vector<int64_t>& Scratch(size_t n) {
  thread_local std::vector<int64_t> scratch;
  if (scratch.size() < n) scratch.resize(n);
  return scratch;
}

}  // namespace

bool ToScaledInteger(double v, int scale, int64_t& n) {
  const double p = kPow10[static_cast<size_t>(scale)];
  const double scaled = std::round(v * p);
  // Refuses NaN and infinities too: comparisons with them are false.
  if (!(scaled > -kExactIntegerLimit && scaled < kExactIntegerLimit)) return false;
  const auto candidate = static_cast<int64_t>(scaled);
  if (std::bit_cast<uint64_t>(static_cast<double>(candidate) / p) != std::bit_cast<uint64_t>(v)) {
    return false;
  }
  n = candidate;
  return true;
}

std::optional<int> FindDecimalScale(std::span<const double> values) {
  int scale = 0;
  int64_t n = 0;
  for (const double v : values) {
    while (!ToScaledInteger(v, scale, n)) {
      if (++scale > kMaxDecimalScale) return std::nullopt;
    }
  }
  // A value accepted at a smaller scale is nearly always one at the final scale too; the
  // rare exception (n pushed past 2^53) is caught here.
  for (const double v : values) {
    if (!ToScaledInteger(v, scale, n)) return std::nullopt;
  }
  return scale;
}

void EncodeDecimal(std::span<const double> values, int scale, std::string& out) {
  out.push_back(static_cast<char>(scale));
  std::vector<int64_t>& scaled = Scratch(values.size());
  // The quantum: the greatest common step between values (60 for a tachometer counting
  // 60 rpm steps, 5 for 0.5 W at scale 1). |n| < 2^53, so differences fit an int64.
  int64_t quantum = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    [[maybe_unused]] const bool exact = ToScaledInteger(values[i], scale, scaled[i]);
    if (quantum != 1) quantum = std::gcd(quantum, std::llabs(scaled[i] - scaled[0]));
  }
  if (quantum == 0) quantum = 1;
  const int64_t offset = ((scaled[0] % quantum) + quantum) % quantum;
  for (size_t i = 0; i < values.size(); ++i)
    scaled[i] = (scaled[i] - offset) / quantum;
  PutVarint(out, static_cast<uint64_t>(quantum));
  PutVarint(out, static_cast<uint64_t>(offset));
  EncodeIntegers(std::span<const int64_t>(scaled.data(), values.size()), out);
}

Status DecodeDecimal(ByteReader& in, std::span<double> values) {
  const size_t at = in.offset();
  uint8_t scale = 0;
  if (Status s = in.ReadU8(scale, "decimal scale"); !s.ok()) return s;
  if (scale > kMaxDecimalScale) {
    return ByteReader::ErrorAt(
        "decimal scale " + std::to_string(scale) + " > " + std::to_string(kMaxDecimalScale), at);
  }
  const size_t quantum_at = in.offset();
  uint64_t quantum = 0;
  uint64_t offset = 0;
  if (Status s = in.ReadVarint(quantum, "decimal quantum"); !s.ok()) return s;
  if (Status s = in.ReadVarint(offset, "decimal offset"); !s.ok()) return s;
  if (quantum == 0 || quantum > kMaxQuantum || offset >= quantum) {
    return ByteReader::ErrorAt("decimal quantum " + std::to_string(quantum) + " and offset " +
                                   std::to_string(offset) + " impossible",
                               quantum_at);
  }
  std::vector<int64_t>& scaled = Scratch(values.size());
  if (Status s = DecodeIntegers(in, std::span<int64_t>(scaled.data(), values.size())); !s.ok()) {
    return s;
  }
  // Wrapping arithmetic: a corrupt stream gives wrong values, never undefined behaviour.
  const int64_t* m = scaled.data();
  double* out = values.data();
  const auto n = [&](size_t i) {
    return static_cast<int64_t>(static_cast<uint64_t>(m[i]) * quantum + offset);
  };
  if (scale == 0) {
    for (size_t i = 0; i < values.size(); ++i)
      out[i] = static_cast<double>(n(i));
  } else {
    const double p = kPow10[scale];
    for (size_t i = 0; i < values.size(); ++i)
      out[i] = static_cast<double>(n(i)) / p;
  }
  return Status::Ok();
}

}  // namespace coolflow::store::codec
