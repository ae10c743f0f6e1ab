// InfluxDB 1.x line protocol: a zero-copy scanner that accepts and rejects exactly what
// InfluxDB 1.x does (its models/points.go, rule by rule), and writers that escape so the
// scanner reads back what was written. docs/formats.md lists the two places coolflow
// deliberately differs: it accepts unsigned integers (`7u`, as InfluxDB >= 1.8 and 2.x do)
// and it refuses text after a string's closing quote, which InfluxDB 1.x stores mangled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/time.h"

namespace coolflow::reading::lp {

// The longest series key InfluxDB accepts, measurement and tags together.
inline constexpr size_t kMaxKeyLength = 65535;

enum class FieldType : uint8_t { kFloat, kInteger, kUnsigned, kBoolean, kString };
std::string_view FieldTypeName(FieldType type);  // "float", "integer", ...

// One field of a point. Views point into the parsed input and stay valid as long as it.
struct FieldView {
  std::string_view key;  // as written: escapes still in place (see UnescapeKey)
  FieldType type = FieldType::kFloat;
  double float_value = 0;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  bool bool_value = false;
  std::string_view string_value;  // between the quotes, escapes in place (UnescapeString)
  size_t offset = 0;              // byte offset of the key in the whole input
};

struct TagView {
  std::string_view key;    // escapes in place (UnescapeTag)
  std::string_view value;  // escapes in place (UnescapeTag)
};

struct PointView {
  std::string_view measurement;   // escapes in place (UnescapeMeasurement)
  std::span<const TagView> tags;  // sorted by key bytes, no key twice
  // In line order. A key given twice (compared unescaped: `f\"` is `f"`) appears once,
  // with its last value; given twice with different types, the line is refused.
  std::span<const FieldView> fields;
  TimeNs time = 0;
  bool has_time = false;   // false: `time` is the options' default time
  size_t line = 0;         // 1-based line number where the point starts
  size_t offset = 0;       // byte offset of the point's first byte in the input
  size_t line_offset = 0;  // byte offset of the first byte of its (physical) line
  std::string_view text;   // the whole line, without its newline
};

// Why one line was refused. `message` is InfluxDB's own wording where it has one.
struct LineError {
  size_t line = 0;    // 1-based
  size_t column = 0;  // 1-based byte column of the offending byte
  size_t offset = 0;  // byte offset of the offending byte in the whole input
  std::string item;   // the part at fault: "measurement", "tag key", "field \"f\"", ...
  std::string message;
  std::string_view text;  // the whole line

  // "line 3, column 17: field \"temperature\": invalid number"
  std::string ToString() const;
  // InfluxDB's form: "unable to parse '<line>': <message>"
  std::string InfluxMessage() const;
};

struct ParseOptions {
  Precision precision = Precision::kNanoseconds;
  // Time given to points written without one; truncated to `precision` as InfluxDB does.
  TimeNs default_time = 0;
  // Accept `7u` unsigned integers. InfluxDB 1.6 refuses them; 1.8+ and 2.x accept them.
  bool allow_unsigned = true;
  // InfluxDB's write rules beyond syntax: a tag key "time" refuses the point, a field
  // "time" is dropped (and a point left with no field is refused).
  bool influx_write_rules = true;
};

// Scans line protocol one point at a time. Blank lines and `#` comments are skipped; a bad
// line yields an error and scanning goes on with the next one.
//
//   Parser parser(input, options);
//   for (;;) switch (parser.Next()) { case kPoint: use(parser.point()); ... }
class Parser {
 public:
  enum class Outcome { kPoint, kError, kEnd };

  Parser(std::string_view input, const ParseOptions& options);

  Outcome Next();
  // The point found by the last Next() that returned Outcome::kPoint; valid until the next call.
  const PointView& point() const { return point_; }
  // The error of the last Next() that returned kError.
  const LineError& error() const { return error_; }

 private:
  enum class State { kTagKey, kFields };

  bool ParseLine(std::string_view line, size_t offset);
  bool Fail(size_t pos, std::string item, std::string message);
  bool ScanMeasurement(size_t& i, State& state);
  bool ScanTags(size_t& i);
  bool ScanFields(size_t& i);
  bool ScanNumber(size_t& i, FieldView& field);
  bool ScanBoolean(size_t& i, FieldView& field);
  bool ScanString(size_t& i, FieldView& field);
  bool ScanTime(size_t i);
  bool ApplyWriteRules();

  std::string_view input_;
  ParseOptions options_;
  TimeNs default_time_;
  size_t pos_ = 0;   // next unread byte of input_
  size_t line_ = 1;  // line number of input_[pos_]

  std::string_view buf_;  // the current line
  size_t buf_offset_ = 0;
  size_t buf_line_offset_ = 0;
  size_t buf_line_ = 0;
  std::vector<TagView> tags_;
  std::vector<FieldView> fields_;
  PointView point_;
  LineError error_;
};

// Unescaping, as InfluxDB 1.x stores the parts (checked against a real one by
// tests/reading/line_protocol_influxdb_test.cc): measurements and field keys `\,` `\ `
// `\=` `\"`; tag keys and tag values `\,` `\ ` `\=` only (a tag's `\"` keeps its
// backslash); string field values `\"` `\\`. Any other backslash is literal.
std::string UnescapeMeasurement(std::string_view raw);
std::string UnescapeKey(std::string_view raw);  // field keys
std::string UnescapeTag(std::string_view raw);  // tag keys and tag values
std::string UnescapeString(std::string_view raw);

// Writers. Each appends to `out` the escaped form that Parser reads back unchanged, for
// text with no backslash and no control character (the reading validator guarantees that
// for names and tag values).
void AppendMeasurement(std::string& out, std::string_view measurement);
void AppendTagText(std::string& out, std::string_view text);       // tag key, tag value, field key
void AppendStringValue(std::string& out, std::string_view value);  // with its quotes
void AppendFloat(std::string& out, double value);       // shortest text that reads back exactly
void AppendInteger(std::string& out, int64_t value);    // with its `i`
void AppendUnsigned(std::string& out, uint64_t value);  // with its `u`

}  // namespace coolflow::reading::lp
