// A port of InfluxDB 1.x's line-protocol scanner (models/points.go: scanLine, scanKey,
// scanMeasurement, scanTags, scanFields, scanNumber, scanBoolean, scanTime). Where the
// Go code checks a byte, this code checks the same byte in the same order, so that
// acceptance agrees line by line (tests/reading/line_protocol_influxdb_test.cc proves it
// against a real InfluxDB). Unlike the Go code, values are parsed during the scan rather
// than on first use, so a point handed out is fully checked.
#include "reading/line_protocol.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "fmt/format.h"

namespace coolflow::reading::lp {
namespace {

// InfluxDB joins a series key and a field key with this separator to size its index keys.
constexpr size_t kFieldKeySeparatorLength = 4;  // "#!~#"
// Lines with more fields than this get a hash set for duplicate detection.
constexpr size_t kQuadraticDuplicateLimit = 32;

inline bool IsWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\0';
}
inline bool IsNumeric(char c) {
  return (c >= '0' && c <= '9') || c == '.';
}

size_t SkipWhitespace(std::string_view buf, size_t i) {
  while (i < buf.size() && IsWhitespace(buf[i]))
    ++i;
  return i;
}

// Go's scanLine: the end of the line that starts at `i` (the index of its '\n', or the end
// of input). A newline inside a quoted string field value does not end the line.
size_t ScanLineEnd(std::string_view buf, size_t i) {
  bool quoted = false;
  bool fields = false;
  int equals = 0;
  int commas = 0;
  while (i < buf.size()) {
    const char c = buf[i];
    if (c == '\\' && i + 2 < buf.size()) {
      i += 2;
      continue;
    }
    if (c == ' ') fields = true;
    if (fields) {
      if (!quoted && c == '=') {
        ++i;
        ++equals;
        continue;
      }
      if (!quoted && c == ',') {
        ++i;
        ++commas;
        continue;
      }
      if (c == '"' && equals > commas) {
        ++i;
        quoted = !quoted;
        continue;
      }
    }
    if (c == '\n' && !quoted) break;
    ++i;
  }
  return i;
}

bool ParseInt64(std::string_view digits, int64_t& out) {
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return ec == std::errc() && ptr == digits.data() + digits.size();
}

bool ParseUint64(std::string_view digits, uint64_t& out) {
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return ec == std::errc() && ptr == digits.data() + digits.size();
}

// Go's strconv.ParseFloat on the byte classes the scanner lets through: correctly rounded,
// out of range above (error), rounded to zero or a subnormal below (no error).
bool ParseFloat(std::string_view text, double& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ptr != text.data() + text.size()) return false;
  if (ec == std::errc()) return true;
  if (ec != std::errc::result_out_of_range) return false;
  // Tell overflow from underflow with strtod, which returns ±HUGE_VAL only on overflow.
  std::string copy(text);
  errno = 0;
  const double v = std::strtod(copy.c_str(), nullptr);
  if (std::isinf(v)) return false;
  out = v;
  return true;
}

// Field keys name the same field when they unescape alike (`f\"` and `f"`); InfluxDB
// keeps fields by their unescaped key. These compare and hash the unescaped bytes in place.
constexpr std::string_view kFieldKeyEscapes = ", =\"";

class UnescapedBytes {
 public:
  explicit UnescapedBytes(std::string_view raw) : raw_(raw) {}
  // The next unescaped byte, or false at the end.
  bool Next(char& c) {
    if (i_ >= raw_.size()) return false;
    if (raw_[i_] == '\\' && i_ + 1 < raw_.size() &&
        kFieldKeyEscapes.find(raw_[i_ + 1]) != std::string_view::npos) {
      ++i_;
    }
    c = raw_[i_++];
    return true;
  }

 private:
  std::string_view raw_;
  size_t i_ = 0;
};

