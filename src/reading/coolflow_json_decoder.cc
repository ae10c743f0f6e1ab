// coolflow's own JSON, one document per line. A line is either one reading
//   {"box":"pi-1","measurement":"temp","metric":"temperature","value":23.5,"unit":"Cel",
//    "time":1764000000000000000,"seq":42,"tags":{"rack":"r01"}}
// or a batch whose box, measurement, time, seq and tags are defaults for its readings
//   {"box":"pi-1","time":...,"seq":100,"tags":{"rack":"r01"},"readings":[{...},{...}]}
// In a batch each reading is its own record: a bad one is refused, the others pass.
// The schema is written up in docs/formats.md.
#include <algorithm>
#include <cmath>
#include <optional>

#include "common/time.h"
#include "fmt/format.h"
#include "reading/format.h"
#include "reading/json_util.h"
#include "reading/text_util.h"

namespace coolflow::reading {
namespace {

using simdjson::ondemand::json_type;

// One reading object (or a batch's defaults) as read, before defaults are applied.
struct Partial {
  const char* begin = nullptr;  // the object's first byte, for errors
  std::optional<std::string> box, measurement, metric;
  std::optional<TagSet> tags;
  std::optional<TimeNs> time;
  std::optional<uint64_t> seq;
  std::optional<Value> value;
  std::optional<std::string> type;
  std::optional<Unit> unit;
  std::string_view value_token, time_token, box_token, unit_token;
  bool is_batch = false;
};

struct Failure {
  const char* where;
  std::string item;
  std::string message;
};

std::optional<Failure> ReadString(simdjson::ondemand::value& value, std::string_view item,
                                  std::string& out) {
  std::string_view s;
  if (auto e = value.get_string().get(s); e) {
    return Failure{value.raw_json_token().data(), std::string(item),
                   fmt::format("expected a string ({})", simdjson::error_message(e))};
  }
  out = s;
  return std::nullopt;
}

std::optional<Failure> ReadTime(simdjson::ondemand::value& value, TimeNs& out,
                                std::string_view& token) {
  token = value.raw_json_token();
  json_type type;
  if (auto e = value.type().get(type); e) return Failure{token.data(), "time", json::Describe(e)};
  if (type == json_type::number) {
    int64_t ns = 0;
    if (auto e = value.get_int64().get(ns); e) {
      return Failure{token.data(), "time", "expected integer nanoseconds since the epoch"};
    }
    out = ns;
    return std::nullopt;
  }
  std::string text;
  if (auto f = ReadString(value, "time", text)) return f;
  auto t = ParseTimestamp(text);
  if (!t.ok()) return Failure{token.data(), "time", t.status().message()};
  out = *t;
  return std::nullopt;
}

std::optional<Failure> ReadTags(simdjson::ondemand::value& value, TagSet& out) {
  const char* where = value.raw_json_token().data();
  simdjson::ondemand::object object;
  if (auto e = value.get_object().get(object); e) {
    return Failure{where, "tags", "expected an object of string values"};
  }
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (auto e = std::move(field_result).get(field); e)
      return Failure{where, "tags", json::Describe(e)};
    if (auto e = field.unescaped_key().get(key); e) {
      return Failure{where, "tags", json::Describe(e)};
    }
    std::string text;
    simdjson::ondemand::value v = field.value();
    if (auto f = ReadString(v, "tags", text)) {
      f->message = fmt::format("tag '{}': {}", key, f->message);
      return f;
    }
    out.push_back({std::string(key), std::move(text)});
  }
  if (!SortTags(out)) return Failure{where, "tags", "a tag key appears twice"};
  return std::nullopt;
}

std::optional<Failure> ReadValue(simdjson::ondemand::value& value, Value& out,
                                 std::string_view& token) {
  token = value.raw_json_token();
  json_type type;
  if (auto e = value.type().get(type); e) return Failure{token.data(), "value", json::Describe(e)};
  switch (type) {
    case json_type::number: {
      std::string why = json::ReadNumber(value, out, token);
      if (!why.empty()) return Failure{token.data(), "value", why};
      return std::nullopt;
    }
    case json_type::boolean: {
      bool b = false;
      if (auto e = value.get_bool().get(b); e) {
        return Failure{token.data(), "value", json::Describe(e)};
      }
      out = b;
      return std::nullopt;
    }
    case json_type::string: {
      std::string s;
      if (auto f = ReadString(value, "value", s)) return f;
      out = std::move(s);
      return std::nullopt;
    }
    default:
      return Failure{token.data(), "value", "expected a number, boolean or string"};
  }
}

// The keys of a reading object (and "readings" of a batch), each with its bit for
// ReadObject's `seen`; 0 for any other key.
uint32_t KeyBit(std::string_view key) {
  static constexpr std::string_view kKeys[] = {"box", "measurement", "metric", "tags", "time",
                                               "seq", "value",       "type",   "unit", "readings"};
  for (size_t i = 0; i < std::size(kKeys); ++i) {
    if (kKeys[i] == key) return uint32_t{1} << i;
  }
  return 0;
}

// Reads the keys of one object into `p`. With `batch` set (a line's top-level object), a
// "readings" array is allowed; its elements are appended to `children`, and `p.is_batch`
// is set.
std::optional<Failure> ReadObject(simdjson::ondemand::object& object, Partial& p, bool batch,
                                  std::vector<Partial>* children,
                                  std::vector<Failure>* child_failures) {
  // The keys read so far, one bit per known key (an unknown key ends the object anyway): a
  // key given twice is refused without a list to search or allocate.
  uint32_t seen = 0;
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (auto e = std::move(field_result).get(field); e)
      return Failure{p.begin, "record", json::Describe(e)};
    const char* key_at = field.key().raw() - 1;  // the key's opening quote
    if (auto e = field.unescaped_key().get(key); e) {
      return Failure{key_at, "record", json::Describe(e)};
    }
    if (const uint32_t bit = KeyBit(key); bit != 0) {
      if ((seen & bit) != 0) {
        return Failure{key_at, std::string(key), fmt::format("'{}' given twice", key)};
      }
      seen |= bit;
    }
    simdjson::ondemand::value value = field.value();
    std::optional<Failure> failure;
    if (key == "box") {
      p.box_token = value.raw_json_token();
      failure = ReadString(value, key, p.box.emplace());
    } else if (key == "measurement") {
      failure = ReadString(value, key, p.measurement.emplace());
    } else if (key == "metric") {
      failure = ReadString(value, key, p.metric.emplace());
    } else if (key == "tags") {
      failure = ReadTags(value, p.tags.emplace());
    } else if (key == "time") {
      failure = ReadTime(value, p.time.emplace(), p.time_token);
    } else if (key == "seq") {
      uint64_t seq = 0;
      if (auto e = value.get_uint64().get(seq); e) {
        failure = Failure{value.raw_json_token().data(), "seq",
                          "expected a non-negative integer sequence number"};
      }
      p.seq = seq;
    } else if (key == "value") {
      failure = ReadValue(value, p.value.emplace(), p.value_token);
    } else if (key == "type") {
      failure = ReadString(value, key, p.type.emplace());
    } else if (key == "unit") {
      p.unit_token = value.raw_json_token();
      std::string symbol;
      failure = ReadString(value, key, symbol);
      if (!failure) {
        auto unit = UnitFromSymbol(symbol);
        if (!unit) {
          failure = Failure{p.unit_token.data(), "unit", fmt::format("unknown unit '{}'", symbol)};
        } else {
          p.unit = *unit;
        }
      }
    } else if (key == "readings" && batch) {
      p.is_batch = true;
      simdjson::ondemand::array array;
      const char* where = value.raw_json_token().data();
      if (auto e = value.get_array().get(array); e) {
        return Failure{where, "readings", "expected an array of reading objects"};
      }
      for (auto element_result : array) {
        simdjson::ondemand::value element;
        if (auto e = std::move(element_result).get(element); e) {
          return Failure{where, "readings", json::Describe(e)};
        }
        Partial child;
        child.begin = element.raw_json_token().data();
        simdjson::ondemand::object child_object;
        if (auto e = element.get_object().get(child_object); e) {
          return Failure{child.begin, "readings", "expected a reading object"};
        }
        // A bad reading inside a batch is its own refused record, unless the JSON itself
        // is broken, which ends the line.
        if (auto f = ReadObject(child_object, child, false, nullptr, nullptr)) {
          if (f->item == "record") return f;
          child_failures->push_back(std::move(*f));
          children->emplace_back();  // begin == nullptr marks the refused one
          continue;
        }
        children->push_back(std::move(child));
      }
    } else {
      return Failure{key_at, std::string(key), fmt::format("unknown field '{}'", key)};
    }
    if (failure) return failure;
  }
  return std::nullopt;
}

