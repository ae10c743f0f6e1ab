// Fuzzes the line-protocol scanner (lp::Parser) and the line-protocol format.
// Properties:
//  - every point and error lies inside the input, on the line it names;
//  - the same input scanned without InfluxDB's write rules splits into the same lines and
//    accepts every point the rules accept, with the same fields plus any `time` field;
//  - a point whose names and string values meet the writers' precondition (no backslash, no
//    control character once unescaped), written back with the Append* writers, scans to the
//    same values;
//  - the readings the line-protocol decoder accepts, encoded and decoded again, are equal.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_check.h"
#include "reading/line_protocol.h"

namespace coolflow::fuzz {
namespace {

namespace lp = reading::lp;

bool IsControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F;
}

// The writers' documented precondition: no backslash and no control character.
bool Writable(std::string_view text) {
  for (const char c : text) {
    if (c == '\\' || IsControl(c)) return false;
  }
  return true;
}

// A name must also be non-empty to be written: the scanner takes an empty field key when NUL
// bytes (whitespace to it, as to InfluxDB) come before the `=`, as in "m \0=1".
bool WritableName(std::string_view text) {
  return !text.empty() && Writable(text);
}

void CheckPointInside(std::string_view input, const lp::PointView& p) {
  const char* begin = input.data();
  const char* end = input.data() + input.size();
  FUZZ_CHECK(p.text.data() >= begin && p.text.data() + p.text.size() <= end);
  FUZZ_CHECK(p.offset == static_cast<size_t>(p.text.data() - begin));
  FUZZ_CHECK(p.line_offset <= p.offset && p.line >= 1);
  FUZZ_CHECK(!p.measurement.empty() && !p.fields.empty());
  for (size_t t = 1; t < p.tags.size(); ++t)
    FUZZ_CHECK(p.tags[t - 1].key < p.tags[t].key);
  for (const lp::FieldView& f : p.fields) {
    FUZZ_CHECK(f.offset >= p.offset && f.offset < p.offset + p.text.size());
    if (f.type == lp::FieldType::kFloat) FUZZ_CHECK(std::isfinite(f.float_value));
  }
  size_t line = 0;
  size_t column = 0;
  reading::LocateOffset(input, p.offset, line, column);
  FUZZ_CHECK_MSG(line == p.line, fmt::format("point at byte {} says line {}, is on line {}",
                                             p.offset, p.line, line));
}

void CheckErrorInside(std::string_view input, const lp::LineError& e) {
  FUZZ_CHECK(e.offset <= input.size() && e.line >= 1 && e.column >= 1);
  FUZZ_CHECK(!e.message.empty());
  FUZZ_CHECK(e.text.data() >= input.data() &&
             e.text.data() + e.text.size() <= input.data() + input.size());
}

bool SameValue(const lp::FieldView& a, const lp::FieldView& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case lp::FieldType::kFloat:
      return std::bit_cast<uint64_t>(a.float_value) == std::bit_cast<uint64_t>(b.float_value);
    case lp::FieldType::kInteger:
      return a.int_value == b.int_value;
    case lp::FieldType::kUnsigned:
      return a.uint_value == b.uint_value;
    case lp::FieldType::kBoolean:
      return a.bool_value == b.bool_value;
    case lp::FieldType::kString:
      return lp::UnescapeString(a.string_value) == lp::UnescapeString(b.string_value);
  }
  return false;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

bool HasDuplicateKey(Pairs sorted) {
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i - 1].first == sorted[i].first) return true;
  }
  return false;
}

Pairs UnescapedTags(const lp::PointView& p) {
  Pairs tags;
  for (const lp::TagView& t : p.tags)
    tags.emplace_back(lp::UnescapeKey(t.key), lp::UnescapeKey(t.value));
  std::sort(tags.begin(), tags.end());
  return tags;
}

// Writes `p` back with the writers and scans the result; the values must not change.
void CheckRewrite(const lp::PointView& p) {
  const std::string measurement = lp::UnescapeMeasurement(p.measurement);
  if (!WritableName(measurement)) return;
  const Pairs tags = UnescapedTags(p);
  for (const auto& [key, value] : tags) {
    if (!WritableName(key) || !WritableName(value)) return;
  }
  Pairs field_keys;
  for (const lp::FieldView& f : p.fields) {
    field_keys.emplace_back(lp::UnescapeKey(f.key), "");
    if (!WritableName(field_keys.back().first)) return;
    if (f.type == lp::FieldType::kString && !Writable(lp::UnescapeString(f.string_value))) return;
  }
  // Escapes that differ but unescape alike (`a\"` and `a"`) name one key once written.
  if (HasDuplicateKey(tags) || HasDuplicateKey(field_keys)) return;

  std::string line;
  lp::AppendMeasurement(line, measurement);
  for (const auto& [key, value] : tags) {
    line += ',';
    lp::AppendTagText(line, key);
    line += '=';
    lp::AppendTagText(line, value);
  }
  char separator = ' ';
  for (size_t i = 0; i < p.fields.size(); ++i) {
    const lp::FieldView& f = p.fields[i];
    line += separator;
    separator = ',';
    lp::AppendTagText(line, field_keys[i].first);
    line += '=';
    switch (f.type) {
      case lp::FieldType::kFloat:
        lp::AppendFloat(line, f.float_value);
        break;
      case lp::FieldType::kInteger:
        lp::AppendInteger(line, f.int_value);
        break;
      case lp::FieldType::kUnsigned:
        lp::AppendUnsigned(line, f.uint_value);
        break;
      case lp::FieldType::kBoolean:
        line += f.bool_value ? "true" : "false";
        break;
      case lp::FieldType::kString:
        lp::AppendStringValue(line, lp::UnescapeString(f.string_value));
        break;
    }
  }
  line += ' ';
  line += fmt::format_int(p.time).str();

  const std::string original(p.text);
  lp::Parser again(line, lp::ParseOptions{});
  const lp::Parser::Outcome outcome = again.Next();
  FUZZ_CHECK_MSG(
      outcome == lp::Parser::Outcome::kPoint,
      fmt::format("the rewritten point is refused: {}\n  original:  {:?}\n  "
                  "rewritten: {:?}",
                  outcome == lp::Parser::Outcome::kError ? again.error().ToString() : "no point",
                  original, line));
  const lp::PointView& q = again.point();
  const auto context = [&] {
    return fmt::format("\n  original:  {:?}\n  rewritten: {:?}", original, line);
  };
  FUZZ_CHECK_MSG(lp::UnescapeMeasurement(q.measurement) == measurement, "measurement" + context());
  FUZZ_CHECK_MSG(UnescapedTags(q) == tags, "tags" + context());
  FUZZ_CHECK_MSG(q.fields.size() == p.fields.size(), "field count" + context());
  for (size_t i = 0; i < p.fields.size(); ++i) {
    FUZZ_CHECK_MSG(lp::UnescapeKey(q.fields[i].key) == field_keys[i].first,
                   fmt::format("field {} key", i) + context());
    FUZZ_CHECK_MSG(SameValue(p.fields[i], q.fields[i]),
                   fmt::format("field {} value", i) + context());
  }
  FUZZ_CHECK_MSG(q.has_time && q.time == p.time, "time" + context());
  FUZZ_CHECK_MSG(again.Next() == lp::Parser::Outcome::kEnd, "more than one point" + context());
}

