// A chunk: the compressed points of one series over a time range, as the store's blocks
// hold them. One chunk holds one value type. Timestamps are delta-of-delta coded; doubles
// are decimal-aware (scaled integers) with Gorilla XOR as the fallback; integers are
// delta coded; booleans are bitmaps or runs. Every value round-trips bit-exactly. The
// header (count, time range, type) reads without decoding the points, so a query skips
// chunks outside its range. Byte layout and measurements: docs/store-chunks.md.
//
// Thread safety: every function is safe to call from any thread concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace coolflow::store::codec {

// The type of every value in a chunk: store::Value's alternatives.
enum class ValueType : uint8_t { kDouble = 1, kInt64 = 2, kUint64 = 3, kBool = 4 };

enum class TimeCodec : uint8_t {
  kDeltaOfDelta = 1,  // relative to the first, divided by the common step, integer stream
};

enum class ValueCodec : uint8_t {
  kDecimal = 1,     // doubles as scaled integers (decimal.h)
  kGorilla = 2,     // doubles XORed with the previous (gorilla.h)
  kInteger = 3,     // int64 / uint64 as an integer stream (packed_ints.h)
  kBoolBitmap = 4,  // one bit per value
  kBoolRuns = 5,    // run lengths
};

// "double", "int64", "uint64", "bool"; "decimal", "gorilla", ...
std::string_view ValueTypeName(ValueType type);
std::string_view ValueCodecName(ValueCodec codec);
ValueType ValueTypeOf(const Value& value);

// The values of a chunk, one vector of the chunk's type.
using ValueColumn = std::variant<std::vector<double>, std::vector<int64_t>, std::vector<uint64_t>,
                                 std::vector<bool>>;
size_t ColumnSize(const ValueColumn& column);
ValueType ColumnType(const ValueColumn& column);
// The value at index i as a store::Value.
Value ColumnValue(const ValueColumn& column, size_t i);

// What the fixed header says.
struct ChunkHeader {
  ValueType value_type = ValueType::kDouble;
  TimeCodec time_codec = TimeCodec::kDeltaOfDelta;
  ValueCodec value_codec = ValueCodec::kDecimal;
  uint32_t count = 0;     // points, >= 1
  TimeNs first_time = 0;  // the oldest point's time
  TimeNs last_time = 0;   // the newest point's time (== first_time when count is 1)
  uint32_t time_bytes = 0;
  uint32_t value_bytes = 0;
  uint32_t total_bytes = 0;  // the whole chunk, checksum included
  // Whether [first_time, last_time] meets [from, to).
  bool Overlaps(TimeNs from, TimeNs to) const { return first_time < to && last_time >= from; }
};

struct DecodedChunk {
  ChunkHeader header;
  std::vector<TimeNs> times;  // strictly increasing
  ValueColumn values;         // as many as times
  // The points as store::Point, oldest first.
  std::vector<Point> ToPoints() const;
};

struct EncodeOptions {
  // false: doubles always as Gorilla XOR (the baseline the benchmark compares against).
  bool decimal = true;
};

// Appends one chunk of `times` (strictly increasing, 1..kMaxChunkPoints of them) and
// `values` (as many) to `out`. InvalidArgument, with `out` unchanged, when the times are
// empty, unsorted, repeated, too many, or the counts differ.
Status AppendChunk(std::span<const TimeNs> times, const ValueColumn& values, std::string& out,
                   const EncodeOptions& options = {});
// The chunk alone.
Result<std::string> EncodeChunk(std::span<const TimeNs> times, const ValueColumn& values,
                                const EncodeOptions& options = {});
// From points (sorted by time, one value type): InvalidArgument naming the first point of
// another type.
Result<std::string> EncodeChunk(std::span<const Point> points, const EncodeOptions& options = {});

// The header of the chunk `bytes` (exactly one chunk) after checking its structure, without
// decoding points and without verifying the checksum: cheap enough to skip chunks by time.
// Corruption("chunk: <why>, at byte N") when the header cannot be right.
Result<ChunkHeader> ReadChunkHeader(std::string_view bytes);

// The header's total_bytes for the chunk that starts `bytes` (which may go on past it):
// for a reader walking chunks laid end to end.
Result<uint32_t> ChunkSize(std::string_view bytes);

// Decodes the chunk `bytes` (exactly one chunk), checksum verified. Corruption("chunk:
// <why>, at byte N") on any damage; never reads outside `bytes`.
Result<DecodedChunk> DecodeChunk(std::string_view bytes);
// The same into `out`, reusing its vectors' memory: for scans over many chunks.
Status DecodeChunk(std::string_view bytes, DecodedChunk& out);

}  // namespace coolflow::store::codec
