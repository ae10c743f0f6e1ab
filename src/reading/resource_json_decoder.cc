// The seed's Kafka `resource` record, one JSON object per line:
//   {"cp":..,"timestamp":<epoch ms>,"ip":"10.0.0.7","deviceId":"pi-3","tx":..,"rx":..,
//    "txDropped":..,"rxDropped":..,"txError":..,"rxError":..,"cpu":<load1>,
//    "memory":<available kB>,"disk":<% used>}
// deviceId is the box; ip (and cp when present) become tags; each metric is a reading of
// measurement `resource`. Numbers may also come as strings of digits, as Node.js agents
// often send them.
#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include "common/time.h"
#include "fmt/format.h"
#include "reading/format.h"
#include "reading/json_util.h"
#include "reading/resource_json.h"
#include "reading/text_util.h"

namespace coolflow::reading {
namespace {

using resource_json::kFirstGauge;
using resource_json::kMeasurement;
using resource_json::kMetrics;
using resource_json::MetricIndex;

// Counters must be whole and non-negative: the seed's agents send them as JSON numbers that
// may be written as 1.2e9 by JavaScript, so integral doubles are accepted.
std::string AsCounter(Value& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) {
    if (*i < 0) return fmt::format("counter {} is negative", *i);
    value = static_cast<uint64_t>(*i);
    return "";
  }
  if (std::holds_alternative<uint64_t>(value)) return "";
  const double d = std::get<double>(value);
  if (!std::isfinite(d) || d < 0 || d != std::floor(d) || d >= 18446744073709551616.0) {
    return fmt::format("counter {} is not a whole non-negative number", d);
  }
  value = static_cast<uint64_t>(d);
  return "";
}

class ResourceJsonDecoder final : public Decoder {
 public:
  void Decode(std::string_view input, const DecodeOptions& options,
              DecodeResult& result) const override {
    json::LineReader reader(input);
    reader.ForEach([&](simdjson::ondemand::document& doc, simdjson::error_code error,
                       std::string_view line, size_t line_no, size_t line_offset) {
      ++result.records;
      const json::LinePosition at{line, line_no, line_offset};
      if (auto e = DecodeRecord(doc, error, at, options, result.readings)) {
        result.errors.push_back(std::move(*e));
      }
    });
  }

 private:
  static std::optional<RecordError> DecodeRecord(simdjson::ondemand::document& doc,
                                                 simdjson::error_code error,
                                                 const json::LinePosition& at,
                                                 const DecodeOptions& options,
                                                 std::vector<Reading>& out) {
    const char* begin = at.line.data();
    simdjson::ondemand::object object;
    if (!error) error = doc.get_object().get(object);
    if (error) {
      const char* where = begin;
      std::string why = json::DescribeObjectError(at.line, error, where);
      return at.At(where, "record", std::move(why));
    }

    Reading base;
    base.measurement = kMeasurement;
    std::optional<TimeNs> time;
    std::array<std::optional<Value>, kMetrics.size()> values;
    std::array<std::string_view, kMetrics.size()> tokens;
    std::optional<std::string> ip;
    bool have_box = false;
    std::vector<std::string_view> seen;
    for (auto field_result : object) {
      simdjson::ondemand::field field;
      std::string_view key;
      if (auto e = std::move(field_result).get(field); e)
        return at.At(begin, "record", json::Describe(e));
      const char* key_at = field.key().raw() - 1;  // the key's opening quote
      if (auto e = field.unescaped_key().get(key); e) {
        return at.At(key_at, "record", json::Describe(e));
      }
      const std::string name(key);
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        return at.At(key_at, name, fmt::format("'{}' given twice", name));
      }
      seen.push_back(key);
      simdjson::ondemand::value value = field.value();
      if (auto index = MetricIndex(key)) {
        Value v;
        std::string_view token;
        if (std::string why = json::ReadNumber(value, v, token); !why.empty()) {
          return at.AtToken(token, name, why);
        }
        if (*index < kFirstGauge) {
          if (std::string why = AsCounter(v); !why.empty()) return at.AtToken(token, name, why);
        } else {
          v = ValueAsDouble(v);
        }
        values[*index] = std::move(v);
        tokens[*index] = token;
      } else if (key == "timestamp") {
        Value v;
        std::string_view token;
        if (std::string why = json::ReadNumber(value, v, token); !why.empty()) {
          return at.AtToken(token, name, why);
        }
        const auto* ms = std::get_if<int64_t>(&v);
        if (ms == nullptr) {
          return at.AtToken(token, name, "expected whole epoch milliseconds");
        }
        auto ns = EpochToNs(*ms, Precision::kMilliseconds);
        if (!ns.ok()) return at.AtToken(token, name, ns.status().message());
        time = *ns;
      } else if (key == "deviceId" || key == "ip" || key == "cp") {
        std::string text;
        const std::string_view token = value.raw_json_token();
        simdjson::ondemand::json_type type;
        if (auto e = value.type().get(type); e) return at.AtToken(token, name, json::Describe(e));
        if (type == simdjson::ondemand::json_type::string) {
          std::string_view s;
          if (auto e = value.get_string().get(s); e) {
            return at.AtToken(token, name, json::Describe(e));
          }
          text = s;
        } else if (type == simdjson::ondemand::json_type::number) {
          // The seed's ids were integers (parseInt on the consumer side).
          text = Trim(token.substr(0, token.find_first_of(",} \t")));
        } else {
          return at.AtToken(token, name, "expected a string");
        }
        if (key == "deviceId") {
          if (Status s = ValidateBoxId(text); !s.ok()) {
            return at.AtToken(token, name, s.message());
          }
          base.box = std::move(text);
          have_box = true;
        } else if (key == "ip") {
          ip = std::move(text);
        } else {
          base.tags.push_back({"cp", std::move(text)});
        }
      } else {
        return at.At(key_at, name, fmt::format("unknown field '{}' in a resource record", name));
      }
    }
    if (doc.current_location().error() == simdjson::SUCCESS) {
      return at.At(doc.current_location().value_unsafe(), "record",
                   "unexpected text after the JSON object");
    }
    if (!have_box) return at.At(begin, "deviceId", "missing field 'deviceId'");
    if (!time) return at.At(begin, "timestamp", "missing field 'timestamp'");
    if (!ip) return at.At(begin, "ip", "missing field 'ip'");
    for (size_t i = 0; i < kMetrics.size(); ++i) {
      if (!values[i]) {
        return at.At(begin, std::string(kMetrics[i]),
                     fmt::format("missing field '{}'", kMetrics[i]));
      }
    }
    base.tags.push_back({"ip", std::move(*ip)});
    if (!SortTags(base.tags)) return at.At(begin, "record", "duplicate tag");
    base.time = *time;
    const size_t first = out.size();
    for (size_t i = 0; i < kMetrics.size(); ++i) {
      Reading reading = base;
      reading.metric = kMetrics[i];
      reading.value = std::move(*values[i]);
      FillCatalogUnit(reading);
      if (auto violation = Validate(reading, options.now, options.validation)) {
        out.resize(first);
        const bool about_metric = violation->item == reading.metric;
        return at.At(about_metric ? tokens[i].data() : begin, violation->item, violation->message);
      }
      out.push_back(std::move(reading));
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<Decoder> MakeResourceJsonDecoder() {
  return std::make_unique<ResourceJsonDecoder>();
}

}  // namespace coolflow::reading