bool SameFieldKey(std::string_view a, std::string_view b) {
  if (a == b) return true;
  if (a.find('\\') == std::string_view::npos && b.find('\\') == std::string_view::npos) {
    return false;
  }
  UnescapedBytes x(a);
  UnescapedBytes y(b);
  char ca = 0;
  char cb = 0;
  for (;;) {
    const bool more_a = x.Next(ca);
    const bool more_b = y.Next(cb);
    if (more_a != more_b) return false;
    if (!more_a) return true;
    if (ca != cb) return false;
  }
}

struct FieldKeyHash {
  size_t operator()(std::string_view key) const {
    uint64_t hash = 14695981039346656037ULL;  // FNV-1a
    UnescapedBytes bytes(key);
    for (char c = 0; bytes.Next(c);) {
      hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    return static_cast<size_t>(hash);
  }
};

struct FieldKeyEqual {
  bool operator()(std::string_view a, std::string_view b) const { return SameFieldKey(a, b); }
};

// Powers of ten a double holds exactly (10^22 is the last one).
constexpr double kExactPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
// A decimal mantissa of at most 15 digits is below 2^53, so a double holds it exactly.
constexpr int kMaxExactMantissaDigits = 15;
constexpr int kMaxExactInt64Digits = 18;   // 10^18 - 1 < 2^63 - 1
constexpr int kMaxExactUint64Digits = 19;  // 10^19 - 1 < 2^64 - 1

// The shapes sensors send, `-?d+(.d*)?` as a float and `-?d+i` / `d+u` as integers, each
// followed by ',' ' ' or the end, parsed in one pass. Anything else (exponents, long
// mantissas, stray bytes) returns false and is left to the general scan, which decides
// acceptance exactly as InfluxDB does; this path only accepts what that scan accepts and
// yields the same value. For floats it is Clinger's fast path: an exact mantissa divided
// by an exact power of ten is correctly rounded by IEEE division.
bool ScanCommonNumber(std::string_view buf, size_t start, bool allow_unsigned, size_t& i,
                      FieldView& field) {
  const bool negative = buf[start] == '-';
  size_t j = i;
  uint64_t mantissa = 0;
  int digits = 0;
  int fraction_digits = 0;
  bool dot = false;
  while (j < buf.size()) {
    const char c = buf[j];
    if (c >= '0' && c <= '9') {
      if (digits < kMaxExactUint64Digits) mantissa = mantissa * 10 + static_cast<unsigned>(c - '0');
      ++digits;
      fraction_digits += dot ? 1 : 0;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
    ++j;
  }
  if (digits == 0) return false;
  auto delimited = [&](size_t k) { return k >= buf.size() || buf[k] == ',' || buf[k] == ' '; };
  if (j < buf.size() && (buf[j] == 'i' || buf[j] == 'u')) {
    if (dot || !delimited(j + 1)) return false;
    if (buf[j] == 'i') {
      if (digits > kMaxExactInt64Digits) return false;
      const auto magnitude = static_cast<int64_t>(mantissa);
      field.type = FieldType::kInteger;
      field.int_value = negative ? -magnitude : magnitude;
    } else {
      if (!allow_unsigned || negative || digits > kMaxExactUint64Digits) return false;
      field.type = FieldType::kUnsigned;
      field.uint_value = mantissa;
    }
    i = j + 1;
    return true;
  }
  if (!delimited(j) || digits > kMaxExactMantissaDigits) return false;
  const double magnitude = static_cast<double>(mantissa) / kExactPowersOfTen[fraction_digits];
  field.type = FieldType::kFloat;
  field.float_value = negative ? -magnitude : magnitude;
  i = j;
  return true;
}

std::string Quoted(std::string_view key) {
  return fmt::format("field \"{}\"", key);
}

void AppendEscaped(std::string& out, std::string_view text, std::string_view specials) {
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (specials.find(text[i]) != std::string_view::npos) {
      out.append(text.data() + run, i - run);
      out += '\\';
      run = i;
    }
  }
  out.append(text.data() + run, text.size() - run);
}

std::string Unescape(std::string_view raw, std::string_view specials) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() &&
        specials.find(raw[i + 1]) != std::string_view::npos) {
      ++i;
    }
    out += raw[i];
  }
  return out;
}

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kFloat:
      return "float";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kUnsigned:
      return "unsigned";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kString:
      return "string";
  }
  return "float";
}

