// What the cooling controller controls and how: the room layout (racks by rack tag and
// box, ACs by name with the agent box and device that carry their commands), the inlet
// target, the setpoint range, timing and the policy. Read from the hub config's `control:`
// section (docs/controller.md has the schema and defaults) or built from a room scenario.
#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/yaml_reader.h"
#include "room/scenario.h"

namespace coolflow::hub::control {

// A rack whose inlet the controller keeps cool: readings `temp/temperature` (and optionally
// `power/power`) tagged rack=<id>.
struct RackSpec {
  std::string id;   // the rack tag value ("r01")
  std::string box;  // the agent box that measures it; "" accepts any box
  // Its place on the Control Room's map, metres from the room's corner; NaN: not given.
  double x = std::numeric_limits<double>::quiet_NaN();
  double y = std::numeric_limits<double>::quiet_NaN();
};

// An air conditioner: its commands go to agent `box`, device `device`; its electric power,
// when metered, arrives as `power/power` tagged ac=<name>.
struct AcSpec {
  std::string name;    // "ac1": what readings (tag ac) and conditions call it
  std::string box;     // the agent box that carries its commands ("" = unknown yet)
  std::string device;  // the device name on that agent; defaults to `name`
  double fan_w = 200;  // indoor fan power: a metered unit drawing about this is not cooling
  double rated_capacity_w = 0;  // cooling capacity, for the Control Room; 0: not given
  double x = std::numeric_limits<double>::quiet_NaN();  // on the map, as RackSpec's
  double y = std::numeric_limits<double>::quiet_NaN();
};

struct ControllerConfig {
  std::vector<RackSpec> racks;
  std::vector<AcSpec> acs;
  // "optimal" (default), "hysteresis" / "hysteresis:LOW:HIGH", "fixed:T", "manual".
  std::string policy = "optimal";

  // Inlet temperatures: the target every rack's inlet is kept under (ASHRAE's recommended
  // 27 C minus a margin) and the level at which the safety layer takes over.
  double inlet_target_c = 26;
  double inlet_limit_c = 27;
  // The setpoints the units accept and the one the safety layer falls back to.
  double min_setpoint_c = 18;
  double max_setpoint_c = 30;
  double safe_setpoint_c = 22;
  // Setpoints are sent in steps of this (remotes' keys name whole degrees: SET_24); 0 sends
  // any value.
  double setpoint_resolution_c = 1;
  // Used by the manual and hysteresis policies until told otherwise.
  double initial_setpoint_c = 24;

  TimeNs interval = 60 * kNanosPerSecond;      // between two Ticks that decide
  double max_step_c = 1;                       // largest setpoint change of one policy move
  TimeNs min_dwell = 60 * kNanosPerSecond;     // least time between IR commands to one AC
  TimeNs resend_every = 10 * kNanosPerMinute;  // the full state is resent this often
  TimeNs stale_after = 60 * kNanosPerSecond;   // a rack with no reading for this long is blind
  TimeNs stuck_after = 60 * kNanosPerSecond;   // identical values at least this long: stuck
  double plausible_min_c = 0;                  // inlet readings outside are implausible
  double plausible_max_c = 60;
  TimeNs obey_timeout = 60 * kNanosPerSecond;  // no physical effect for this long: not obeying
  TimeNs quarantine = 30 * kNanosPerMinute;    // a unit found not obeying is retried after this
  size_t decision_log_size = 2000;             // decisions kept in memory
};

// Cross-field rules (non-empty, unique names, ranges, safe setpoint inside the range). The
// message names the field: "acs[1].name: duplicate name \"ac1\"".
Status ValidateControllerConfig(const ControllerConfig& config);

// The `control:` schema, for a hub config that embeds it. Unknown keys are errors.
const yaml::Table<ControllerConfig>& ControllerConfigTable();

// Reads `item` (a mapping) into a config, applies defaults and checks the rules; errors
// read "<file>:<line>:<column>: <field path>: <why>".
Result<ControllerConfig> ParseControllerConfig(yaml::Reader& reader, const yaml::Item& item);
// Parses a whole YAML document holding only the control section's keys.
Result<ControllerConfig> ParseControllerConfigText(std::string_view yaml, std::string_view source);

// The controller of a simulated room: every rack and AC of `scenario`, commands to agent
// box `agent_box` (device = the AC id), fan power from the scenario.
ControllerConfig ControllerConfigFromScenario(const room::Scenario& scenario,
                                              std::string_view agent_box = "");

}  // namespace coolflow::hub::control
