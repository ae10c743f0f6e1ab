// What makes a reading acceptable: syntax of ids and names, finite values inside the
// metric's physical range, a unit that matches the metric, a plausible time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "reading/reading.h"

namespace coolflow::reading {

// 2000-01-01T00:00:00Z: a box whose clock reads earlier has not set it (a Raspberry Pi has
// no battery-backed clock and boots in 1970 until NTP answers).
inline constexpr TimeNs kDefaultMinTime = 946'684'800LL * kNanosPerSecond;

struct ValidationOptions {
  TimeNs max_future = 5 * kNanosPerMinute;  // how far ahead of "now" a reading may be
  TimeNs min_time = kDefaultMinTime;
  bool check_ranges = true;  // physical ranges of well-known metrics
};

// Why a reading was refused: the part at fault ("temperature", "box", "time") and why.
struct Violation {
  std::string item;
  std::string message;
};

// Checks `reading` against the rules above with `now` as the current time.
std::optional<Violation> Validate(const Reading& reading, TimeNs now,
                                  const ValidationOptions& options);

// A box id: 1-64 bytes of [A-Za-z0-9_.-], starting with a letter or digit.
Status ValidateBoxId(std::string_view id);
// A measurement, metric, tag key or tag value: 1-255 bytes of UTF-8 with no control
// character and no backslash (which InfluxDB line protocol cannot carry exactly).
Status ValidateName(std::string_view name);

// When the unit is kNone and the metric is well known, sets the catalog's unit.
void FillCatalogUnit(Reading& reading);

}  // namespace coolflow::reading