std::string LineError::ToString() const {
  return fmt::format("line {}, column {}: {}: {}", line, column, item, message);
}

std::string LineError::InfluxMessage() const {
  return fmt::format("unable to parse '{}': {}", text, message);
}

Parser::Parser(std::string_view input, const ParseOptions& options)
    : input_(input), options_(options) {
  const TimeNs unit = NanosPer(options.precision);
  TimeNs remainder = options.default_time % unit;
  if (remainder < 0) remainder += unit;
  default_time_ = options.default_time - remainder;
}

Parser::Outcome Parser::Next() {
  while (pos_ < input_.size()) {
    const size_t start = pos_;
    // Fast path: a line without quotes or backslashes ends at its first newline.
    const char* data = input_.data();
    const void* nl = std::memchr(data + start, '\n', input_.size() - start);
    size_t end =
        nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - data) : input_.size();
    const std::string_view span = input_.substr(start, end - start);
    size_t inner_newlines = 0;
    if (std::memchr(span.data(), '"', span.size()) != nullptr ||
        std::memchr(span.data(), '\\', span.size()) != nullptr) {
      end = ScanLineEnd(input_, start);
      inner_newlines = static_cast<size_t>(std::count(data + start, data + end, '\n'));
    }
    const size_t line_no = line_;
    line_ += inner_newlines + (end < input_.size() ? 1 : 0);
    pos_ = end + 1;

    std::string_view block = input_.substr(start, end - start);
    const size_t first = SkipWhitespace(block, 0);
    if (first >= block.size() || block[first] == '#') continue;
    if (block.back() == '\n') block.remove_suffix(1);
    buf_line_ = line_no;
    buf_offset_ = start + first;
    buf_line_offset_ = start;
    if (ParseLine(block.substr(first), buf_offset_)) return Outcome::kPoint;
    // The column is counted from the physical line's first byte.
    error_.column = error_.offset - start + 1;
    return Outcome::kError;
  }
  return Outcome::kEnd;
}

bool Parser::Fail(size_t pos, std::string item, std::string message) {
  error_.line = buf_line_;
  error_.offset = buf_offset_ + std::min(pos, buf_.size());
  error_.item = std::move(item);
  error_.message = std::move(message);
  error_.text = buf_;
  return false;
}

bool Parser::ParseLine(std::string_view line, size_t offset) {
  buf_ = line;
  tags_.clear();
  fields_.clear();
  point_ = PointView{};
  point_.line = buf_line_;
  point_.offset = offset;
  point_.line_offset = buf_line_offset_;
  point_.text = line;

  size_t i = 0;
  State state = State::kFields;
  if (!ScanMeasurement(i, state)) return false;
  if (state == State::kTagKey && !ScanTags(i)) return false;
  const size_t key_length = i;
  if (key_length > kMaxKeyLength) {
    return Fail(0, "series key",
                fmt::format("max key length exceeded: {} > {}", key_length, kMaxKeyLength));
  }
  if (!ScanFields(i)) return false;
  for (const FieldView& field : fields_) {
    const size_t size = key_length + kFieldKeySeparatorLength + field.key.size();
    if (size > kMaxKeyLength) {
      return Fail(field.offset - buf_offset_, Quoted(field.key),
                  fmt::format("max key length exceeded: {} > {}", size, kMaxKeyLength));
    }
  }
  if (!ScanTime(i)) return false;
  if (options_.influx_write_rules && !ApplyWriteRules()) return false;
  point_.tags = tags_;
  point_.fields = fields_;
  return true;
}

