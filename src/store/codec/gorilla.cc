#include "store/codec/gorilla.h"

#include <bit>
#include <cstdint>
#include <string_view>

namespace coolflow::store::codec {
namespace {

// Gorilla's control fields: 5 bits of leading zeros (capped at 31), 6 bits of meaningful
// bits (64 written as 0).
constexpr int kLeadingBits = 5;
constexpr int kMaxLeading = (1 << kLeadingBits) - 1;
constexpr int kLengthBits = 6;

// Writes bits most significant first.
class BitWriter {
 public:
  explicit BitWriter(std::string& out) : out_(out) {}
  // The low `n` bits of v, n <= 64.
  void Write(uint64_t v, int n) {
    if (n > 32) {
      WriteSmall(v >> 32, n - 32);
      WriteSmall(v & 0xffffffff, 32);
    } else {
      WriteSmall(v, n);
    }
  }
  void Finish() {
    if (filled_ > 0) out_.push_back(static_cast<char>((acc_ << (8 - filled_)) & 0xff));
    filled_ = 0;
  }

 private:
  void WriteSmall(uint64_t v, int n) {
    if (n == 0) return;
    acc_ = (acc_ << n) | (v & ((uint64_t{1} << n) - 1));
    filled_ += n;
    while (filled_ >= 8) {
      filled_ -= 8;
      out_.push_back(static_cast<char>((acc_ >> filled_) & 0xff));
    }
  }
  std::string& out_;
  uint64_t acc_ = 0;
  int filled_ = 0;  // < 8 between calls
};

// Reads bits most significant first, never past the end of its bytes.
class BitReader {
 public:
  BitReader(std::string_view data, size_t base) : data_(data), base_(base) {}
  size_t bits_left() const { return data_.size() * 8 - pos_; }
  // The absolute byte offset of the next bit.
  size_t offset() const { return base_ + pos_ / 8; }
  size_t bytes_used() const { return (pos_ + 7) / 8; }

  // The next n bits (n <= 64); false when fewer are left.
  bool Read(int n, uint64_t& v) {
    if (static_cast<size_t>(n) > bits_left()) return false;
    if (n > 32) {
      v = ReadSmall(n - 32) << 32;
      v |= ReadSmall(32);
    } else {
      v = ReadSmall(n);
    }
    return true;
  }

 private:
  // n <= 32 bits, known to be there.
  uint64_t ReadSmall(int n) {
    if (n == 0) return 0;
    const size_t byte = pos_ >> 3;
    const unsigned shift = pos_ & 7;
    uint64_t word;
    if (byte + 8 <= data_.size()) {
      word = LoadBe64(data_.data() + byte);
    } else {
      word = 0;
      for (size_t i = 0; i < 8; ++i) {
        word <<= 8;
        if (byte + i < data_.size()) word |= static_cast<uint8_t>(data_[byte + i]);
      }
    }
    pos_ += static_cast<size_t>(n);
    return (word << shift) >> (64 - n);
  }
  std::string_view data_;
  size_t base_;
  size_t pos_ = 0;
};

}  // namespace

void EncodeGorilla(std::span<const double> values, std::string& out) {
  if (values.empty()) return;
  BitWriter writer(out);
  uint64_t previous = std::bit_cast<uint64_t>(values[0]);
  writer.Write(previous, 64);
  int window_leading = -1;  // no window yet
  int window_trailing = 0;
  for (size_t i = 1; i < values.size(); ++i) {
    const uint64_t bits = std::bit_cast<uint64_t>(values[i]);
    const uint64_t x = bits ^ previous;
    previous = bits;
    if (x == 0) {
      writer.Write(0, 1);
      continue;
    }
    int leading = std::countl_zero(x);
    const int trailing = std::countr_zero(x);
    if (leading > kMaxLeading) leading = kMaxLeading;
    if (window_leading >= 0 && leading >= window_leading && trailing >= window_trailing) {
      // '10': the meaningful bits fit the previous window.
      writer.Write(0b10, 2);
      const int length = 64 - window_leading - window_trailing;
      writer.Write(x >> window_trailing, length);
      continue;
    }
    // '11': a new window.
    const int length = 64 - leading - trailing;
    writer.Write(0b11, 2);
    writer.Write(static_cast<uint64_t>(leading), kLeadingBits);
    writer.Write(static_cast<uint64_t>(length & 63), kLengthBits);
    writer.Write(x >> trailing, length);
    window_leading = leading;
    window_trailing = trailing;
  }
  writer.Finish();
}

Status DecodeGorilla(ByteReader& in, std::span<double> values) {
  if (values.empty()) return Status::Ok();
  const size_t section = in.offset();
  BitReader reader(in.rest(), section);
  const auto cut = [&] {
    return ByteReader::ErrorAt("gorilla stream is cut off", reader.offset());
  };
  uint64_t previous = 0;
  if (!reader.Read(64, previous)) return cut();
  values[0] = std::bit_cast<double>(previous);
  int window_leading = -1;
  int window_trailing = 0;
  for (size_t i = 1; i < values.size(); ++i) {
    uint64_t control = 0;
    if (!reader.Read(1, control)) return cut();
    if (control != 0) {
      const size_t at = reader.offset();
      if (!reader.Read(1, control)) return cut();
      if (control != 0) {
        uint64_t leading = 0;
        uint64_t length = 0;
        if (!reader.Read(kLeadingBits, leading) || !reader.Read(kLengthBits, length)) {
          return cut();
        }
        if (length == 0) length = 64;
        if (leading + length > 64) {
          return ByteReader::ErrorAt("gorilla window of " + std::to_string(length) +
                                         " bits after " + std::to_string(leading) +
                                         " leading zeros exceeds 64",
                                     at);
        }
        window_leading = static_cast<int>(leading);
        window_trailing = 64 - static_cast<int>(leading + length);
      } else if (window_leading < 0) {
        return ByteReader::ErrorAt("gorilla value reuses a window before any was set", at);
      }
      const int length = 64 - window_leading - window_trailing;
      uint64_t meaningful = 0;
      if (!reader.Read(length, meaningful)) return cut();
      const uint64_t x = meaningful << window_trailing;
      if (x == 0) {
        return ByteReader::ErrorAt("gorilla value changes no bit but is not marked so", at);
      }
      previous ^= x;
    }
    values[i] = std::bit_cast<double>(previous);
  }
  if (reader.bytes_used() != in.remaining()) {
    return ByteReader::ErrorAt(
        std::to_string(in.remaining() - reader.bytes_used()) + " bytes after the gorilla stream",
        section + reader.bytes_used());
  }
  in.Skip(in.remaining());
  return Status::Ok();
}

}  // namespace coolflow::store::codec
