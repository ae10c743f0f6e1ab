#include "store/codec/chunk.h"

#include <cstring>
#include <type_traits>
#include <utility>

#include "common/crc32c.h"
#include "fmt/format.h"
#include "store/codec/bool_codec.h"
#include "store/codec/byte_io.h"
#include "store/codec/chunk_format.h"
#include "store/codec/decimal.h"
#include "store/codec/gorilla.h"
#include "store/codec/packed_ints.h"
#include "store/codec/timestamp_codec.h"

namespace coolflow::store::codec {
namespace {

// Decimal chunks above this size per value are tried as Gorilla too (values with many
// significant digits, where XOR can win), and the smaller kept.
constexpr size_t kGorillaRetryBytesPerValue = 4;

// The fewest bytes a Gorilla stream of `count` values takes: 64 bits, then 1 per value.
size_t MinGorillaBytes(size_t count) {
  return 8 + (count - 1) / 8;
}

uint32_t ReadLe32(std::string_view bytes, size_t offset) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i)
    v |= uint32_t{static_cast<uint8_t>(bytes[offset + i])} << (8 * i);
  return v;
}
TimeNs ReadLe64(std::string_view bytes, size_t offset) {
  return static_cast<TimeNs>(LoadLe64(bytes.data() + offset));
}

bool ValidValueType(uint8_t v) {
  return v >= 1 && v <= 4;
}

// Whether `codec` may encode values of `type`.
bool CodecFits(ValueType type, uint8_t codec) {
  switch (type) {
    case ValueType::kDouble:
      return codec == static_cast<uint8_t>(ValueCodec::kDecimal) ||
             codec == static_cast<uint8_t>(ValueCodec::kGorilla);
    case ValueType::kInt64:
    case ValueType::kUint64:
      return codec == static_cast<uint8_t>(ValueCodec::kInteger);
    case ValueType::kBool:
      return codec == static_cast<uint8_t>(ValueCodec::kBoolBitmap) ||
             codec == static_cast<uint8_t>(ValueCodec::kBoolRuns);
  }
  return false;
}

// The fewest bytes the value section of `count` values under `codec` can take.
size_t MinValueBytes(ValueCodec codec, size_t count) {
  switch (codec) {
    case ValueCodec::kDecimal:
      return 3 + kMinIntegerStreamBytes;  // scale, quantum, offset
    case ValueCodec::kGorilla:
      return MinGorillaBytes(count);
    case ValueCodec::kInteger:
      return kMinIntegerStreamBytes;
    case ValueCodec::kBoolBitmap:
      return (count + 7) / 8;
    case ValueCodec::kBoolRuns:
      return 2 + kMinIntegerStreamBytes;
  }
  return 0;
}

ValueCodec EncodeDoubles(const std::vector<double>& values, const EncodeOptions& options,
                         std::string& out) {
  const size_t start = out.size();
  if (options.decimal) {
    if (const std::optional<int> scale = FindDecimalScale(values)) {
      EncodeDecimal(values, *scale, out);
      if (out.size() - start <= kGorillaRetryBytesPerValue * values.size()) {
        return ValueCodec::kDecimal;
      }
      std::string gorilla;
      EncodeGorilla(values, gorilla);
      if (gorilla.size() >= out.size() - start) return ValueCodec::kDecimal;
      out.resize(start);
      out += gorilla;
      return ValueCodec::kGorilla;
    }
  }
  EncodeGorilla(values, out);
  return ValueCodec::kGorilla;
}

ValueCodec EncodeValues(const ValueColumn& column, const EncodeOptions& options, std::string& out) {
  return std::visit(
      [&](const auto& values) -> ValueCodec {
        using T = typename std::decay_t<decltype(values)>::value_type;
        if constexpr (std::is_same_v<T, double>) {
          return EncodeDoubles(values, options, out);
        } else if constexpr (std::is_same_v<T, bool>) {
          return EncodeBools(values, out) == BoolEncoding::kRuns ? ValueCodec::kBoolRuns
                                                                 : ValueCodec::kBoolBitmap;
        } else if constexpr (std::is_same_v<T, int64_t>) {
          EncodeIntegers(values, out);
          return ValueCodec::kInteger;
        } else {
          std::vector<int64_t> cast(values.size());
          for (size_t i = 0; i < values.size(); ++i)
            cast[i] = static_cast<int64_t>(values[i]);
          EncodeIntegers(cast, out);
          return ValueCodec::kInteger;
        }
      },
      column);
}