bool Parser::ScanMeasurement(size_t& i, State& state) {
  const std::string_view buf = buf_;
  if (i >= buf.size() || buf[i] == ',') return Fail(i, "measurement", "missing measurement");
  for (;;) {
    ++i;
    if (i >= buf.size()) return Fail(i, "fields", "missing fields");
    if (buf[i - 1] == '\\') continue;
    if (buf[i] == ',') {
      point_.measurement = buf.substr(0, i);
      ++i;
      state = State::kTagKey;
      return true;
    }
    if (buf[i] == ' ') {
      point_.measurement = buf.substr(0, i);
      state = State::kFields;
      return true;
    }
  }
}

bool Parser::ScanTags(size_t& i) {
  const std::string_view buf = buf_;
  for (;;) {
    // Tag key.
    const size_t key_start = i;
    if (i >= buf.size() || buf[i] == ' ' || buf[i] == ',' || buf[i] == '=') {
      return Fail(i, "tag key", "missing tag key");
    }
    for (;;) {
      ++i;
      if (i >= buf.size() || ((buf[i] == ' ' || buf[i] == ',') && buf[i - 1] != '\\')) {
        return Fail(i, "tag key", "missing tag value");
      }
      if (buf[i] == '=' && buf[i - 1] != '\\') break;
    }
    const std::string_view key = buf.substr(key_start, i - key_start);
    ++i;
    // Tag value.
    const size_t value_start = i;
    if (i >= buf.size() || buf[i] == ',' || buf[i] == ' ') {
      return Fail(i, fmt::format("tag \"{}\"", key), "missing tag value");
    }
    bool more = false;
    for (;;) {
      ++i;
      if (i >= buf.size()) return Fail(i, "fields", "missing fields");
      if (buf[i] == '=' && buf[i - 1] != '\\') {
        return Fail(i, fmt::format("tag \"{}\"", key), "invalid tag format");
      }
      if (buf[i] == ',' && buf[i - 1] != '\\') {
        more = true;
        break;
      }
      if (buf[i] == ' ' && buf[i - 1] != '\\') break;
    }
    tags_.push_back({key, buf.substr(value_start, i - value_start)});
    if (!more) break;
    ++i;
  }
  auto by_key = [](const TagView& a, const TagView& b) { return a.key < b.key; };
  if (!std::is_sorted(tags_.begin(), tags_.end(), by_key)) {
    std::stable_sort(tags_.begin(), tags_.end(), by_key);
  }
  for (size_t t = 1; t < tags_.size(); ++t) {
    if (tags_[t - 1].key == tags_[t].key) {
      return Fail(static_cast<size_t>(tags_[t].key.data() - buf.data()),
                  fmt::format("tag \"{}\"", tags_[t].key), "duplicate tags");
    }
  }
  return true;
}

