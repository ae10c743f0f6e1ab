// The seed's Kafka `resource` record, one JSON object per line:
//   {"cp":..,"timestamp":<epoch ms>,"ip":"10.0.0.7","deviceId":"pi-3","tx":..,"rx":..,
//    "txDropped":..,"rxDropped":..,"txError":..,"rxError":..,"cpu":<load1>,
//    "memory":<available kB>,"disk":<% used>}
// deviceId is the box; ip (and cp when present) become tags; each metric is a reading of
// measurement `resource`. Numbers may also come as strings of digits, as Node.js agents
// often send them.
#include <array>

#include "common/time.h"
#include "fmt/format.h"
#include "reading/format.h"
#include "reading/json_write.h"
#include "reading/resource_json.h"
#include "reading/text_util.h"

namespace coolflow::reading {
namespace {

using resource_json::kMeasurement;
using resource_json::kMetrics;
using resource_json::MetricIndex;

class ResourceJsonEncoder final : public Encoder {
 public:
  void Encode(std::span<const Reading> readings, std::string& out,
              std::vector<EncodeError>& errors) const override {
    size_t i = 0;
    while (i < readings.size()) {
      const Reading& head = readings[i];
      if (head.measurement != kMeasurement || !MetricIndex(head.metric)) {
        errors.push_back({i, fmt::format("resource-json carries only the resource metrics; "
                                         "not {} {}",
                                         head.measurement, head.metric)});
        ++i;
        continue;
      }
      std::array<const Reading*, kMetrics.size()> group{};
      size_t end = i;
      while (end < readings.size() && readings[end].measurement == kMeasurement &&
             readings[end].box == head.box && readings[end].time == head.time &&
             readings[end].tags == head.tags) {
        auto index = MetricIndex(readings[end].metric);
        if (!index) break;
        group[*index] = &readings[end];
        ++end;
      }
      WriteRecord(head, group, i, end - i, out, errors);
      i = end;
    }
  }

 private:
  static void WriteRecord(const Reading& head,
                          const std::array<const Reading*, kMetrics.size()>& group, size_t index,
                          size_t count, std::string& out, std::vector<EncodeError>& errors) {
    const Tag* ip = nullptr;
    const Tag* cp = nullptr;
    for (const Tag& tag : head.tags) {
      if (tag.key == "ip") ip = &tag;
      if (tag.key == "cp") cp = &tag;
    }
    if (ip == nullptr) {
      errors.push_back(
          {index, fmt::format("resource-json needs an ip tag (box {})", head.box), count});
      return;
    }
    for (size_t m = 0; m < kMetrics.size(); ++m) {
      if (group[m] == nullptr) {
        errors.push_back({index,
                          fmt::format("resource-json needs {} of box {} at {}", kMetrics[m],
                                      head.box, FormatRfc3339(head.time)),
                          count});
        return;
      }
    }
    out += '{';
    if (cp != nullptr) {
      out += "\"cp\":";
      json::AppendString(out, cp->value);
      out += ',';
    }
    out += fmt::format("\"timestamp\":{},\"ip\":", head.time / kNanosPerMilli);
    json::AppendString(out, ip->value);
    out += ",\"deviceId\":";
    json::AppendString(out, head.box);
    for (size_t m = 0; m < kMetrics.size(); ++m) {
      out += ",\"";
      out += kMetrics[m];
      out += "\":";
      const Value& v = group[m]->value;
      if (const auto* u = std::get_if<uint64_t>(&v)) {
        out += fmt::format_int(*u).str();
      } else if (const auto* i = std::get_if<int64_t>(&v)) {
        out += fmt::format_int(*i).str();
      } else {
        AppendShortest(out, ValueAsDouble(v));
      }
    }
    out += "}\n";
  }
};

}  // namespace

std::unique_ptr<Encoder> MakeResourceJsonEncoder() {
  return std::make_unique<ResourceJsonEncoder>();
}

}  // namespace coolflow::reading
