// The controller driving the room simulator in-process, through the same path as
// production: the simulator's sensor models produce the readings the edge agent would
// publish (src/agent/room/simulated_room.cc: temp/temperature and temp/humidity, power/power
// per rack and per AC, all tagged rack= or ac=, with their noise, failed reads and faults),
// every one goes through Controller::OnReading, the controller is ticked at every sensor
// interval, and its commands reach RoomModel::SendIr as the agent's `room` actuator sends
// them (the unit may drop them: ac_ignores_ir), each answered "applied". Used by the energy
// benchmark (bench/energy) and the closed-loop tests.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "hub/control/controller.h"
#include "room/scenario.h"

namespace coolflow::hub::control {

// When the controller first reported a condition that matches a scenario fault.
struct FaultDetection {
  std::string fault;               // "ac_failure ac2"
  TimeNs onset = 0;                // from the scenario start
  std::optional<TimeNs> delay;     // onset to detection; nullopt when never detected
  std::string condition;           // the condition kind that detected it
  bool unit_off_at_onset = false;  // an AC fault on a unit the controller had switched off
  // When the fault first had an effect the controller could see, from the scenario start:
  // for ac_ignores_ir the first command the unit dropped (before that the fault changes
  // nothing). nullopt for the other kinds, whose effect starts at the onset.
  std::optional<TimeNs> first_effect;
};

struct LoopSummary {
  std::string scenario;
  std::string policy;
  double hours = 0;
  double cooling_kwh = 0;
  double it_kwh = 0;
  double max_inlet_c = 0;         // true inlet temperatures, not readings
  double minutes_above_27 = 0;    // any rack inlet above ASHRAE's recommended 27 C
  double minutes_above_32 = 0;    // above class A1's allowable 32 C
  uint64_t ac_commands = 0;       // commands the controller sent
  uint64_t ac_commands_lost = 0;  // of which the units dropped (infrared)
  std::vector<FaultDetection> detections;
  ControllerCounters counters;
  std::vector<Condition> conditions_at_end;
  std::deque<DecisionRecord> decisions;  // the controller's decision log at the end
};

struct LoopOptions {
  std::optional<TimeNs> duration;  // overrides the scenario's
  // Overrides applied to the config built from the scenario (e.g. inlet target).
  std::optional<double> inlet_target_c;
  bool ac_power_meters = true;  // publish the units' power readings
  bool rack_power_meters = true;
  // Called with every condition change (the alert engine's hook); Condition::since is the
  // absolute simulated time.
  std::function<void(const Condition&, bool active)> on_condition;
  // The hub's other consumers of the same readings, in the hub's order (hub_runtime.cc:
  // Accept, then TickOnce): `on_readings` gets each sample time's readings before the
  // controller sees them, `on_tick` is called after every controller Tick (the live state's
  // Publish and the alert engine's Evaluate go there). Times are absolute simulated times.
  std::function<void(std::span<const reading::Reading>, TimeNs now)> on_readings;
  std::function<void(TimeNs now)> on_tick;
};

// Runs `scenario` under policy `policy` ("optimal", "fixed:18", ...).
Result<LoopSummary> RunClosedLoop(const room::Scenario& scenario, std::string_view policy,
                                  const LoopOptions& options = {});

// The condition kinds that count as detecting a fault of `kind` ("" when none is expected
// to: a door or an overload is weather, not a fault the controller names).
std::vector<std::string_view> ConditionsDetecting(room::FaultKind kind);

}  // namespace coolflow::hub::control