bool Parser::ScanFields(size_t& i) {
  const std::string_view buf = buf_;
  const size_t start = SkipWhitespace(buf, i);
  i = start;
  size_t equals = 0;
  size_t commas = 0;
  size_t key_start = start;
  // The first key whose '=' follows an escaped backslash (`k\\=1`), if any: see below.
  size_t glued_key = std::string_view::npos;
  while (i < buf.size()) {
    const char c = buf[i];
    if (c == '\\' && i + 1 < buf.size()) {
      i += 2;
      continue;
    }
    if (c == '=') {
      ++equals;
      if (buf[i - 1] == '\\' && glued_key == std::string_view::npos) glued_key = key_start;
      const std::string_view key = buf.substr(key_start, i - key_start);
      if ((buf[i - 1] == ' ' || buf[i - 1] == ',') && (i < 2 || buf[i - 2] != '\\')) {
        return Fail(i, "field key", "missing field key");
      }
      if (i + 1 >= buf.size() || buf[i + 1] == ',' || buf[i + 1] == ' ') {
        return Fail(i + 1, Quoted(key), "missing field value");
      }
      FieldView field;
      field.key = key;
      field.offset = buf_offset_ + key_start;
      const char v = buf[i + 1];
      ++i;
      bool ok = false;
      if (IsNumeric(v) || v == '-' || v == 'N' || v == 'n') {
        ok = ScanNumber(i, field);
      } else if (v != '"') {
        ok = ScanBoolean(i, field);
      } else {
        ok = ScanString(i, field);
      }
      if (!ok) return false;
      fields_.push_back(field);
      continue;
    }
    if (c == ',') {
      ++commas;
      key_start = i + 1;
    }
    if (c == ' ') break;
    ++i;
  }
  // Nothing after the separating space is an "invalid field format" too, as InfluxDB words it.
  if (equals == 0 || commas != equals - 1) {
    return Fail(i, "fields", "invalid field format");
  }
  // InfluxDB scans the line as above but later splits the fields again, ending a key at
  // the first '=' not right after a backslash; a key ending in `\\` therefore swallows
  // its value and what follows. It refuses the line when that runs to the end of the
  // fields and otherwise stores a mangled key (`f\\=1,g=2` becomes field `f\=1,g`);
  // coolflow refuses both.
  if (glued_key != std::string_view::npos) {
    return Fail(glued_key, "field key",
                fmt::format("invalid value: field-key={}", buf.substr(glued_key, i - glued_key)));
  }
  // A key given twice (compared unescaped) keeps its last value, as InfluxDB stores it;
  // different types for one key are a conflict InfluxDB refuses.
  if (fields_.size() > 1) {
    std::vector<FieldView> unique;
    bool any_duplicate = false;
    if (fields_.size() <= kQuadraticDuplicateLimit) {
      for (size_t b = 1; b < fields_.size() && !any_duplicate; ++b) {
        for (size_t a = 0; a < b; ++a) {
          if (SameFieldKey(fields_[a].key, fields_[b].key)) {
            any_duplicate = true;
            break;
          }
        }
      }
    } else {
      std::unordered_set<std::string_view, FieldKeyHash, FieldKeyEqual> seen;
      for (const FieldView& f : fields_) {
        if (!seen.insert(f.key).second) {
          any_duplicate = true;
          break;
        }
      }
    }
    if (any_duplicate) {
      for (size_t b = 0; b < fields_.size(); ++b) {
        size_t a = 0;
        while (a < unique.size() && !SameFieldKey(unique[a].key, fields_[b].key)) {
          ++a;
        }
        if (a == unique.size()) {
          unique.push_back(fields_[b]);
          continue;
        }
        if (unique[a].type != fields_[b].type) {
          return Fail(fields_[b].offset - buf_offset_, Quoted(fields_[b].key),
                      "field type conflict");
        }
        unique[a] = fields_[b];
      }
      fields_.swap(unique);
    }
  }
  return true;
}