template <typename T>
std::vector<T>& ColumnOf(ValueColumn& column) {
  if (!std::holds_alternative<std::vector<T>>(column)) column = std::vector<T>();
  return std::get<std::vector<T>>(column);
}

Status DecodeValues(ByteReader& in, const ChunkHeader& header, ValueColumn& column) {
  const size_t n = header.count;
  Status status;
  switch (header.value_codec) {
    case ValueCodec::kDecimal: {
      std::vector<double>& values = ColumnOf<double>(column);
      values.resize(n);
      status = DecodeDecimal(in, values);
      break;
    }
    case ValueCodec::kGorilla: {
      std::vector<double>& values = ColumnOf<double>(column);
      values.resize(n);
      status = DecodeGorilla(in, values);
      break;
    }
    case ValueCodec::kInteger:
      if (header.value_type == ValueType::kInt64) {
        std::vector<int64_t>& values = ColumnOf<int64_t>(column);
        values.resize(n);
        status = DecodeIntegers(in, values);
      } else {
        std::vector<uint64_t>& values = ColumnOf<uint64_t>(column);
        values.resize(n);
        // int64 and uint64 share size and representation; decode in place.
        std::vector<int64_t> cast(n);
        status = DecodeIntegers(in, cast);
        if (status.ok()) std::memcpy(values.data(), cast.data(), n * sizeof(int64_t));
      }
      break;
    case ValueCodec::kBoolBitmap:
    case ValueCodec::kBoolRuns:
      status = DecodeBools(
          in,
          header.value_codec == ValueCodec::kBoolRuns ? BoolEncoding::kRuns : BoolEncoding::kBitmap,
          n, ColumnOf<bool>(column));
      break;
  }
  if (!status.ok()) return status;
  if (in.remaining() != 0) {
    return in.Error(fmt::format("{} bytes after the {} values", in.remaining(),
                                ValueCodecName(header.value_codec)));
  }
  return Status::Ok();
}

Status CheckTimes(std::span<const TimeNs> times, size_t value_count) {
  if (times.empty()) return InvalidArgument("chunk: no points");
  if (times.size() > kMaxChunkPoints) {
    return InvalidArgument(
        fmt::format("chunk: {} points, more than {}", times.size(), kMaxChunkPoints));
  }
  if (value_count != times.size()) {
    return InvalidArgument(fmt::format("chunk: {} times but {} values", times.size(), value_count));
  }
  for (size_t i = 1; i < times.size(); ++i) {
    if (times[i] <= times[i - 1]) {
      return InvalidArgument(fmt::format(
          "chunk: time {} at point {} does not follow {} (times must increase strictly)", times[i],
          i, times[i - 1]));
    }
  }
  return Status::Ok();
}

void PutFixed32At(std::string& out, size_t offset, uint32_t v) {
  for (size_t i = 0; i < 4; ++i)
    out[offset + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kDouble:
      return "double";
    case ValueType::kInt64:
      return "int64";
    case ValueType::kUint64:
      return "uint64";
    case ValueType::kBool:
      return "bool";
  }
  return "unknown";
}

std::string_view ValueCodecName(ValueCodec codec) {
  switch (codec) {
    case ValueCodec::kDecimal:
      return "decimal";
    case ValueCodec::kGorilla:
      return "gorilla";
    case ValueCodec::kInteger:
      return "integer";
    case ValueCodec::kBoolBitmap:
      return "bool bitmap";
    case ValueCodec::kBoolRuns:
      return "bool runs";
  }
  return "unknown";
}

ValueType ValueTypeOf(const Value& value) {
  return static_cast<ValueType>(value.index() + 1);
}

size_t ColumnSize(const ValueColumn& column) {
  return std::visit([](const auto& values) { return values.size(); }, column);
}

ValueType ColumnType(const ValueColumn& column) {
  return static_cast<ValueType>(column.index() + 1);
}

Value ColumnValue(const ValueColumn& column, size_t i) {
  return std::visit([i](const auto& values) -> Value { return values[i]; }, column);
}

std::vector<Point> DecodedChunk::ToPoints() const {
  std::vector<Point> points(times.size());
  std::visit(
      [&](const auto& column) {
        for (size_t i = 0; i < points.size(); ++i)
          points[i] = Point{times[i], column[i]};
      },
      values);
  return points;
}

