// Fuzzes the store's chunk codec (src/store/codec/chunk.h).
// The first byte picks a mode:
//  0: the rest decoded as a chunk, as read from disk (the checksum mostly refuses it);
//  1: the same with its checksum recomputed first, so the structural checks are reached;
//  2: the rest turned into points (times from 2-byte steps, doubles from 8-byte patterns or
//     short decimals, int64, uint64 and bools) that are encoded and must decode bit-exactly.
// Properties: a refusal is Corruption "chunk: ..., at byte N" with N within the input; a
// decoded chunk has strictly increasing times, one value per time, agrees with its header,
// and re-encodes to a chunk that decodes to the same bits.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/crc32c.h"
#include "fuzz_check.h"
#include "store/codec/chunk.h"
#include "store/codec/chunk_format.h"

namespace coolflow::fuzz {
namespace {

using store::codec::ColumnSize;
using store::codec::DecodedChunk;
using store::codec::ValueColumn;

// Whether the columns are of one type and bit-identical.
bool SameBits(const ValueColumn& a, const ValueColumn& b) {
  if (a.index() != b.index() || ColumnSize(a) != ColumnSize(b)) return false;
  if (const auto* x = std::get_if<std::vector<double>>(&a)) {
    const auto& y = std::get<std::vector<double>>(b);
    return x->empty() || std::memcmp(x->data(), y.data(), x->size() * sizeof(double)) == 0;
  }
  return a == b;
}

void CheckRefusal(const Status& status, size_t size) {
  FUZZ_CHECK_MSG(status.code() == StatusCode::kCorruption, status.ToString());
  const std::string& message = status.message();
  FUZZ_CHECK_MSG(message.starts_with("chunk: "), message);
  const size_t at = message.rfind(", at byte ");
  FUZZ_CHECK_MSG(at != std::string::npos, message);
  const std::string_view offset = std::string_view(message).substr(at + 10);
  size_t byte = 0;
  const auto [end, ec] = std::from_chars(offset.data(), offset.data() + offset.size(), byte);
  FUZZ_CHECK_MSG(ec == std::errc() && end == offset.data() + offset.size() && byte <= size,
                 fmt::format("{} (input has {} bytes)", message, size));
}

// Encodes times and values, decodes them, and checks the same bits come back.
void CheckRoundTrip(const std::vector<TimeNs>& times, const ValueColumn& values) {
  for (const bool decimal : {true, false}) {
    auto bytes = store::codec::EncodeChunk(times, values, {.decimal = decimal});
    FUZZ_CHECK_MSG(bytes.ok(), bytes.status().ToString());
    auto again = store::codec::DecodeChunk(*bytes);
    FUZZ_CHECK_MSG(again.ok(), again.status().ToString());
    FUZZ_CHECK(again->times == times);
    FUZZ_CHECK(SameBits(again->values, values));
  }
}

void CheckDecode(std::string_view bytes) {
  DecodedChunk chunk;
  const Status status = store::codec::DecodeChunk(bytes, chunk);
  auto header = store::codec::ReadChunkHeader(bytes);
  if (!status.ok()) {
    CheckRefusal(status, bytes.size());
    if (!header.ok()) CheckRefusal(header.status(), bytes.size());
    return;
  }
  FUZZ_CHECK(header.ok());
  FUZZ_CHECK(chunk.times.size() == chunk.header.count);
  FUZZ_CHECK(ColumnSize(chunk.values) == chunk.times.size());
  FUZZ_CHECK(chunk.times.front() == chunk.header.first_time);
  FUZZ_CHECK(chunk.times.back() == chunk.header.last_time);
  for (size_t i = 1; i < chunk.times.size(); ++i)
    FUZZ_CHECK(chunk.times[i] > chunk.times[i - 1]);
  CheckRoundTrip(chunk.times, chunk.values);
}

void Reseal(std::string& bytes) {
  if (bytes.size() < store::codec::kChunkChecksumBytes) return;
  const size_t body = bytes.size() - store::codec::kChunkChecksumBytes;
  const uint32_t crc = Crc32c(std::string_view(bytes).substr(0, body));
  for (size_t i = 0; i < 4; ++i)
    bytes[body + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

void CheckEncode(std::string_view input) {
  if (input.size() < 3) return;
  const auto type = static_cast<uint8_t>(input[0]) % 5;
  input.remove_prefix(1);
  // Each point takes 2 bytes of time step and up to 8 of value.
  const size_t value_bytes = type == 0 ? 8 : type == 1 ? 3 : type == 4 ? 1 : 8;
  const size_t n = input.size() / (2 + value_bytes);
  if (n == 0) return;
  std::vector<TimeNs> times(n);
  TimeNs t = -1'000'000'000;
  for (size_t i = 0; i < n; ++i) {
    uint16_t step = 0;
    std::memcpy(&step, input.data() + i * 2, 2);
    t += 1 + static_cast<TimeNs>(step) * (step % 7 == 0 ? 1'000'000'000 : 1);
    times[i] = t;
  }
  const char* v = input.data() + n * 2;
  ValueColumn values;
  switch (type) {
    case 0: {  // arbitrary bit patterns
      std::vector<double> d(n);
      std::memcpy(d.data(), v, n * 8);
      values = d;
      break;
    }
    case 1: {  // short decimals: a 16-bit integer over 10^k
      std::vector<double> d(n);
      for (size_t i = 0; i < n; ++i) {
        int16_t m = 0;
        std::memcpy(&m, v + i * 3, 2);
        double p = 1;
        for (int k = 0; k < static_cast<uint8_t>(v[i * 3 + 2]) % 12; ++k)
          p *= 10;
        d[i] = static_cast<double>(m) / p;
      }
      values = d;
      break;
    }
    case 2: {
      std::vector<int64_t> x(n);
      std::memcpy(x.data(), v, n * 8);
      values = x;
      break;
    }
    case 3: {
      std::vector<uint64_t> x(n);
      std::memcpy(x.data(), v, n * 8);
      values = x;
      break;
    }
    default: {
      std::vector<bool> b(n);
      for (size_t i = 0; i < n; ++i)
        b[i] = (v[i] & 1) != 0;
      values = b;
      break;
    }
  }
  CheckRoundTrip(times, values);
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      coolflow::fuzz::CheckDecode(input);
      break;
    case 1: {
      std::string resealed(input);
      coolflow::fuzz::Reseal(resealed);
      coolflow::fuzz::CheckDecode(resealed);
      break;
    }
    default:
      coolflow::fuzz::CheckEncode(input);
      break;
  }
  return 0;
}
