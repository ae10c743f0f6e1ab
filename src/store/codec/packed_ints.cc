#include "store/codec/packed_ints.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

namespace coolflow::store::codec {
namespace {

constexpr int kMaxWidth = 64;
// An exception costs its position byte and a varint of the bits above the block's width.
constexpr uint64_t kExceptionPositionBits = 8;
// Bytes readable past a value's first byte by the unpacker (a 64-bit load plus one byte).
constexpr size_t kUnpackSlack = 9;

uint64_t LowMask(int width) {
  return width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
}

// The width that packs `v` in the fewest bits, exceptions counted.
int ChooseWidth(const uint64_t* v, size_t n) {
  std::array<uint32_t, kMaxWidth + 1> histogram{};
  int widest = 0;
  for (size_t i = 0; i < n; ++i) {
    const int length = BitLength(v[i]);
    ++histogram[static_cast<size_t>(length)];
    widest = std::max(widest, length);
  }
  int best = widest;
  uint64_t best_cost = n * static_cast<uint64_t>(widest);
  for (int width = 0; width < widest; ++width) {
    uint64_t cost = n * static_cast<uint64_t>(width);
    for (int length = width + 1; length <= widest; ++length) {
      const uint64_t high_bytes = static_cast<uint64_t>(length - width + 6) / 7;
      cost += histogram[static_cast<size_t>(length)] * (kExceptionPositionBits + 8 * high_bytes);
    }
    if (cost < best_cost) {
      best_cost = cost;
      best = width;
    }
  }
  return best;
}

void EncodeBlock(const uint64_t* v, size_t n, std::string& out) {
  const int width = ChooseWidth(v, n);
  const uint64_t mask = LowMask(width);
  size_t exceptions = 0;
  for (size_t i = 0; i < n; ++i)
    exceptions += (v[i] & ~mask) != 0 ? 1 : 0;
  out.push_back(static_cast<char>(width));
  out.push_back(static_cast<char>(exceptions));
  if (width > 0) {
    uint64_t acc = 0;
    int filled = 0;  // bits in acc, < 64
    for (size_t i = 0; i < n; ++i) {
      const uint64_t low = v[i] & mask;
      acc |= low << filled;
      if (filled + width >= 64) {
        PutFixed64(out, acc);
        acc = filled == 0 ? 0 : low >> (64 - filled);
        filled = filled + width - 64;
      } else {
        filled += width;
      }
    }
    for (int bits = 0; bits < filled; bits += 8) {
      out.push_back(static_cast<char>(acc & 0xff));
      acc >>= 8;
    }
  }
  if (exceptions == 0) return;
  for (size_t i = 0; i < n; ++i) {
    if ((v[i] & ~mask) == 0) continue;
    out.push_back(static_cast<char>(i));
    PutVarint(out, v[i] >> width);
  }
}

// Unpacks n values of `width` bits from `p`, which has kUnpackSlack readable bytes past the
// packed ones.
void Unpack(const char* p, int width, size_t n, uint64_t* v) {
  if (width == 0) {
    std::fill(v, v + n, uint64_t{0});
    return;
  }
  const uint64_t mask = LowMask(width);
  const auto w = static_cast<size_t>(width);
  if (width <= 56) {
    for (size_t i = 0; i < n; ++i) {
      const size_t bit = i * w;
      v[i] = (LoadLe64(p + (bit >> 3)) >> (bit & 7)) & mask;
    }
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    const size_t bit = i * w;
    const unsigned shift = bit & 7;
    uint64_t word = LoadLe64(p + (bit >> 3)) >> shift;
    if (shift != 0) word |= uint64_t{static_cast<uint8_t>(p[(bit >> 3) + 8])} << (64 - shift);
    v[i] = word & mask;
  }
}

Status DecodeBlock(ByteReader& in, uint64_t* v, size_t n) {
  const size_t block_offset = in.offset();
  uint8_t width = 0;
  uint8_t exceptions = 0;
  if (Status s = in.ReadU8(width, "integer block width"); !s.ok()) return s;
  if (width > kMaxWidth) {
    return ByteReader::ErrorAt("integer block width " + std::to_string(width) + " > 64",
                               block_offset);
  }
  if (Status s = in.ReadU8(exceptions, "integer block exception count"); !s.ok()) return s;
  if (exceptions > n || (width == kMaxWidth && exceptions != 0)) {
    return ByteReader::ErrorAt("integer block has " + std::to_string(exceptions) +
                                   " exceptions for " + std::to_string(n) + " values of " +
                                   std::to_string(width) + " bits",
                               block_offset + 1);
  }
  const size_t packed = (n * width + 7) / 8;
  if (in.remaining() < packed) return in.Error("integer block is cut off");
  const std::string_view rest = in.rest();
  if (rest.size() >= packed + kUnpackSlack) {
    Unpack(rest.data(), width, n, v);
  } else {
    std::array<char, kPackedBlockSize * 8 + kUnpackSlack> padded{};
    std::memcpy(padded.data(), rest.data(), packed);
    Unpack(padded.data(), width, n, v);
  }
  in.Skip(packed);
  int previous = -1;
  for (int e = 0; e < exceptions; ++e) {
    const size_t at = in.offset();
    uint8_t position = 0;
    uint64_t high = 0;
    if (Status s = in.ReadU8(position, "integer block exception"); !s.ok()) return s;
    if (position >= n || position <= previous) {
      return ByteReader::ErrorAt("integer block exception position " + std::to_string(position) +
                                     " out of order or past " + std::to_string(n) + " values",
                                 at);
    }
    previous = position;
    if (Status s = in.ReadVarint(high, "integer block exception"); !s.ok()) return s;
    if (high == 0 || (width > 0 && (high >> (64 - width)) != 0)) {
      return ByteReader::ErrorAt("integer block exception value does not fit 64 bits", at);
    }
    v[position] |= high << width;
  }
  return Status::Ok();
}

}  // namespace

namespace {

// Calls fn(block, n) for each block of up to kPackedBlockSize zigzagged values of `order`.
template <typename Fn>
void ForEachBlock(std::span<const int64_t> values, DeltaOrder order, Fn&& fn) {
  std::array<uint64_t, kPackedBlockSize> block{};
  uint64_t previous = 0;
  uint64_t previous_delta = 0;
  for (size_t start = 0; start < values.size(); start += kPackedBlockSize) {
    const size_t n = std::min(kPackedBlockSize, values.size() - start);
    for (size_t i = 0; i < n; ++i) {
      const auto x = static_cast<uint64_t>(values[start + i]);
      const uint64_t delta = x - previous;
      uint64_t e = delta;
      if (order == DeltaOrder::kRaw) e = x;
      if (order == DeltaOrder::kDeltaOfDelta && start + i > 0) e = delta - previous_delta;
      // The first value's "delta" is the value itself; the second's delta-of-delta is its
      // delta, so a series starting far from zero costs one exception, not two.
      previous_delta = start + i == 0 ? 0 : delta;
      previous = x;
      block[i] = ZigzagEncode(static_cast<int64_t>(e));
    }
    fn(block.data(), n);
  }
}

// The bytes EncodeBlock writes for v[0, n).
size_t BlockBytes(const uint64_t* v, size_t n) {
  const int width = ChooseWidth(v, n);
  size_t bytes = 2 + (n * static_cast<size_t>(width) + 7) / 8;
  if (width < kMaxWidth) {
    for (size_t i = 0; i < n; ++i) {
      const uint64_t high = v[i] >> width;
      if (high != 0) bytes += 1 + static_cast<size_t>(VarintLength(high));
    }
  }
  return bytes;
}

// The bytes EncodeIntegers(values, order, out) appends.
size_t EncodedSize(std::span<const int64_t> values, DeltaOrder order) {
  size_t bytes = 1;
  ForEachBlock(values, order,
               [&](const uint64_t* block, size_t n) { bytes += BlockBytes(block, n); });
  return bytes;
}

}  // namespace

void EncodeIntegers(std::span<const int64_t> values, DeltaOrder order, std::string& out) {
  out.push_back(static_cast<char>(order));
  ForEachBlock(values, order, [&](const uint64_t* block, size_t n) { EncodeBlock(block, n, out); });
}

void EncodeIntegers(std::span<const int64_t> values, std::string& out) {
  if (!values.empty() &&
      std::all_of(values.begin(), values.end(), [&](int64_t v) { return v == values[0]; })) {
    out.push_back(static_cast<char>(DeltaOrder::kConstant));
    PutVarint(out, ZigzagEncode(values[0]));
    return;
  }
  // The order with the fewest bytes (delta on ties), sized without writing, then written once.
  DeltaOrder best = DeltaOrder::kDelta;
  if (values.size() >= 2) {
    size_t best_size = EncodedSize(values, best);
    for (const DeltaOrder order : {DeltaOrder::kRaw, DeltaOrder::kDeltaOfDelta}) {
      const size_t size = EncodedSize(values, order);
      if (size < best_size) {
        best_size = size;
        best = order;
      }
    }
  }
  EncodeIntegers(values, best, out);
}

Status DecodeIntegers(ByteReader& in, std::span<int64_t> values) {
  const size_t order_offset = in.offset();
  uint8_t order = 0;
  if (Status s = in.ReadU8(order, "integer stream order"); !s.ok()) return s;
  if (order > static_cast<uint8_t>(DeltaOrder::kConstant)) {
    return ByteReader::ErrorAt("unknown integer stream order " + std::to_string(order),
                               order_offset);
  }
  if (order == static_cast<uint8_t>(DeltaOrder::kConstant)) {
    uint64_t value = 0;
    if (Status s = in.ReadVarint(value, "integer stream constant"); !s.ok()) return s;
    std::fill(values.begin(), values.end(), ZigzagDecode(value));
    return Status::Ok();
  }
  std::array<uint64_t, kPackedBlockSize> block{};
  uint64_t x = 0;
  uint64_t delta = 0;
  for (size_t start = 0; start < values.size(); start += kPackedBlockSize) {
    const size_t n = std::min(kPackedBlockSize, values.size() - start);
    if (Status s = DecodeBlock(in, block.data(), n); !s.ok()) return s;
    int64_t* out = values.data() + start;
    size_t i = 0;
    if (start == 0) {
      x = static_cast<uint64_t>(ZigzagDecode(block[0]));
      out[0] = static_cast<int64_t>(x);
      i = 1;
    }
    if (order == static_cast<uint8_t>(DeltaOrder::kRaw)) {
      for (; i < n; ++i)
        out[i] = ZigzagDecode(block[i]);
    } else if (order == static_cast<uint8_t>(DeltaOrder::kDelta)) {
      for (; i < n; ++i) {
        x += static_cast<uint64_t>(ZigzagDecode(block[i]));
        out[i] = static_cast<int64_t>(x);
      }
    } else {
      for (; i < n; ++i) {
        delta += static_cast<uint64_t>(ZigzagDecode(block[i]));
        x += delta;
        out[i] = static_cast<int64_t>(x);
      }
    }
  }
  return Status::Ok();
}

}  // namespace coolflow::store::codec