Status AppendChunk(std::span<const TimeNs> times, const ValueColumn& values, std::string& out,
                   const EncodeOptions& options) {
  if (Status s = CheckTimes(times, ColumnSize(values)); !s.ok()) return s;
  const size_t start = out.size();
  out += kChunkMagic;
  out.push_back(static_cast<char>(kChunkVersion));
  out.push_back(static_cast<char>(ColumnType(values)));
  out.push_back(static_cast<char>(TimeCodec::kDeltaOfDelta));
  out.push_back('\0');  // the value codec, known once the values are encoded
  PutFixed32(out, static_cast<uint32_t>(times.size()));
  PutFixed64(out, static_cast<uint64_t>(times.front()));
  PutFixed64(out, static_cast<uint64_t>(times.back()));
  PutFixed32(out, 0);  // time section length
  PutFixed32(out, 0);  // value section length
  const size_t time_start = out.size();
  EncodeTimestamps(times, out);
  const size_t value_start = out.size();
  const ValueCodec codec = EncodeValues(values, options, out);
  out[start + kValueCodecOffset] = static_cast<char>(codec);
  PutFixed32At(out, start + kTimeBytesOffset, static_cast<uint32_t>(value_start - time_start));
  PutFixed32At(out, start + kValueBytesOffset, static_cast<uint32_t>(out.size() - value_start));
  PutFixed32(out, Crc32c(std::string_view(out).substr(start)));
  return Status::Ok();
}

Result<std::string> EncodeChunk(std::span<const TimeNs> times, const ValueColumn& values,
                                const EncodeOptions& options) {
  std::string out;
  if (Status s = AppendChunk(times, values, out, options); !s.ok()) return s;
  return out;
}

Result<std::string> EncodeChunk(std::span<const Point> points, const EncodeOptions& options) {
  if (points.empty()) return InvalidArgument("chunk: no points");
  std::vector<TimeNs> times(points.size());
  ValueColumn column;
  std::visit(
      [&](const auto& first) {
        using T = std::decay_t<decltype(first)>;
        column = std::vector<T>(points.size());
      },
      points.front().value);
  const size_t type_index = points.front().value.index();
  for (size_t i = 0; i < points.size(); ++i) {
    times[i] = points[i].time;
    if (points[i].value.index() != type_index) {
      return InvalidArgument(fmt::format("chunk: point {} is a {}, point 0 a {}", i,
                                         ValueTypeName(ValueTypeOf(points[i].value)),
                                         ValueTypeName(ValueTypeOf(points.front().value))));
    }
    std::visit(
        [&](auto& values) {
          using T = typename std::decay_t<decltype(values)>::value_type;
          values[i] = std::get<T>(points[i].value);
        },
        column);
  }
  return EncodeChunk(times, column, options);
}

Result<uint32_t> ChunkSize(std::string_view bytes) {
  if (bytes.size() < kChunkHeaderBytes) {
    return ByteReader::ErrorAt(fmt::format("{} bytes are too few for a chunk header of {}",
                                           bytes.size(), kChunkHeaderBytes),
                               0);
  }
  if (bytes.substr(0, kChunkMagic.size()) != kChunkMagic) {
    return ByteReader::ErrorAt("bad magic (not a chunk)", 0);
  }
  const uint64_t total = uint64_t{kChunkHeaderBytes} + ReadLe32(bytes, kTimeBytesOffset) +
                         ReadLe32(bytes, kValueBytesOffset) + kChunkChecksumBytes;
  if (total > UINT32_MAX) {
    return ByteReader::ErrorAt(fmt::format("section lengths add up to {} bytes", total),
                               kTimeBytesOffset);
  }
  return static_cast<uint32_t>(total);
}