// JSON has one number type. Without a type hint, a number is a float, as sensors measure
// (so `"value":41` and `"value":41.5` land in one InfluxDB float series), except that a
// well-known counter stays an unsigned integer, and a whole number beyond 2^53, which a
// double cannot hold exactly, stays an integer.
void NarrowUntypedNumber(std::string_view metric, Value& value) {
  constexpr uint64_t kExactDoubleLimit = uint64_t{1} << 53;
  const MetricInfo* info = FindMetric(metric);
  const bool counter = info != nullptr && info->counter;
  if (const auto* i = std::get_if<int64_t>(&value)) {
    if (counter && *i >= 0) {
      value = static_cast<uint64_t>(*i);
    } else if (static_cast<uint64_t>(*i < 0 ? -(*i + 1) : *i) < kExactDoubleLimit) {
      value = static_cast<double>(*i);
    }
  } else if (const auto* u = std::get_if<uint64_t>(&value)) {
    if (!counter && *u < kExactDoubleLimit) value = static_cast<double>(*u);
  }
}

// Applies the type hint to the value read.
std::optional<std::string> ApplyType(const std::string& type, Value& value) {
  if (type == "float") {
    if (std::holds_alternative<std::string>(value) || std::holds_alternative<bool>(value)) {
      return "type float needs a number";
    }
    value = ValueAsDouble(value);
  } else if (type == "integer") {
    if (const auto* u = std::get_if<uint64_t>(&value)) {
      return fmt::format("{} does not fit a signed 64-bit integer", *u);
    }
    if (!std::holds_alternative<int64_t>(value)) return "type integer needs a whole number";
  } else if (type == "unsigned") {
    if (const auto* i = std::get_if<int64_t>(&value)) {
      if (*i < 0) return "type unsigned needs a non-negative number";
      value = static_cast<uint64_t>(*i);
    } else if (!std::holds_alternative<uint64_t>(value)) {
      return "type unsigned needs a whole number";
    }
  } else if (type == "boolean") {
    if (!std::holds_alternative<bool>(value)) return "type boolean needs true or false";
  } else if (type == "string") {
    if (!std::holds_alternative<std::string>(value)) return "type string needs a string";
  } else {
    return fmt::format("unknown type '{}' (float, integer, unsigned, boolean, string)", type);
  }
  return std::nullopt;
}