bool Parser::ScanNumber(size_t& i, FieldView& field) {
  const std::string_view buf = buf_;
  const size_t start = i;
  bool is_int = false;
  bool is_unsigned = false;
  bool decimal = false;
  bool scientific = false;
  auto fail = [&](std::string message) { return Fail(i, Quoted(field.key), std::move(message)); };
  if (i < buf.size() && buf[i] == '-') {
    ++i;
    if (i == buf.size()) return fail("invalid number");
  }
  if (ScanCommonNumber(buf, start, options_.allow_unsigned, i, field)) return true;
  while (i < buf.size()) {
    const char c = buf[i];
    if (c == ',' || c == ' ') break;
    if (c == 'i' && i > start && !(is_int || is_unsigned)) {
      is_int = true;
      ++i;
      continue;
    }
    if (c == 'u' && i > start && !(is_int || is_unsigned)) {
      is_unsigned = true;
      ++i;
      continue;
    }
    if (c == '.') {
      if (decimal) return fail("invalid number");
      decimal = true;
    }
    if (i > start && (c == 'e' || c == 'E')) {
      scientific = true;
      ++i;
      continue;
    }
    if ((c == '+' || c == '-') && (buf[i - 1] == 'e' || buf[i - 1] == 'E')) {
      ++i;
      continue;
    }
    if (!IsNumeric(c)) return fail("invalid number");
    ++i;
  }
  if ((is_int || is_unsigned) && (decimal || scientific)) return fail("invalid number");
  size_t digits = i - start;
  if (is_int) --digits;
  if (decimal) --digits;
  if (buf[start] == '-') --digits;
  if (digits == 0) return fail("invalid number");

  const std::string_view text = buf.substr(start, i - start);
  if (is_int) {
    if (buf[i - 1] != 'i') return fail("invalid number");
    const std::string_view number = text.substr(0, text.size() - 1);
    if (!ParseInt64(number, field.int_value)) {
      return fail(fmt::format(
          "unable to parse integer {}: strconv.ParseInt: parsing \"{}\": value out of range",
          number, number));
    }
    field.type = FieldType::kInteger;
    return true;
  }
  if (is_unsigned) {
    if (!options_.allow_unsigned) return fail("invalid number");
    if (buf[i - 1] != 'u' || buf[start] == '-') return fail("invalid number");
    const std::string_view number = text.substr(0, text.size() - 1);
    if (!ParseUint64(number, field.uint_value)) {
      return fail(fmt::format(
          "unable to parse unsigned {}: strconv.ParseUint: parsing \"{}\": value out of range",
          number, number));
    }
    field.type = FieldType::kUnsigned;
    return true;
  }
  if (!ParseFloat(text, field.float_value)) return fail("invalid float");
  field.type = FieldType::kFloat;
  return true;
}

bool Parser::ScanBoolean(size_t& i, FieldView& field) {
  const std::string_view buf = buf_;
  const size_t start = i;
  const char first = i < buf.size() ? buf[i] : '\0';
  if (first != 't' && first != 'f' && first != 'T' && first != 'F') {
    return Fail(i, Quoted(field.key), "invalid boolean");
  }
  ++i;
  while (i < buf.size() && buf[i] != ',' && buf[i] != ' ')
    ++i;
  const std::string_view text = buf.substr(start, i - start);
  bool valid = false;
  bool value = false;
  if (text.size() == 1) {
    valid = true;
    value = first == 't' || first == 'T';
  } else if (text == "true" || text == "True" || text == "TRUE") {
    valid = true;
    value = true;
  } else if (text == "false" || text == "False" || text == "FALSE") {
    valid = true;
  }
  if (!valid) return Fail(start, Quoted(field.key), "invalid boolean");
  field.type = FieldType::kBoolean;
  field.bool_value = value;
  return true;
}

bool Parser::ScanString(size_t& i, FieldView& field) {
  const std::string_view buf = buf_;
  const size_t open = i;  // the opening quote
  ++i;
  while (i < buf.size()) {
    if (buf[i] == '\\' && i + 1 < buf.size()) {
      i += 2;
      continue;
    }
    if (buf[i] == '"') break;
    ++i;
  }
  if (i >= buf.size()) return Fail(open, Quoted(field.key), "unbalanced quotes");
  field.type = FieldType::kString;
  field.string_value = buf.substr(open + 1, i - open - 1);
  ++i;
  // coolflow's one deliberate difference in syntax: InfluxDB 1.x goes on to the next
  // comma and stores the string mangled (`f="a"b` becomes `a"`); refuse it instead.
  if (i < buf.size() && buf[i] != ',' && buf[i] != ' ') {
    return Fail(i, Quoted(field.key), "unexpected text after the closing quote of a string");
  }
  return true;
}

