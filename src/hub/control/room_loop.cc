#include "hub/control/room_loop.h"

#include <algorithm>
#include <limits>

#include "fmt/format.h"
#include "reading/units.h"
#include "room/room_model.h"
#include "room/sensors.h"
#include "room/simulation.h"

namespace coolflow::hub::control {
namespace {

constexpr double kJoulesPerKwh = 3.6e6;
constexpr std::string_view kAgentBox = "room";
// A detection counts until this long after the fault ends.
constexpr TimeNs kDetectionGrace = 30 * kNanosPerMinute;

reading::Reading MakeReading(std::string measurement, std::string metric, std::string tag_key,
                             std::string tag_value) {
  reading::Reading r;
  r.box = std::string(kAgentBox);
  r.measurement = std::move(measurement);
  if (const reading::MetricInfo* info = reading::FindMetric(metric)) r.unit = info->unit;
  r.metric = std::move(metric);
  r.tags = {{std::move(tag_key), std::move(tag_value)}};
  return r;
}

}  // namespace

std::vector<std::string_view> ConditionsDetecting(room::FaultKind kind) {
  switch (kind) {
    case room::FaultKind::kAcFailure:
    case room::FaultKind::kAcIgnoresIr:
      return {"ac_not_obeying"};
    case room::FaultKind::kAcDegraded:
      return {"ac_underperforming", "ac_not_obeying"};
    case room::FaultKind::kSensorStuck:
      return {"sensor_stuck"};
    case room::FaultKind::kSensorDead:
      return {"sensor_stale"};
    case room::FaultKind::kSensorDrift:
      return {"sensor_drift"};
    case room::FaultKind::kSensorNoisy:
      return {"sensor_noisy"};
    case room::FaultKind::kRackOverload:
    case room::FaultKind::kDoorOpen:
      return {};
  }
  return {};
}

Result<LoopSummary> RunClosedLoop(const room::Scenario& scenario, std::string_view policy,
                                  const LoopOptions& options) {
  room::Scenario run = scenario;
  if (options.duration) run.duration = *options.duration;
  auto created = room::RoomModel::Create(run);
  if (!created.ok()) return created.status();
  room::RoomModel& model = **created;
  room::SensorBank sensors(run);

  ControllerConfig config = ControllerConfigFromScenario(run, kAgentBox);
  config.policy = std::string(policy);
  if (options.inlet_target_c) config.inlet_target_c = *options.inlet_target_c;
  auto made = Controller::Create(config);
  if (!made.ok()) return made.status();
  Controller& controller = **made;

  LoopSummary summary;
  summary.scenario = run.name;
  summary.policy = controller.policy_name();
  // Which faults the controller should name, and when it did.
  struct Watch {
    const room::FaultConfig* fault;
    std::vector<std::string_view> kinds;
  };
  std::vector<Watch> watches;
  for (const room::FaultConfig& fault : run.faults) {
    if (fault.start >= run.duration) continue;
    std::vector<std::string_view> kinds = ConditionsDetecting(fault.kind);
    if (kinds.empty()) continue;
    watches.push_back({&fault, kinds});
    FaultDetection detection;
    detection.fault = fmt::format("{} {}", room::FaultKindName(fault.kind), fault.target);
    detection.onset = fault.start;
    summary.detections.push_back(std::move(detection));
  }
  controller.SetConditionListener([&](const Condition& c, bool active) {
    const TimeNs since_start = c.since - run.start_time;
    if (options.on_condition) options.on_condition(c, active);
    if (!active) return;
    for (size_t i = 0; i < watches.size(); ++i) {
      const room::FaultConfig& f = *watches[i].fault;
      if (summary.detections[i].delay || c.subject != f.target || since_start < f.start) continue;
      const TimeNs end = f.duration == 0 ? run.duration : f.start + f.duration;
      if (since_start > end + kDetectionGrace) continue;
      if (std::find(watches[i].kinds.begin(), watches[i].kinds.end(), c.kind) ==
          watches[i].kinds.end()) {
        continue;
      }
      summary.detections[i].delay = since_start - f.start;
      summary.detections[i].condition = c.kind;
    }
  });

  // The agent's readings, built once and refilled.
  std::vector<reading::Reading> inlet, humidity, rack_power;
  for (const room::RackConfig& rack : run.racks) {
    inlet.push_back(MakeReading("temp", "temperature", "rack", rack.id));
    humidity.push_back(MakeReading("temp", "humidity", "rack", rack.id));
    rack_power.push_back(MakeReading("power", "power", "rack", rack.id));
  }
  std::vector<reading::Reading> ac_power;
  for (const room::AcConfig& ac : run.acs)
    ac_power.push_back(MakeReading("power", "power", "ac", ac.id));
  uint64_t seq = 0;
  // One sample time's readings, handed to the other consumers first, as the hub does.
  std::vector<reading::Reading> batch;
  auto feed = [&](reading::Reading& r, TimeNs now, double value) {
    r.time = now;
    r.value = value;
    r.seq = ++seq;
    batch.push_back(r);
  };

  std::vector<bool> onset_seen(watches.size(), false);
  summary.max_inlet_c = -std::numeric_limits<double>::infinity();
  const double step_minutes = static_cast<double>(run.step) / static_cast<double>(kNanosPerMinute);
  const TimeNs sample_every = std::max(run.sensors.interval, run.step);
  TimeNs next_sample = run.start_time;
  while (model.now() < model.end()) {
    const TimeNs now = model.now();
    if (now >= next_sample) {
      batch.clear();
      for (size_t r = 0; r < run.racks.size(); ++r) {
        const room::InletSample sample = sensors.ReadInlet(r, model);
        if (sample.temperature_c && sample.humidity_rh) {
          feed(inlet[r], now, *sample.temperature_c);
          feed(humidity[r], now, *sample.humidity_rh);
        }
        if (options.rack_power_meters) feed(rack_power[r], now, sensors.ReadRackPower(r, model));
      }
      if (options.ac_power_meters) {
        for (size_t a = 0; a < run.acs.size(); ++a)
          feed(ac_power[a], now, sensors.ReadAcPower(a, model));
      }
      if (options.on_readings) options.on_readings(batch, now);
      for (const reading::Reading& r : batch)
        controller.OnReading(r);
      // Whether a faulty AC was running when its fault began (an idle unit cannot show it).
      for (size_t i = 0; i < watches.size(); ++i) {
        const room::FaultConfig& f = *watches[i].fault;
        if (onset_seen[i] || now - run.start_time < f.start) continue;
        onset_seen[i] = true;
        for (size_t a = 0; a < run.acs.size(); ++a) {
          if (run.acs[a].id == f.target && !controller.commanded()[a].power_on) {
            summary.detections[i].unit_off_at_onset = true;
          }
        }
      }
      for (const AcCommandOut& command : controller.Tick(now)) {
        for (size_t a = 0; a < run.acs.size(); ++a) {
          if (run.acs[a].id != command.device) continue;
          const uint64_t lost_before = model.state().acs[a].commands_lost;
          model.SendIr(a, {command.state.power_on, command.state.setpoint_c});
          controller.OnCommandResult(command.id, CommandResult::kApplied, now);
          ++summary.ac_commands;
          if (model.state().acs[a].commands_lost == lost_before) continue;
          for (size_t i = 0; i < watches.size(); ++i) {
            const room::FaultConfig& f = *watches[i].fault;
            if (f.kind == room::FaultKind::kAcIgnoresIr && f.target == run.acs[a].id &&
                !summary.detections[i].first_effect) {
              summary.detections[i].first_effect = now - run.start_time;
            }
          }
        }
      }
      if (options.on_tick) options.on_tick(now);
      next_sample += sample_every;
    }
    model.Step();
    double hottest = -std::numeric_limits<double>::infinity();
    for (const room::RackState& rack : model.state().racks)
      hottest = std::max(hottest, rack.inlet_c);
    summary.max_inlet_c = std::max(summary.max_inlet_c, hottest);
    if (hottest > room::kAshraeRecommendedMaxC) summary.minutes_above_27 += step_minutes;
    if (hottest > room::kAshraeA1AllowableMaxC) summary.minutes_above_32 += step_minutes;
  }
  summary.hours = static_cast<double>(run.duration) / (3600.0 * kNanosPerSecond);
  summary.cooling_kwh = model.ledger().cooling_electric / kJoulesPerKwh;
  summary.it_kwh = model.ledger().it / kJoulesPerKwh;
  for (const room::AcState& ac : model.state().acs)
    summary.ac_commands_lost += ac.commands_lost;
  summary.counters = controller.counters();
  summary.conditions_at_end = controller.conditions();
  summary.decisions = controller.decisions();
  return summary;
}

}  // namespace coolflow::hub::control