class CoolflowJsonDecoder final : public Decoder {
 public:
  void Decode(std::string_view input, const DecodeOptions& options,
              DecodeResult& result) const override {
    // Most lines are one reading: room for one per line saves the vector's regrowth. (find
    // is memchr; std::count went byte by byte and cost more than the regrowth.)
    size_t lines = 1;
    for (size_t at = input.find('\n'); at != std::string_view::npos; at = input.find('\n', at + 1))
      ++lines;
    result.readings.reserve(result.readings.size() + lines);
    json::LineReader reader(input);
    reader.ForEach([&](simdjson::ondemand::document& doc, simdjson::error_code error,
                       std::string_view line, size_t line_no, size_t line_offset) {
      const json::LinePosition at{line, line_no, line_offset};
      DecodeLine(doc, error, at, options, result);
    });
  }

 private:
  static void DecodeLine(simdjson::ondemand::document& doc, simdjson::error_code error,
                         const json::LinePosition& at, const DecodeOptions& options,
                         DecodeResult& result) {
    auto refuse = [&](const Failure& f) {
      result.errors.push_back(at.At(f.where, f.item, f.message));
    };
    simdjson::ondemand::object object;
    if (!error) error = doc.get_object().get(object);
    if (error) {
      ++result.records;
      const char* where = at.line.data();
      std::string why = json::DescribeObjectError(at.line, error, where);
      refuse({where, "record", std::move(why)});
      return;
    }
    Partial top;
    top.begin = at.line.data();
    std::vector<Partial> children;
    std::vector<Failure> child_failures;
    if (auto f = ReadObject(object, top, true, &children, &child_failures)) {
      ++result.records;
      refuse(*f);
      return;
    }
    if (doc.current_location().error() == simdjson::SUCCESS) {
      ++result.records;
      refuse({doc.current_location().value_unsafe(), "record",
              "unexpected text after the JSON object"});
      return;
    }
    if (!top.is_batch) {
      ++result.records;
      Finish(top, nullptr, 0, at, options, result);
      return;
    }
    if (top.metric || top.value || top.type || top.unit) {
      ++result.records;
      refuse({at.line.data(), "readings",
              "a batch carries metric, value, type and unit in its readings, not itself"});
      return;
    }
    if (children.empty()) {
      ++result.records;
      refuse({at.line.data(), "readings", "a batch with no readings"});
      return;
    }
    size_t failure_index = 0;
    for (size_t i = 0; i < children.size(); ++i) {
      ++result.records;
      if (children[i].begin == nullptr) {
        refuse(child_failures[failure_index++]);
        continue;
      }
      Finish(children[i], &top, i, at, options, result);
    }
  }

