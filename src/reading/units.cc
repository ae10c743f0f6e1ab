#include "reading/units.h"

#include <array>
#include <limits>
#include <unordered_map>
#include <utility>

namespace coolflow::reading {
namespace {

constexpr std::array<std::pair<Unit, std::string_view>, 18> kUnitSymbols = {{
    {Unit::kNone, ""},
    {Unit::kCelsius, "Cel"},
    {Unit::kPercent, "%"},
    {Unit::kRelativeHumidity, "%RH"},
    {Unit::kWatt, "W"},
    {Unit::kKilowattHour, "kWh"},
    {Unit::kAmpere, "A"},
    {Unit::kVolt, "V"},
    {Unit::kRpm, "rpm"},
    {Unit::kBytes, "By"},
    {Unit::kBytesPerSecond, "By/s"},
    {Unit::kKibibytes, "KiBy"},
    {Unit::kCount, "1"},
    {Unit::kLoad, "load"},
    {Unit::kTicks, "ticks"},
    {Unit::kSeconds, "s"},
    {Unit::kHertz, "Hz"},
    {Unit::kHectopascal, "hPa"},
}};

constexpr double kInf = std::numeric_limits<double>::infinity();

// Ranges are physical limits, not alert thresholds: a value outside them comes from a
// broken sensor or a corrupted message. Temperature: the range of the sensors coolflow
// reads (DHT22, DS18B20, BME280 all stop at -40..+85 °C).
constexpr MetricInfo kMetrics[] = {
    // Room and rack sensors.
    {"temperature", Unit::kCelsius, -40, 85, false},
    {"inlet_temperature", Unit::kCelsius, -40, 85, false},
    {"outlet_temperature", Unit::kCelsius, -40, 85, false},
    {"humidity", Unit::kRelativeHumidity, 0, 100, false},
    // The BME280's measuring range.
    {"pressure", Unit::kHectopascal, 300, 1100, false},
    {"power", Unit::kWatt, 0, kInf, false},
    {"energy", Unit::kKilowattHour, 0, kInf, true},
    {"current", Unit::kAmpere, 0, kInf, false},
    {"voltage", Unit::kVolt, 0, kInf, false},
    {"fan_speed", Unit::kRpm, 0, kInf, false},
    {"setpoint", Unit::kCelsius, -40, 85, false},
    // The seed's `resource` record.
    {"cpu", Unit::kLoad, 0, kInf, false},
    {"memory", Unit::kKibibytes, 0, kInf, false},
    {"disk", Unit::kPercent, 0, 100, false},
    {"tx", Unit::kBytes, 0, kInf, true},
    {"rx", Unit::kBytes, 0, kInf, true},
    {"txDropped", Unit::kCount, 0, kInf, true},
    {"rxDropped", Unit::kCount, 0, kInf, true},
    {"txError", Unit::kCount, 0, kInf, true},
    {"rxError", Unit::kCount, 0, kInf, true},
    // The 14 SNMP items and their derived rates.
    {"cpu_user", Unit::kTicks, 0, kInf, true},
    {"cpu_system", Unit::kTicks, 0, kInf, true},
    {"cpu_idle", Unit::kTicks, 0, kInf, true},
    {"cpu_percent", Unit::kPercent, 0, 100, false},
    {"load1", Unit::kLoad, 0, kInf, false},
    {"load5", Unit::kLoad, 0, kInf, false},
    {"load15", Unit::kLoad, 0, kInf, false},
    {"memory_total", Unit::kKibibytes, 0, kInf, false},
    {"memory_available", Unit::kKibibytes, 0, kInf, false},
    {"memory_buffers", Unit::kKibibytes, 0, kInf, false},
    {"memory_cached", Unit::kKibibytes, 0, kInf, false},
    {"swap_available", Unit::kKibibytes, 0, kInf, false},
    {"disk_used_percent", Unit::kPercent, 0, 100, false},
    {"net_in_octets", Unit::kBytes, 0, kInf, true},
    {"net_out_octets", Unit::kBytes, 0, kInf, true},
    {"net_in_rate", Unit::kBytesPerSecond, 0, kInf, false},
    {"net_out_rate", Unit::kBytesPerSecond, 0, kInf, false},
    {"uptime", Unit::kSeconds, 0, kInf, false},
};

}  // namespace

std::string_view UnitSymbol(Unit unit) {
  for (const auto& [u, symbol] : kUnitSymbols) {
    if (u == unit) return symbol;
  }
  return "";
}

std::optional<Unit> UnitFromSymbol(std::string_view symbol) {
  for (const auto& [u, s] : kUnitSymbols) {
    if (s == symbol) return u;
  }
  return std::nullopt;
}

const MetricInfo* FindMetric(std::string_view metric) {
  // Asked several times for every reading decoded (unit, number type, range), mostly for
  // metrics that are not in the catalog: a hash lookup instead of a scan of every name.
  static const std::unordered_map<std::string_view, const MetricInfo*> by_name = [] {
    std::unordered_map<std::string_view, const MetricInfo*> map;
    for (const MetricInfo& info : kMetrics)
      map.emplace(info.name, &info);
    return map;
  }();
  const auto it = by_name.find(metric);
  return it == by_name.end() ? nullptr : it->second;
}

}  // namespace coolflow::reading
