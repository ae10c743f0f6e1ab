// Units of measure and the catalog of well-known metrics. A unit is always explicit: a
// format that carries none takes the unit its schema defines (docs/formats.md), never a
// guess from the value.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace coolflow::reading {

enum class Unit : uint8_t {
  kNone,              // dimensionless or unknown to coolflow
  kCelsius,           // "Cel"
  kPercent,           // "%": a share of a whole (CPU, disk used)
  kRelativeHumidity,  // "%RH"
  kWatt,              // "W"
  kKilowattHour,      // "kWh"
  kAmpere,            // "A"
  kVolt,              // "V"
  kRpm,               // "rpm"
  kBytes,             // "By"
  kBytesPerSecond,    // "By/s"
  kKibibytes,         // "KiBy": what /proc/meminfo and the seed's `memory` call kB
  kCount,             // "1": a count of events (packets dropped, errors)
  kLoad,              // "load": run-queue length (load average)
  kTicks,             // "ticks": CPU time counters in USER_HZ
  kSeconds,           // "s"
  kHertz,             // "Hz"
  kHectopascal,       // "hPa": air pressure
};

// The wire symbol of a unit ("Cel", "%RH"); "" for kNone.
std::string_view UnitSymbol(Unit unit);
// Inverse of UnitSymbol; nullopt when the symbol is unknown.
std::optional<Unit> UnitFromSymbol(std::string_view symbol);

// What coolflow knows about a metric name: its unit and its physically possible range.
struct MetricInfo {
  std::string_view name;
  Unit unit;
  double min;    // inclusive
  double max;    // inclusive
  bool counter;  // monotonically increasing (may wrap or reset on reboot)
};

// The catalog entry for `metric`, or nullptr when the metric is not a well-known one.
const MetricInfo* FindMetric(std::string_view metric);

}  // namespace coolflow::reading
