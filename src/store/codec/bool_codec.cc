#include "store/codec/bool_codec.h"

#include <cstdint>

#include "store/codec/packed_ints.h"

namespace coolflow::store::codec {
namespace {

void EncodeBitmap(const std::vector<bool>& values, std::string& out) {
  uint8_t byte = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i]) byte = static_cast<uint8_t>(byte | (1u << (i % 8)));
    if (i % 8 == 7) {
      out.push_back(static_cast<char>(byte));
      byte = 0;
    }
  }
  if (values.size() % 8 != 0) out.push_back(static_cast<char>(byte));
}

void EncodeRuns(const std::vector<bool>& values, std::string& out) {
  std::vector<int64_t> runs;
  int64_t run = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0 && values[i] != values[i - 1]) {
      runs.push_back(run);
      run = 0;
    }
    ++run;
  }
  if (run > 0) runs.push_back(run);
  out.push_back(values.empty() || !values[0] ? '\0' : '\1');
  PutVarint(out, runs.size());
  EncodeIntegers(runs, out);
}

Status DecodeBitmap(ByteReader& in, size_t count, std::vector<bool>& out) {
  const size_t bytes = (count + 7) / 8;
  if (in.remaining() != bytes) {
    return in.Error("bool bitmap of " + std::to_string(in.remaining()) + " bytes for " +
                    std::to_string(count) + " values");
  }
  const std::string_view data = in.rest();
  out.resize(count);
  for (size_t i = 0; i < count; ++i)
    out[i] = ((static_cast<uint8_t>(data[i / 8]) >> (i % 8)) & 1) != 0;
  if (count % 8 != 0 && (static_cast<uint8_t>(data[bytes - 1]) >> (count % 8)) != 0) {
    return ByteReader::ErrorAt("bool bitmap padding bits are set", in.offset() + bytes - 1);
  }
  in.Skip(bytes);
  return Status::Ok();
}

Status DecodeRuns(ByteReader& in, size_t count, std::vector<bool>& out) {
  uint8_t first = 0;
  const size_t first_at = in.offset();
  if (Status s = in.ReadU8(first, "bool runs first value"); !s.ok()) return s;
  if (first > 1) return ByteReader::ErrorAt("bool runs first value is not 0 or 1", first_at);
  uint64_t run_count = 0;
  const size_t count_at = in.offset();
  if (Status s = in.ReadVarint(run_count, "bool run count"); !s.ok()) return s;
  if (run_count == 0 || run_count > count || in.remaining() < kMinIntegerStreamBytes) {
    return ByteReader::ErrorAt(
        std::to_string(run_count) + " bool runs for " + std::to_string(count) + " values",
        count_at);
  }
  std::vector<int64_t> runs(static_cast<size_t>(run_count));
  const size_t runs_at = in.offset();
  if (Status s = DecodeIntegers(in, runs); !s.ok()) return s;
  out.clear();
  out.reserve(count);
  bool value = first != 0;
  for (const int64_t run : runs) {
    if (run < 1 || static_cast<uint64_t>(run) > count - out.size()) {
      return ByteReader::ErrorAt("bool run of " + std::to_string(run) + " values after " +
                                     std::to_string(out.size()) + " of " + std::to_string(count),
                                 runs_at);
    }
    out.insert(out.end(), static_cast<size_t>(run), value);
    value = !value;
  }
  if (out.size() != count) {
    return ByteReader::ErrorAt("bool runs cover " + std::to_string(out.size()) + " of " +
                                   std::to_string(count) + " values",
                               runs_at);
  }
  if (in.remaining() != 0) {
    return in.Error(std::to_string(in.remaining()) + " bytes after the bool runs");
  }
  return Status::Ok();
}

}  // namespace

BoolEncoding EncodeBools(const std::vector<bool>& values, std::string& out) {
  std::string runs;
  EncodeRuns(values, runs);
  if (runs.size() < (values.size() + 7) / 8) {
    out += runs;
    return BoolEncoding::kRuns;
  }
  EncodeBitmap(values, out);
  return BoolEncoding::kBitmap;
}

Status DecodeBools(ByteReader& in, BoolEncoding encoding, size_t count, std::vector<bool>& out) {
  return encoding == BoolEncoding::kRuns ? DecodeRuns(in, count, out)
                                         : DecodeBitmap(in, count, out);
}

}  // namespace coolflow::store::codec
