// coolflow's own JSON, one document per line. A line is either one reading
//   {"box":"pi-1","measurement":"temp","metric":"temperature","value":23.5,"unit":"Cel",
//    "time":1764000000000000000,"seq":42,"tags":{"rack":"r01"}}
// or a batch whose box, measurement, time, seq and tags are defaults for its readings
//   {"box":"pi-1","time":...,"seq":100,"tags":{"rack":"r01"},"readings":[{...},{...}]}
// In a batch each reading is its own record: a bad one is refused, the others pass.
// The schema is written up in docs/formats.md.
#include <cmath>
#include <type_traits>
#include <variant>

#include "fmt/format.h"
#include "reading/format.h"
#include "reading/json_write.h"
#include "reading/text_util.h"

namespace coolflow::reading {
namespace {

void AppendValue(std::string& out, const Value& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, double>) {
          const size_t start = out.size();
          AppendShortest(out, v);
          if (out.find_first_of(".e", start) == std::string::npos) out += ".0";
        } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) {
          out += fmt::format_int(v).str();
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else {
          json::AppendString(out, v);
        }
      },
      value);
}

class CoolflowJsonEncoder final : public Encoder {
 public:
  void Encode(std::span<const Reading> readings, std::string& out,
              std::vector<EncodeError>& errors) const override {
    for (size_t i = 0; i < readings.size(); ++i) {
      const Reading& r = readings[i];
      if (const auto* d = std::get_if<double>(&r.value); d != nullptr && !std::isfinite(*d)) {
        errors.push_back({i, fmt::format("{}: JSON cannot carry {}", r.metric, *d)});
        continue;
      }
      out += "{\"box\":";
      json::AppendString(out, r.box);
      out += ",\"measurement\":";
      json::AppendString(out, r.measurement);
      out += ",\"metric\":";
      json::AppendString(out, r.metric);
      if (!r.tags.empty()) {
        out += ",\"tags\":{";
        for (size_t t = 0; t < r.tags.size(); ++t) {
          if (t > 0) out += ',';
          json::AppendString(out, r.tags[t].key);
          out += ':';
          json::AppendString(out, r.tags[t].value);
        }
        out += '}';
      }
      out += ",\"time\":";
      out += fmt::format_int(r.time).str();
      out += ",\"value\":";
      AppendValue(out, r.value);
      if (std::holds_alternative<uint64_t>(r.value)) out += ",\"type\":\"unsigned\"";
      if (std::holds_alternative<int64_t>(r.value)) out += ",\"type\":\"integer\"";
      if (r.unit != Unit::kNone) {
        out += ",\"unit\":";
        json::AppendString(out, UnitSymbol(r.unit));
      }
      if (r.seq != 0) {
        out += ",\"seq\":";
        out += fmt::format_int(r.seq).str();
      }
      out += "}\n";
    }
  }
};

}  // namespace

std::unique_ptr<Encoder> MakeCoolflowJsonEncoder() {
  return std::make_unique<CoolflowJsonEncoder>();
}

}  // namespace coolflow::reading
