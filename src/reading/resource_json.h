// The seed's Kafka `resource` record, one JSON object per line:
//   {"cp":..,"timestamp":<epoch ms>,"ip":"10.0.0.7","deviceId":"pi-3","tx":..,"rx":..,
//    "txDropped":..,"rxDropped":..,"txError":..,"rxError":..,"cpu":<load1>,
//    "memory":<available kB>,"disk":<% used>}
// deviceId is the box; ip (and cp when present) become tags; each metric is a reading of
// measurement `resource`. Numbers may also come as strings of digits, as Node.js agents
// often send them.
//
// Internal to the reading library: what the decoder and the encoder share.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace coolflow::reading::resource_json {

constexpr std::string_view kMeasurement = "resource";
constexpr std::array<std::string_view, 9> kMetrics = {
    "tx", "rx", "txDropped", "rxDropped", "txError", "rxError", "cpu", "memory", "disk"};
// Network counters are unsigned integers; cpu, memory and disk are gauges.
constexpr size_t kFirstGauge = 6;

inline std::optional<size_t> MetricIndex(std::string_view key) {
  for (size_t i = 0; i < kMetrics.size(); ++i) {
    if (kMetrics[i] == key) return i;
  }
  return std::nullopt;
}

}  // namespace coolflow::reading::resource_json
