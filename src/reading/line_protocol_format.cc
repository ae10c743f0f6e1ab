// Readings in InfluxDB line protocol: a point's measurement and tags name the series, each
// field is one reading, and the `box` tag carries the box id.
#include <algorithm>
#include <cmath>

#include "fmt/format.h"
#include "reading/format.h"
#include "reading/line_protocol.h"

namespace coolflow::reading {
namespace {

Value FieldValue(const lp::FieldView& field) {
  switch (field.type) {
    case lp::FieldType::kFloat:
      return field.float_value;
    case lp::FieldType::kInteger:
      return field.int_value;
    case lp::FieldType::kUnsigned:
      return field.uint_value;
    case lp::FieldType::kBoolean:
      return field.bool_value;
    case lp::FieldType::kString:
      return lp::UnescapeString(field.string_value);
  }
  return field.float_value;
}

class LineProtocolDecoder final : public Decoder {
 public:
  void Decode(std::string_view input, const DecodeOptions& options,
              DecodeResult& result) const override {
    lp::ParseOptions parse_options;
    parse_options.precision = options.precision;
    parse_options.default_time = options.now;
    parse_options.allow_unsigned = options.allow_unsigned;
    lp::Parser parser(input, parse_options);
    for (;;) {
      const lp::Parser::Outcome next = parser.Next();
      if (next == lp::Parser::Outcome::kEnd) break;
      ++result.records;
      if (next == lp::Parser::Outcome::kError) {
        const lp::LineError& e = parser.error();
        result.errors.push_back({e.line, e.column, e.offset, e.item, e.message});
        continue;
      }
      AddPoint(parser.point(), options, result);
    }
  }

 private:
  static void AddPoint(const lp::PointView& point, const DecodeOptions& options,
                       DecodeResult& result) {
    auto refuse = [&](size_t offset, std::string item, std::string message) {
      result.errors.push_back({point.line, offset - point.line_offset + 1, offset, std::move(item),
                               std::move(message)});
    };
    Reading base;
    base.measurement = lp::UnescapeMeasurement(point.measurement);
    base.time = point.time;
    for (const lp::TagView& tag : point.tags) {
      std::string key = lp::UnescapeTag(tag.key);
      std::string value = lp::UnescapeTag(tag.value);
      if (key == kBoxTag) {
        base.box = std::move(value);
      } else {
        base.tags.push_back({std::move(key), std::move(value)});
      }
    }
    if (!SortTags(base.tags)) {
      refuse(point.offset, "tags", "two tags have the same key once unescaped");
      return;
    }
    const size_t first = result.readings.size();
    for (const lp::FieldView& field : point.fields) {
      Reading reading = base;
      reading.metric = lp::UnescapeKey(field.key);
      reading.value = FieldValue(field);
      FillCatalogUnit(reading);
      if (auto violation = Validate(reading, options.now, options.validation)) {
        result.readings.resize(first);
        const bool about_field = violation->item == reading.metric;
        // A bad value points at the value, past "key=".
        const size_t value_offset = field.offset + field.key.size() + 1;
        refuse(about_field ? value_offset : point.offset, violation->item, violation->message);
        return;
      }
      result.readings.push_back(std::move(reading));
    }
  }
};

bool SameLine(const Reading& a, const Reading& b) {
  return a.time == b.time && a.box == b.box && a.measurement == b.measurement && a.tags == b.tags;
}

bool HasMetric(std::span<const Reading> readings, std::string_view metric) {
  return std::any_of(readings.begin(), readings.end(),
                     [&](const Reading& r) { return r.metric == metric; });
}

class LineProtocolEncoder final : public Encoder {
 public:
  void Encode(std::span<const Reading> readings, std::string& out,
              std::vector<EncodeError>& errors) const override {
    size_t i = 0;
    while (i < readings.size()) {
      size_t end = i + 1;
      // Readings of one series and time share a line; a metric seen again starts a new
      // line, since InfluxDB keeps only the last value of a repeated field.
      while (end < readings.size() && SameLine(readings[i], readings[end]) &&
             !HasMetric(readings.subspan(i, end - i), readings[end].metric)) {
        ++end;
      }
      WriteLine(readings, i, end, out, errors);
      i = end;
    }
  }

 private:
  static void WriteLine(std::span<const Reading> readings, size_t begin, size_t end,
                        std::string& out, std::vector<EncodeError>& errors) {
    const Reading& head = readings[begin];
    if (Status s = ValidateName(head.measurement); !s.ok()) {
      errors.push_back(
          {begin, fmt::format("measurement '{}': {}", head.measurement, s.message()), end - begin});
      return;
    }
    const size_t line_start = out.size();
    lp::AppendMeasurement(out, head.measurement);
    bool box_written = head.box.empty();
    auto write_tag = [&](std::string_view key, std::string_view value) {
      out += ',';
      lp::AppendTagText(out, key);
      out += '=';
      lp::AppendTagText(out, value);
    };
    for (const Tag& tag : head.tags) {
      if (!box_written && tag.key > kBoxTag) {
        write_tag(kBoxTag, head.box);
        box_written = true;
      }
      write_tag(tag.key, tag.value);
    }
    if (!box_written) write_tag(kBoxTag, head.box);
    char separator = ' ';
    size_t written = 0;
    for (size_t i = begin; i < end; ++i) {
      const Reading& r = readings[i];
      if (Status s = ValidateName(r.metric); !s.ok()) {
        errors.push_back({i, fmt::format("metric '{}': {}", r.metric, s.message())});
        continue;
      }
      if (const auto* d = std::get_if<double>(&r.value); d != nullptr && !std::isfinite(*d)) {
        errors.push_back({i, fmt::format("{}: line protocol cannot carry {}", r.metric, *d)});
        continue;
      }
      out += separator;
      separator = ',';
      lp::AppendTagText(out, r.metric);
      out += '=';
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, double>) {
              lp::AppendFloat(out, v);
            } else if constexpr (std::is_same_v<T, int64_t>) {
              lp::AppendInteger(out, v);
            } else if constexpr (std::is_same_v<T, uint64_t>) {
              lp::AppendUnsigned(out, v);
            } else if constexpr (std::is_same_v<T, bool>) {
              out += v ? "true" : "false";
            } else {
              lp::AppendStringValue(out, v);
            }
          },
          r.value);
      ++written;
    }
    if (written == 0) {
      out.resize(line_start);
      return;
    }
    out += ' ';
    out += fmt::format_int(head.time).str();
    out += '\n';
  }
};

}  // namespace

std::unique_ptr<Decoder> MakeLineProtocolDecoder() {
  return std::make_unique<LineProtocolDecoder>();
}
std::unique_ptr<Encoder> MakeLineProtocolEncoder() {
  return std::make_unique<LineProtocolEncoder>();
}

}  // namespace coolflow::reading
