// Internals shared by scenario.cc and scenario_yaml.cc: the broken rule as data (so the
// YAML loader can place it at the line and column that set the field). Not part of the room
// library's contract; use scenario.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "room/scenario.h"

namespace coolflow::room {

// One broken rule: the field as a YAML path ("racks[3].recirculation", "weather.heat_waves[0]
// .ramp", "start" for Scenario::start_time) and why ("1.2 is outside 0..0.9").
struct ScenarioIssue {
  std::string field;
  std::string why;
};

// The first rule `scenario` breaks, checking in the order of docs/scenarios.md; nullopt when
// it keeps them all. ValidateScenario is "<field>: <why>" of this.
std::optional<ScenarioIssue> FindScenarioIssue(const Scenario& scenario);

}  // namespace coolflow::room