// Scans `input` with the write rules on (what the decoder uses) and off, in step.
void CheckScanner(std::string_view input) {
  lp::ParseOptions strict;
  strict.default_time = kNow;
  lp::ParseOptions lax = strict;
  lax.influx_write_rules = false;
  lp::Parser with_rules(input, strict);
  lp::Parser without_rules(input, lax);
  for (;;) {
    const lp::Parser::Outcome a = with_rules.Next();
    const lp::Parser::Outcome b = without_rules.Next();
    FUZZ_CHECK((a == lp::Parser::Outcome::kEnd) == (b == lp::Parser::Outcome::kEnd));
    if (a == lp::Parser::Outcome::kEnd) break;
    if (a == lp::Parser::Outcome::kError) CheckErrorInside(input, with_rules.error());
    if (b == lp::Parser::Outcome::kError) CheckErrorInside(input, without_rules.error());
    if (b == lp::Parser::Outcome::kPoint) CheckPointInside(input, without_rules.point());
    if (a != lp::Parser::Outcome::kPoint) continue;
    const lp::PointView& p = with_rules.point();
    CheckPointInside(input, p);
    FUZZ_CHECK_MSG(b == lp::Parser::Outcome::kPoint,
                   fmt::format("accepted only with the write rules: {:?}: {}", p.text,
                               without_rules.error().ToString()));
    const lp::PointView& q = without_rules.point();
    FUZZ_CHECK(q.offset == p.offset && q.text == p.text && q.time == p.time);
    size_t matched = 0;
    for (const lp::FieldView& f : q.fields) {
      if (f.key == "time") continue;
      FUZZ_CHECK(matched < p.fields.size() && p.fields[matched].key == f.key &&
                 SameValue(p.fields[matched], f));
      ++matched;
    }
    FUZZ_CHECK(matched == p.fields.size());
    CheckRewrite(p);
  }
  // Other precisions and refusing unsigned integers: must not crash, errors stay inside.
  lp::ParseOptions other;
  other.precision = Precision::kSeconds;
  other.allow_unsigned = false;
  other.default_time = -kNow;
  lp::Parser parser(input, other);
  for (lp::Parser::Outcome o; (o = parser.Next()) != lp::Parser::Outcome::kEnd;) {
    if (o == lp::Parser::Outcome::kPoint) {
      CheckPointInside(input, parser.point());
      for (const lp::FieldView& f : parser.point().fields) {
        FUZZ_CHECK(f.type != lp::FieldType::kUnsigned);
      }
    } else {
      CheckErrorInside(input, parser.error());
    }
  }
}

// The line that a reading is written on by the encoder: consecutive readings that agree on
// it share one line.
bool SameLine(const reading::Reading& a, const reading::Reading& b) {
  return a.time == b.time && a.box == b.box && a.measurement == b.measurement && a.tags == b.tags;
}

void CheckFormatRoundTrip(std::string_view input) {
  const reading::Format& format = FormatNamed("line-protocol");
  const reading::DecodeResult result = Decode(format, input);
  CheckErrors(input, result, /*exact_lines=*/false);
  FUZZ_CHECK(result.readings.size() >= result.records - result.errors.size());
  if (result.readings.empty()) return;
  const std::string encoded = Encode(format, result.readings);
  // The encoder joins consecutive points of one series and time into one line; when they
  // share a field, the line keeps the last value (or is refused for a type conflict), as
  // InfluxDB would store them. Exact equality holds only without such repeats.
  for (size_t begin = 0; begin < result.readings.size();) {
    size_t end = begin + 1;
    while (end < result.readings.size() && SameLine(result.readings[begin], result.readings[end])) {
      ++end;
    }
    for (size_t i = begin; i < end; ++i) {
      for (size_t j = begin; j < i; ++j) {
        if (result.readings[i].metric == result.readings[j].metric) return;
      }
    }
    begin = end;
  }
  CheckDecodesTo(format, encoded, result.readings);
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  coolflow::fuzz::CheckScanner(input);
  coolflow::fuzz::CheckFormatRoundTrip(input);
  return 0;
}
