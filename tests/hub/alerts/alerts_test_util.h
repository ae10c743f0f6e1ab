// Readings and live state for the alert tests, at fixed times.
#pragma once

#include <string>
#include <vector>

#include "hub/live/live_state.h"
#include "reading/reading.h"

namespace coolflow::hub::alerts::testing {

inline constexpr TimeNs kT0 = 1'764'000'000'000'000'000;  // 2025-11-24T16:00:00Z
inline constexpr TimeNs kSecond = kNanosPerSecond;
inline constexpr TimeNs kMinute = kNanosPerMinute;

inline reading::Reading Make(std::string box, std::string measurement, std::string metric,
                             reading::TagSet tags, TimeNs time, double value) {
  reading::Reading r;
  r.box = std::move(box);
  r.measurement = std::move(measurement);
  r.metric = std::move(metric);
  r.tags = std::move(tags);
  r.time = time;
  r.value = value;
  return r;
}

inline reading::Reading Temp(std::string box, std::string rack, TimeNs time, double value) {
  return Make(std::move(box), "temp", "temperature", {{"rack", std::move(rack)}}, time, value);
}

inline live::LiveOptions Immediate() {
  live::LiveOptions o;
  o.publish_interval = 0;
  return o;
}

// Applies one reading per series at `time` (and publishes at `time`).
inline void Feed(live::LiveState& state, std::vector<reading::Reading> batch, TimeNs time) {
  for (reading::Reading& r : batch)
    r.time = time;
  state.Apply(batch, time);
  state.Publish(time);
}

}  // namespace coolflow::hub::alerts::testing
