#include "store/block/rollup_codec.h"

#include <array>
#include <cstdlib>
#include <numeric>
#include <optional>

#include "common/crc32c.h"
#include "store/block/block_internal.h"
#include "store/codec/byte_io.h"
#include "store/codec/chunk_format.h"
#include "store/codec/decimal.h"
#include "store/codec/gorilla.h"
#include "store/codec/packed_ints.h"

namespace coolflow::store::block {
namespace {

using codec::ByteReader;

// How the value columns are stored.
enum class ValueEncoding : uint8_t {
  // Scaled integers: last, max - last, last - min, sum - count * min.
  kDecimalChain = 0,
  // Scaled integers: sum, mean - min, max - mean, last - mean, mean = sum / count
  // (truncated). Smaller when the bucket's last point says little about its extremes.
  kDecimalMean = 1,
  // Gorilla XOR doubles: min, max, sum, last, each stream after its varint length.
  kGorilla = 2,
};

constexpr size_t kLengthBytes = 4;
constexpr size_t kCrcBytes = 4;
constexpr uint64_t kMaxCount = uint64_t{1} << 32;
// A scaled decimal is below 2^53 in magnitude (decimal.h); the quantum divides differences of
// two of them.
constexpr int64_t kExactLimit = int64_t{1} << 53;
constexpr uint64_t kMaxQuantum = uint64_t{1} << 54;
constexpr std::array<double, codec::kMaxDecimalScale + 1> kPow10 = {1e0, 1e1, 1e2, 1e3, 1e4,
                                                                    1e5, 1e6, 1e7, 1e8, 1e9};

// Arithmetic modulo 2^64: the encoder's transforms and the decoder's inverses agree
// whatever the values, so damaged input decodes to something (then refused) without UB.
int64_t Add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t Sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t Mul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
uint64_t Magnitude(int64_t v) {
  return v < 0 ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
}

// The four value columns as scaled integers reduced by a common offset and quantum:
// value = (offset + reduced * quantum) / 10^scale, and
// sum = (count * offset + reduced_sum * quantum) / 10^scale.
struct Reduced {
  int scale = 0;
  int64_t quantum = 1;
  int64_t offset = 0;
  std::vector<int64_t> min, max, sum, last;
};

// nullopt when a value is not a decimal of at most 9 places below 2^53, or a sum is too far
// from its count times the offset for 64 bits.
std::optional<Reduced> Reduce(std::span<const RollupBucket> buckets) {
  const size_t n = buckets.size();
  std::vector<double> all;
  all.reserve(4 * n);
  for (const RollupBucket& b : buckets) {
    all.insert(all.end(), {b.min, b.max, b.sum, b.last});
  }
  const std::optional<int> scale = codec::FindDecimalScale(all);
  if (!scale) return std::nullopt;
  Reduced r;
  r.scale = *scale;
  r.min.resize(n);
  r.max.resize(n);
  r.sum.resize(n);
  r.last.resize(n);
  for (size_t i = 0; i < n; ++i) {
    codec::ToScaledInteger(buckets[i].min, r.scale, r.min[i]);
    codec::ToScaledInteger(buckets[i].max, r.scale, r.max[i]);
    codec::ToScaledInteger(buckets[i].sum, r.scale, r.sum[i]);
    codec::ToScaledInteger(buckets[i].last, r.scale, r.last[i]);
  }
  r.offset = r.min[0];
  uint64_t quantum = 0;
  for (size_t i = 0; i < n; ++i) {
    // Divided exactly below, so computed exactly here.
    int64_t base = 0;
    if (__builtin_mul_overflow(static_cast<int64_t>(buckets[i].count), r.offset, &base) ||
        __builtin_sub_overflow(r.sum[i], base, &r.sum[i])) {
      return std::nullopt;
    }
    quantum = std::gcd(quantum, Magnitude(r.sum[i]));
    for (std::vector<int64_t>* column : {&r.min, &r.max, &r.last}) {
      (*column)[i] -= r.offset;  // both below 2^53 in magnitude
      quantum = std::gcd(quantum, Magnitude((*column)[i]));
    }
  }
  // 0: every value equal; >= 2^54 only from a lone sum (a compensated one off the decimal
  // grid), where 1 serves as well.
  if (quantum == 0 || quantum >= kMaxQuantum) quantum = 1;
  r.quantum = static_cast<int64_t>(quantum);
  for (std::vector<int64_t>* column : {&r.min, &r.max, &r.sum, &r.last}) {
    for (int64_t& v : *column)
      v /= r.quantum;
  }
  return r;
}

void PutHeader(const Reduced& r, ValueEncoding encoding, std::string& out) {
  out.push_back(static_cast<char>(encoding));
  out.push_back(static_cast<char>(r.scale));
  codec::PutVarint(out, static_cast<uint64_t>(r.quantum));
  codec::PutVarint(out, codec::ZigzagEncode(r.offset));
}

// Appends the smaller of the two decimal encodings; false (out unchanged) when the values are
// not decimals that fit.
bool EncodeDecimalValues(std::span<const RollupBucket> buckets, std::string& out) {
  const std::optional<Reduced> reduced = Reduce(buckets);
  if (!reduced) return false;
  const Reduced& r = *reduced;
  const size_t n = buckets.size();
  std::array<std::vector<int64_t>, 3> columns;
  for (auto& column : columns)
    column.resize(n);

  std::string chain;
  PutHeader(r, ValueEncoding::kDecimalChain, chain);
  codec::EncodeIntegers(r.last, chain);
  for (size_t i = 0; i < n; ++i) {
    columns[0][i] = Sub(r.max[i], r.last[i]);
    columns[1][i] = Sub(r.last[i], r.min[i]);
    columns[2][i] = Sub(r.sum[i], Mul(static_cast<int64_t>(buckets[i].count), r.min[i]));
  }
  for (const auto& column : columns)
    codec::EncodeIntegers(column, chain);

  std::string mean;
  PutHeader(r, ValueEncoding::kDecimalMean, mean);
  codec::EncodeIntegers(r.sum, mean);
  for (size_t i = 0; i < n; ++i) {
    const int64_t m = r.sum[i] / static_cast<int64_t>(buckets[i].count);
    columns[0][i] = Sub(m, r.min[i]);
    columns[1][i] = Sub(r.max[i], m);
    columns[2][i] = Sub(r.last[i], m);
  }
  for (const auto& column : columns)
    codec::EncodeIntegers(column, mean);

  out += chain.size() <= mean.size() ? chain : mean;
  return true;
}

void EncodeGorillaValues(std::span<const RollupBucket> buckets, std::string& out) {
  out.push_back(static_cast<char>(ValueEncoding::kGorilla));
  std::vector<double> column(buckets.size());
  for (double RollupBucket::*field :
       {&RollupBucket::min, &RollupBucket::max, &RollupBucket::sum, &RollupBucket::last}) {
    for (size_t i = 0; i < buckets.size(); ++i)
      column[i] = buckets[i].*field;
    std::string stream;
    codec::EncodeGorilla(column, stream);
    codec::PutVarint(out, stream.size());
    out += stream;
  }
}

Status ReadIntegers(ByteReader& in, size_t n, std::vector<int64_t>& out) {
  out.resize(n);
  return codec::DecodeIntegers(in, out);
}

// The double of scaled integer n at `scale`; Corruption when no decimal the encoder accepted
// is n (|n| >= 2^53).
Status ToValue(int64_t n, int scale, size_t at, double& out) {
  if (n <= -kExactLimit || n >= kExactLimit) {
    return ByteReader::ErrorAt("rollup value outside the range of exact decimals", at);
  }
  out = static_cast<double>(n) / kPow10[static_cast<size_t>(scale)];
  return Status::Ok();
}

Status DecodeDecimalValues(ByteReader& in, ValueEncoding encoding,
                           std::span<RollupBucket> buckets) {
  const size_t at = in.offset();
  Reduced r;
  uint8_t scale = 0;
  uint64_t quantum = 0;
  uint64_t offset = 0;
  if (Status s = in.ReadU8(scale, "rollup decimal scale"); !s.ok()) return s;
  if (scale > codec::kMaxDecimalScale) {
    return ByteReader::ErrorAt("rollup decimal scale " + std::to_string(scale) + " > 9", at + 1);
  }
  if (Status s = in.ReadVarint(quantum, "rollup quantum"); !s.ok()) return s;
  if (quantum == 0 || quantum >= kMaxQuantum) {
    return ByteReader::ErrorAt("rollup quantum " + std::to_string(quantum) + " out of range",
                               at + 2);
  }
  if (Status s = in.ReadVarint(offset, "rollup offset"); !s.ok()) return s;
  r.scale = scale;
  r.quantum = static_cast<int64_t>(quantum);
  r.offset = codec::ZigzagDecode(offset);
  const size_t n = buckets.size();
  std::array<std::vector<int64_t>, 4> columns;
  for (auto& column : columns) {
    if (Status s = ReadIntegers(in, n, column); !s.ok()) return s;
  }
  const size_t end = in.offset();
  for (size_t i = 0; i < n; ++i) {
    RollupBucket& b = buckets[i];
    const auto count = static_cast<int64_t>(b.count);  // 1..2^32
    int64_t min = 0;
    int64_t max = 0;
    int64_t sum = 0;
    int64_t last = 0;
    if (encoding == ValueEncoding::kDecimalChain) {
      last = columns[0][i];
      max = Add(last, columns[1][i]);
      min = Sub(last, columns[2][i]);
      sum = Add(columns[3][i], Mul(count, min));
    } else {
      sum = columns[0][i];
      const int64_t mean = sum / count;
      min = Sub(mean, columns[1][i]);
      max = Add(mean, columns[2][i]);
      last = Add(mean, columns[3][i]);
    }
    for (auto [reduced, value] :
         {std::pair{min, &b.min}, std::pair{max, &b.max}, std::pair{last, &b.last}}) {
      if (Status s = ToValue(Add(r.offset, Mul(reduced, r.quantum)), r.scale, end, *value);
          !s.ok()) {
        return s;
      }
    }
    if (Status s = ToValue(Add(Mul(count, r.offset), Mul(sum, r.quantum)), r.scale, end, b.sum);
        !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

Status DecodeGorillaValues(ByteReader& in, std::span<RollupBucket> buckets) {
  std::vector<double> column(buckets.size());
  for (double RollupBucket::*field :
       {&RollupBucket::min, &RollupBucket::max, &RollupBucket::sum, &RollupBucket::last}) {
    const size_t at = in.offset();
    uint64_t length = 0;
    if (Status s = in.ReadVarint(length, "rollup gorilla stream length"); !s.ok()) return s;
    if (length > in.remaining()) {
      return ByteReader::ErrorAt(
          "rollup gorilla stream of " + std::to_string(length) + " bytes runs past the rollup", at);
    }
    ByteReader stream(in.rest().substr(0, length), in.offset());
    if (Status s = codec::DecodeGorilla(stream, column); !s.ok()) return s;
    in.Skip(length);
    for (size_t i = 0; i < buckets.size(); ++i)
      buckets[i].*field = column[i];
  }
  return Status::Ok();
}

}  // namespace

void EncodeRollupPayload(std::span<const RollupBucket> buckets, TimeNs step, bool decimal,
                         std::string& out) {
  const size_t length_at = out.size();
  codec::PutFixed32(out, 0);
  const size_t body_at = out.size();
  codec::PutVarint(out, buckets.size());
  std::vector<int64_t> column(buckets.size());
  for (size_t i = 0; i < buckets.size(); ++i)
    column[i] = buckets[i].start / step;
  codec::EncodeIntegers(column, out);
  for (size_t i = 0; i < buckets.size(); ++i)
    column[i] = static_cast<int64_t>(buckets[i].count);
  codec::EncodeIntegers(column, out);
  if (!decimal || !EncodeDecimalValues(buckets, out)) EncodeGorillaValues(buckets, out);
  const auto length = static_cast<uint32_t>(out.size() - body_at);
  for (size_t i = 0; i < kLengthBytes; ++i)
    out[length_at + i] = static_cast<char>((length >> (8 * i)) & 0xff);
  codec::PutFixed32(out, Crc32c(std::string_view(out).substr(body_at)));
}

Result<uint64_t> RollupPayloadSize(std::string_view bytes) {
  if (bytes.size() < kLengthBytes) return ByteReader::ErrorAt("rollup length is cut off", 0);
  const uint64_t size = uint64_t{internal::LoadLe32(bytes.data())} + kLengthBytes + kCrcBytes;
  if (size > bytes.size()) {
    return ByteReader::ErrorAt("rollup of " + std::to_string(size) + " bytes runs past its record",
                               0);
  }
  return size;
}

Status DecodeRollupPayload(std::string_view bytes, TimeNs step, std::vector<RollupBucket>& out) {
  auto size = RollupPayloadSize(bytes);
  if (!size.ok()) return size.status();
  if (*size != bytes.size()) {
    return ByteReader::ErrorAt("bytes left over after the rollup", *size);
  }
  const std::string_view body = bytes.substr(kLengthBytes, *size - kLengthBytes - kCrcBytes);
  if (Crc32c(body) != internal::LoadLe32(bytes.data() + kLengthBytes + body.size())) {
    return ByteReader::ErrorAt("rollup checksum mismatch", kLengthBytes + body.size());
  }
  ByteReader in(body, kLengthBytes);
  uint64_t n = 0;
  if (Status s = in.ReadVarint(n, "rollup bucket count"); !s.ok()) return s;
  if (n == 0 || n > codec::kMaxChunkPoints) {
    return ByteReader::ErrorAt("rollup of " + std::to_string(n) + " buckets", kLengthBytes);
  }
  std::vector<int64_t> column;
  size_t at = in.offset();
  if (Status s = ReadIntegers(in, n, column); !s.ok()) return s;
  out.assign(n, RollupBucket{});
  for (size_t i = 0; i < n; ++i) {
    if (__builtin_mul_overflow(column[i], step, &out[i].start) ||
        (i > 0 && out[i].start <= out[i - 1].start)) {
      return ByteReader::ErrorAt(
          "rollup bucket " + std::to_string(i) + " starts outside time or out of order", at);
    }
  }
  at = in.offset();
  if (Status s = ReadIntegers(in, n, column); !s.ok()) return s;
  for (size_t i = 0; i < n; ++i) {
    const auto count = static_cast<uint64_t>(column[i]);
    if (count == 0 || count > kMaxCount) {
      return ByteReader::ErrorAt(
          "rollup bucket " + std::to_string(i) + " counts " + std::to_string(count) + " points",
          at);
    }
    out[i].count = count;
  }
  at = in.offset();
  uint8_t encoding = 0;
  if (Status s = in.ReadU8(encoding, "rollup value encoding"); !s.ok()) return s;
  Status s;
  switch (static_cast<ValueEncoding>(encoding)) {
    case ValueEncoding::kDecimalChain:
    case ValueEncoding::kDecimalMean:
      s = DecodeDecimalValues(in, static_cast<ValueEncoding>(encoding), out);
      break;
    case ValueEncoding::kGorilla:
      s = DecodeGorillaValues(in, out);
      break;
    default:
      return ByteReader::ErrorAt("unknown rollup value encoding " + std::to_string(encoding), at);
  }
  if (!s.ok()) return s;
  if (in.remaining() != 0) return in.Error("bytes left over in the rollup body");
  return Status::Ok();
}

}  // namespace coolflow::store::block