  // Applies batch defaults and checks one reading.
  static void Finish(Partial& p, const Partial* batch, size_t index, const json::LinePosition& at,
                     const DecodeOptions& options, DecodeResult& result) {
    auto refuse = [&](const char* where, std::string item, std::string message) {
      result.errors.push_back(at.At(where, std::move(item), std::move(message)));
    };
    Reading r;
    auto pick = [&](auto member) -> const auto& {
      const auto& own = p.*member;
      return own.has_value() || batch == nullptr ? own : batch->*member;
    };
    const auto& box = pick(&Partial::box);
    const auto& measurement = pick(&Partial::measurement);
    if (!box) return refuse(p.begin, "box", "missing field 'box'");
    if (!measurement) return refuse(p.begin, "measurement", "missing field 'measurement'");
    if (!p.metric) return refuse(p.begin, "metric", "missing field 'metric'");
    if (!p.value) return refuse(p.begin, "value", "missing field 'value'");
    // `p` is not read again: its own fields move, a batch's defaults are copied.
    r.box = p.box ? std::move(*p.box) : *box;
    r.measurement = p.measurement ? std::move(*p.measurement) : *measurement;
    r.metric = std::move(*p.metric);
    if (batch != nullptr && batch->tags) r.tags = *batch->tags;
    if (p.tags && r.tags.empty()) {
      r.tags = std::move(*p.tags);  // sorted by ReadTags
    } else if (p.tags) {
      for (Tag& tag : *p.tags) {
        auto it = std::find_if(r.tags.begin(), r.tags.end(),
                               [&](const Tag& t) { return t.key == tag.key; });
        if (it != r.tags.end()) {
          it->value = std::move(tag.value);
        } else {
          r.tags.push_back(std::move(tag));
        }
      }
      SortTags(r.tags);
    }
    const auto& time = pick(&Partial::time);
    r.time = time ? *time : options.now;
    if (p.seq) {
      r.seq = *p.seq;
    } else if (batch != nullptr && batch->seq) {
      r.seq = *batch->seq + index;
    }
    r.value = std::move(*p.value);
    if (!p.type) NarrowUntypedNumber(r.metric, r.value);
    if (p.type) {
      if (auto why = ApplyType(*p.type, r.value))
        return refuse(p.value_token.data(), "value", *why);
    }
    r.unit = p.unit.value_or(Unit::kNone);
    FillCatalogUnit(r);
    if (auto violation = Validate(r, options.now, options.validation)) {
      const char* where = p.begin;
      if (violation->item == r.metric) where = p.value_token.data();
      if (violation->item == "box" && !p.box_token.empty()) where = p.box_token.data();
      if (violation->item == "time" && !p.time_token.empty()) where = p.time_token.data();
      return refuse(where, violation->item, violation->message);
    }
    result.readings.push_back(std::move(r));
  }
};

}  // namespace

std::unique_ptr<Decoder> MakeCoolflowJsonDecoder() {
  return std::make_unique<CoolflowJsonDecoder>();
}

}  // namespace coolflow::reading