bool Parser::ScanTime(size_t i) {
  const std::string_view buf = buf_;
  const size_t start = SkipWhitespace(buf, i);
  i = start;
  while (i < buf.size()) {
    const char c = buf[i];
    if (c == '\n' || c == ' ') break;
    if (i == start && c == '-') {
      ++i;
      continue;
    }
    if (c < '0' || c > '9') return Fail(i, "timestamp", "bad timestamp");
    ++i;
  }
  const std::string_view text = buf.substr(start, i - start);
  if (text.empty()) {
    point_.time = default_time_;
    point_.has_time = false;
    return true;
  }
  int64_t value = 0;
  if (!ParseInt64(text, value)) {
    const bool syntax = text == "-";
    return Fail(start, "timestamp",
                fmt::format("strconv.ParseInt: parsing \"{}\": {}", text,
                            syntax ? "invalid syntax" : "value out of range"));
  }
  auto time = EpochToNs(value, options_.precision);
  if (!time.ok()) return Fail(start, "timestamp", "time outside range");
  point_.time = *time;
  point_.has_time = true;
  for (; i < buf.size(); ++i) {
    if (buf[i] != ' ') return Fail(i, "timestamp", "point is invalid");
  }
  return true;
}

bool Parser::ApplyWriteRules() {
  for (const TagView& tag : tags_) {
    if (tag.key == "time") {
      return Fail(static_cast<size_t>(tag.key.data() - buf_.data()), "tag \"time\"",
                  fmt::format("invalid tag key: input tag \"time\" on measurement \"{}\" is "
                              "invalid",
                              UnescapeMeasurement(point_.measurement)));
    }
  }
  const auto is_time = [](const FieldView& f) { return f.key == "time"; };
  const auto time_field = std::find_if(fields_.begin(), fields_.end(), is_time);
  if (time_field == fields_.end()) return true;
  const size_t time_offset = time_field->offset;
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(), is_time), fields_.end());
  if (fields_.empty()) {
    return Fail(time_offset - buf_offset_, "field \"time\"",
                fmt::format("invalid field name: input field \"time\" on measurement \"{}\" is "
                            "invalid",
                            UnescapeMeasurement(point_.measurement)));
  }
  return true;
}

std::string UnescapeMeasurement(std::string_view raw) {
  if (raw.find('\\') == std::string_view::npos) return std::string(raw);
  return Unescape(raw, ", =\"");
}

std::string UnescapeKey(std::string_view raw) {
  if (raw.find('\\') == std::string_view::npos) return std::string(raw);
  return Unescape(raw, kFieldKeyEscapes);
}

std::string UnescapeTag(std::string_view raw) {
  if (raw.find('\\') == std::string_view::npos) return std::string(raw);
  return Unescape(raw, ", =");
}

std::string UnescapeString(std::string_view raw) {
  if (raw.find('\\') == std::string_view::npos) return std::string(raw);
  return Unescape(raw, "\"\\");
}

void AppendMeasurement(std::string& out, std::string_view measurement) {
  AppendEscaped(out, measurement, ", ");
}

void AppendTagText(std::string& out, std::string_view text) {
  AppendEscaped(out, text, ", =");
}

void AppendStringValue(std::string& out, std::string_view value) {
  out += '"';
  AppendEscaped(out, value, "\"\\");
  out += '"';
}

void AppendFloat(std::string& out, double value) {
  std::array<char, 32> buf{};
  auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  (void)ec;
  out.append(buf.data(), ptr);
}

void AppendInteger(std::string& out, int64_t value) {
  std::array<char, 24> buf{};
  auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  (void)ec;
  out.append(buf.data(), ptr);
  out += 'i';
}

void AppendUnsigned(std::string& out, uint64_t value) {
  std::array<char, 24> buf{};
  auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  (void)ec;
  out.append(buf.data(), ptr);
  out += 'u';
}

}  // namespace coolflow::reading::lp