Result<ChunkHeader> ReadChunkHeader(std::string_view bytes) {
  auto size = ChunkSize(bytes);
  if (!size.ok()) return size.status();
  if (*size != bytes.size()) {
    return ByteReader::ErrorAt(fmt::format("the header's sections and checksum need {} bytes, "
                                           "the chunk has {}",
                                           *size, bytes.size()),
                               kTimeBytesOffset);
  }
  const auto version = static_cast<uint8_t>(bytes[kVersionOffset]);
  if (version != kChunkVersion) {
    return ByteReader::ErrorAt(fmt::format("unknown format version {}", version), kVersionOffset);
  }
  const auto type = static_cast<uint8_t>(bytes[kValueTypeOffset]);
  if (!ValidValueType(type)) {
    return ByteReader::ErrorAt(fmt::format("unknown value type {}", type), kValueTypeOffset);
  }
  const auto time_codec = static_cast<uint8_t>(bytes[kTimeCodecOffset]);
  if (time_codec != static_cast<uint8_t>(TimeCodec::kDeltaOfDelta)) {
    return ByteReader::ErrorAt(fmt::format("unknown time codec {}", time_codec), kTimeCodecOffset);
  }
  ChunkHeader header;
  header.value_type = static_cast<ValueType>(type);
  const auto value_codec = static_cast<uint8_t>(bytes[kValueCodecOffset]);
  if (!CodecFits(header.value_type, value_codec)) {
    return ByteReader::ErrorAt(fmt::format("value codec {} is not one for {} values", value_codec,
                                           ValueTypeName(header.value_type)),
                               kValueCodecOffset);
  }
  header.time_codec = TimeCodec::kDeltaOfDelta;
  header.value_codec = static_cast<ValueCodec>(value_codec);
  header.count = ReadLe32(bytes, kCountOffset);
  header.first_time = ReadLe64(bytes, kFirstTimeOffset);
  header.last_time = ReadLe64(bytes, kLastTimeOffset);
  header.time_bytes = ReadLe32(bytes, kTimeBytesOffset);
  header.value_bytes = ReadLe32(bytes, kValueBytesOffset);
  header.total_bytes = *size;
  if (header.count == 0 || header.count > kMaxChunkPoints) {
    return ByteReader::ErrorAt(
        fmt::format("point count {} outside 1..{}", header.count, kMaxChunkPoints), kCountOffset);
  }
  if (header.count == 1 ? header.first_time != header.last_time
                        : header.first_time >= header.last_time) {
    return ByteReader::ErrorAt(fmt::format("time range [{}, {}] impossible for {} points",
                                           header.first_time, header.last_time, header.count),
                               kFirstTimeOffset);
  }
  // Refuses counts the sections cannot hold before anything is allocated for them.
  if (header.time_bytes < 2 + kMinIntegerStreamBytes) {
    return ByteReader::ErrorAt(fmt::format("time section of {} bytes cannot hold {} points",
                                           header.time_bytes, header.count),
                               kTimeBytesOffset);
  }
  if (header.value_bytes < MinValueBytes(header.value_codec, header.count)) {
    return ByteReader::ErrorAt(
        fmt::format("value section of {} bytes cannot hold {} {} values", header.value_bytes,
                    header.count, ValueCodecName(header.value_codec)),
        kValueBytesOffset);
  }
  return header;
}

Status DecodeChunk(std::string_view bytes, DecodedChunk& out) {
  auto size = ChunkSize(bytes);
  if (!size.ok()) return size.status();
  if (*size == bytes.size()) {
    const size_t body = bytes.size() - kChunkChecksumBytes;
    const uint32_t stored = ReadLe32(bytes, body);
    const uint32_t computed = Crc32c(bytes.substr(0, body));
    if (stored != computed) {
      return ByteReader::ErrorAt(
          fmt::format("checksum {:#010x} does not match {:#010x} computed over {} bytes", stored,
                      computed, body),
          body);
    }
  }
  auto header = ReadChunkHeader(bytes);
  if (!header.ok()) return header.status();
  out.header = *header;
  ByteReader times(bytes.substr(kChunkHeaderBytes, header->time_bytes), kChunkHeaderBytes);
  out.times.resize(header->count);
  if (Status s = DecodeTimestamps(times, header->first_time, header->last_time, out.times);
      !s.ok()) {
    return s;
  }
  if (times.remaining() != 0) {
    return times.Error(fmt::format("{} bytes after the timestamps", times.remaining()));
  }
  const size_t value_start = kChunkHeaderBytes + header->time_bytes;
  ByteReader values(bytes.substr(value_start, header->value_bytes), value_start);
  return DecodeValues(values, *header, out.values);
}

Result<DecodedChunk> DecodeChunk(std::string_view bytes) {
  DecodedChunk chunk;
  if (Status s = DecodeChunk(bytes, chunk); !s.ok()) return s;
  return chunk;
}

}  // namespace coolflow::store::codec
