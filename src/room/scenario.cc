// The rules a scenario must keep (ValidateScenario) and the duration syntax of scenario
// files. Ranges are physical plausibility, wide enough for any small room: a value outside
// them is a typo or a unit mistake, not a daring experiment. docs/scenarios.md lists them.
#include "room/scenario.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>

#include "common/time.h"
#include "fmt/format.h"
#include "reading/validate.h"
#include "room/scenario_rules.h"

namespace coolflow::room {
namespace {

constexpr TimeNs kMaxStep = 10 * kNanosPerMinute;

// Heat capacity of air per volume, J/(m3 K) (1.2 kg/m3 x 1005 J/(kg K)). The coupled thermal
// mass cannot be smaller than the room's air alone.
constexpr double kAirHeatCapacityPerM3 = 1.2 * 1005;

constexpr int kMaxServersPerRack = 100;

// Collects the first broken rule; later checks only run their comparisons.
class Checker {
 public:
  bool failed() const { return issue_.has_value(); }
  std::optional<ScenarioIssue> issue() && { return std::move(issue_); }

  void Fail(std::string field, std::string why) {
    if (!issue_) issue_ = ScenarioIssue{std::move(field), std::move(why)};
  }

  // lo <= value <= hi; NaN fails every comparison and so every check.
  void Range(const std::string& field, double value, double lo, double hi) {
    if (!(value >= lo && value <= hi))
      Fail(field, fmt::format("{} is outside {}..{}", value, lo, hi));
  }
  void Positive(const std::string& field, double value) {
    if (!(value > 0 && std::isfinite(value))) Fail(field, fmt::format("{} is not positive", value));
  }
  void NonNegative(const std::string& field, double value) {
    if (!(value >= 0 && std::isfinite(value))) Fail(field, fmt::format("{} is negative", value));
  }
  void Finite(const std::string& field, double value) {
    if (!std::isfinite(value)) Fail(field, fmt::format("{} is not a finite number", value));
  }
  void PositiveDuration(const std::string& field, TimeNs value) {
    if (value <= 0) Fail(field, fmt::format("{} is not positive", FormatDuration(value)));
  }
  void NonNegativeDuration(const std::string& field, TimeNs value) {
    if (value < 0) Fail(field, fmt::format("{} is negative", FormatDuration(value)));
  }
  void DurationRange(const std::string& field, TimeNs value, TimeNs lo, TimeNs hi) {
    if (value < lo || value > hi) {
      Fail(field, fmt::format("{} is outside {}..{}", FormatDuration(value), FormatDuration(lo),
                              FormatDuration(hi)));
    }
  }

 private:
  std::optional<ScenarioIssue> issue_;
};

std::string Indexed(std::string_view list, size_t i) {
  return fmt::format("{}[{}]", list, i);
}

void CheckRoom(const RoomConfig& room, Checker& check) {
  check.Positive("room.volume_m3", room.volume_m3);
  check.Positive("room.thermal_mass_j_per_k", room.thermal_mass_j_per_k);
  const double air = room.volume_m3 * kAirHeatCapacityPerM3;
  if (!check.failed() && room.thermal_mass_j_per_k < air) {
    check.Fail("room.thermal_mass_j_per_k",
               fmt::format("{} is less than the heat capacity of the room's air alone ({} J/K "
                           "for {} m3)",
                           room.thermal_mass_j_per_k, air, room.volume_m3));
  }
  check.NonNegative("room.wall_ua_w_per_k", room.wall_ua_w_per_k);
  check.Range("room.infiltration_ach", room.infiltration_ach, 0, 50);
  check.Range("room.initial_temperature_c", room.initial_temperature_c, -40, 60);
  check.Range("room.initial_humidity_rh", room.initial_humidity_rh, 0, 100);
}

void CheckRack(const RackConfig& rack, const std::string& at, Checker& check) {
  check.Finite(at + ".x", rack.x);
  check.Finite(at + ".y", rack.y);
  if (!rack.zone.empty()) {
    if (Status s = reading::ValidateName(rack.zone); !s.ok()) check.Fail(at + ".zone", s.message());
  }
  if (rack.servers < 0 || rack.servers > kMaxServersPerRack) {
    check.Fail(at + ".servers",
               fmt::format("{} is outside 0..{}", rack.servers, kMaxServersPerRack));
  }
  check.Range(at + ".max_w", rack.max_w, 0, 10000);
  check.Range(at + ".idle_w", rack.idle_w, 0, 10000);
  if (!check.failed() && rack.idle_w > rack.max_w) {
    check.Fail(at + ".idle_w", fmt::format("{} exceeds max_w {}", rack.idle_w, rack.max_w));
  }
  check.Range(at + ".recirculation", rack.recirculation, 0, 0.9);
  check.Range(at + ".load_offset", rack.load_offset, -1, 1);
  check.Range(at + ".airflow_m3_per_s_per_kw", rack.airflow_m3_per_s_per_kw, 0.01, 1);
}

void CheckAc(const AcConfig& ac, const std::string& at, Checker& check) {
  check.Positive(at + ".rated_capacity_w", ac.rated_capacity_w);
  check.Range(at + ".rated_outdoor_c", ac.rated_outdoor_c, -10, 60);
  check.Range(at + ".capacity_loss_per_k", ac.capacity_loss_per_k, 0, 0.1);
  check.Positive(at + ".airflow_m3_per_s", ac.airflow_m3_per_s);
  check.NonNegative(at + ".fan_w", ac.fan_w);
  check.Range(at + ".hysteresis_k", ac.hysteresis_k, 0, 5);
  check.Range(at + ".min_cycle_s", ac.min_cycle_s, 0, 3600);
  check.Range(at + ".carnot_fraction", ac.carnot_fraction, 0.1, 0.8);
  check.Range(at + ".evaporator_approach_k", ac.evaporator_approach_k, 1, 40);
  check.Range(at + ".condenser_approach_k", ac.condenser_approach_k, 1, 40);
  check.Range(at + ".sensible_heat_ratio", ac.sensible_heat_ratio, 0.5, 1);
  check.Range(at + ".setpoint_c", ac.setpoint_c, 16, 32);
  check.Finite(at + ".x", ac.x);
  check.Finite(at + ".y", ac.y);
}

void CheckWeather(const WeatherConfig& weather, Checker& check) {
  check.Range("weather.mean_c", weather.mean_c, -50, 60);
  check.Range("weather.amplitude_k", weather.amplitude_k, 0, 30);
  check.Range("weather.peak_hour", weather.peak_hour, 0, 24);
  check.Range("weather.seasonal_amplitude_k", weather.seasonal_amplitude_k, 0, 30);
  check.Range("weather.warmest_day", weather.warmest_day, 0, 366);
  check.Range("weather.humidity_rh", weather.humidity_rh, 0, 100);
  for (size_t i = 0; i < weather.heat_waves.size(); ++i) {
    const HeatWave& wave = weather.heat_waves[i];
    const std::string at = Indexed("weather.heat_waves", i);
    check.NonNegativeDuration(at + ".start", wave.start);
    check.PositiveDuration(at + ".duration", wave.duration);
    check.NonNegativeDuration(at + ".ramp", wave.ramp);
    if (!check.failed() && wave.ramp > wave.duration / 2) {
      check.Fail(at + ".ramp", fmt::format("{} up and {} down do not fit in the duration {}",
                                           FormatDuration(wave.ramp), FormatDuration(wave.ramp),
                                           FormatDuration(wave.duration)));
    }
    check.Range(at + ".extra_k", wave.extra_k, 0, 20);
  }
}

void CheckLoad(const LoadConfig& load, Checker& check) {
  check.Range("load.base", load.base, 0, 1);
  check.Range("load.daily_amplitude", load.daily_amplitude, 0, 1);
  check.Range("load.peak_hour", load.peak_hour, 0, 24);
  check.Range("load.weekend_factor", load.weekend_factor, 0, 2);
  check.Range("load.bursts_per_day", load.bursts_per_day, 0, 1440);
  check.Range("load.burst_extra", load.burst_extra, 0, 1);
  check.DurationRange("load.burst_duration", load.burst_duration, 0, kNanosPerDay);
}

void CheckSensors(const SensorConfig& sensors, Checker& check) {
  check.PositiveDuration("sensors.interval", sensors.interval);
  check.DurationRange("sensors.interval", sensors.interval, 0, kNanosPerDay);
  check.Range("sensors.temperature_sigma_c", sensors.temperature_sigma_c, 0, 5);
  check.Range("sensors.humidity_sigma_rh", sensors.humidity_sigma_rh, 0, 20);
  check.Range("sensors.read_failure_rate", sensors.read_failure_rate, 0, 1);
}

enum class TargetKind { kNone, kRack, kAc };

TargetKind TargetOf(FaultKind kind) {
  switch (kind) {
    case FaultKind::kAcFailure:
    case FaultKind::kAcDegraded:
    case FaultKind::kAcIgnoresIr:
      return TargetKind::kAc;
    case FaultKind::kSensorStuck:
    case FaultKind::kSensorDead:
    case FaultKind::kSensorDrift:
    case FaultKind::kSensorNoisy:
    case FaultKind::kRackOverload:
      return TargetKind::kRack;
    case FaultKind::kDoorOpen:
      return TargetKind::kNone;
  }
  return TargetKind::kNone;
}

void CheckSeverity(const FaultConfig& fault, const std::string& at, Checker& check) {
  const std::string field = at + ".severity";
  switch (fault.kind) {
    case FaultKind::kAcFailure:
    case FaultKind::kSensorStuck:
    case FaultKind::kSensorDead:
      if (fault.severity != 1) {
        check.Fail(field, fmt::format("{} takes no severity (leave it at 1), got {}",
                                      FaultKindName(fault.kind), fault.severity));
      }
      return;
    case FaultKind::kAcDegraded:
    case FaultKind::kAcIgnoresIr:
    case FaultKind::kRackOverload:
      check.Range(field, fault.severity, 0, 1);
      return;
    case FaultKind::kSensorDrift:
      check.Range(field, fault.severity, -10, 10);
      return;
    case FaultKind::kSensorNoisy:
      check.Range(field, fault.severity, 0, 100);
      return;
    case FaultKind::kDoorOpen:
      check.Range(field, fault.severity, 0, 10);
      return;
  }
}

void CheckFault(const FaultConfig& fault, const std::string& at,
                const std::map<std::string, TargetKind, std::less<>>& ids, TimeNs run_duration,
                Checker& check) {
  const TargetKind wanted = TargetOf(fault.kind);
  const std::string_view name = FaultKindName(fault.kind);
  const std::string target_field = at + ".target";
  if (wanted == TargetKind::kNone) {
    if (!fault.target.empty()) {
      check.Fail(target_field, fmt::format("{} has no target, got \"{}\"", name, fault.target));
    }
  } else {
    const std::string_view what = wanted == TargetKind::kAc ? "an AC" : "a rack";
    const auto found = ids.find(fault.target);
    if (fault.target.empty()) {
      check.Fail(target_field, fmt::format("{} needs {} id", name, what));
    } else if (found == ids.end()) {
      check.Fail(target_field, fmt::format("no rack or AC has the id \"{}\"", fault.target));
    } else if (found->second != wanted) {
      check.Fail(target_field,
                 fmt::format("\"{}\" is {}, but {} needs {}", fault.target,
                             found->second == TargetKind::kAc ? "an AC" : "a rack", name, what));
    }
  }
  if (fault.start < 0 || fault.start >= run_duration) {
    check.Fail(at + ".start",
               fmt::format("{} is not within the scenario's duration {}",
                           FormatDuration(fault.start), FormatDuration(run_duration)));
  }
  check.NonNegativeDuration(at + ".duration", fault.duration);
  CheckSeverity(fault, at, check);
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kAcFailure:
      return "ac_failure";
    case FaultKind::kAcDegraded:
      return "ac_degraded";
    case FaultKind::kAcIgnoresIr:
      return "ac_ignores_ir";
    case FaultKind::kSensorStuck:
      return "sensor_stuck";
    case FaultKind::kSensorDead:
      return "sensor_dead";
    case FaultKind::kSensorDrift:
      return "sensor_drift";
    case FaultKind::kSensorNoisy:
      return "sensor_noisy";
    case FaultKind::kRackOverload:
      return "rack_overload";
    case FaultKind::kDoorOpen:
      return "door_open";
  }
  return "unknown";
}

std::optional<ScenarioIssue> FindScenarioIssue(const Scenario& scenario) {
  Checker check;
  check.PositiveDuration("step", scenario.step);
  check.DurationRange("step", scenario.step, 0, kMaxStep);
  check.PositiveDuration("duration", scenario.duration);
  if (!check.failed() &&
      scenario.start_time > std::numeric_limits<TimeNs>::max() - scenario.duration) {
    check.Fail("duration", fmt::format("{} from the start overflows the time range",
                                       FormatDuration(scenario.duration)));
  }
  CheckRoom(scenario.room, check);

  // Rack and AC ids share one namespace: faults name either, and both are box ids.
  std::map<std::string, TargetKind, std::less<>> ids;
  std::map<std::string, std::string, std::less<>> field_of_id;
  auto check_id = [&](const std::string& id, const std::string& field, TargetKind kind) {
    if (Status s = reading::ValidateBoxId(id); !s.ok()) {
      check.Fail(field, s.message());
      return;
    }
    if (auto [it, inserted] = field_of_id.emplace(id, field); !inserted) {
      check.Fail(field, fmt::format("duplicate id \"{}\" (also {})", id, it->second));
      return;
    }
    ids.emplace(id, kind);
  };

  if (scenario.racks.empty()) check.Fail("racks", "at least one rack is needed");
  for (size_t i = 0; i < scenario.racks.size(); ++i) {
    const std::string at = Indexed("racks", i);
    check_id(scenario.racks[i].id, at + ".id", TargetKind::kRack);
    CheckRack(scenario.racks[i], at, check);
  }
  if (scenario.acs.empty()) check.Fail("acs", "at least one AC is needed");
  for (size_t i = 0; i < scenario.acs.size(); ++i) {
    const std::string at = Indexed("acs", i);
    check_id(scenario.acs[i].id, at + ".id", TargetKind::kAc);
    CheckAc(scenario.acs[i], at, check);
  }
  CheckWeather(scenario.weather, check);
  CheckLoad(scenario.load, check);
  CheckSensors(scenario.sensors, check);
  for (size_t i = 0; i < scenario.faults.size(); ++i) {
    CheckFault(scenario.faults[i], Indexed("faults", i), ids, scenario.duration, check);
  }
  return std::move(check).issue();
}

Status ValidateScenario(const Scenario& scenario) {
  std::optional<ScenarioIssue> issue = FindScenarioIssue(scenario);
  if (!issue) return Status::Ok();
  return InvalidArgument(issue->field + ": " + issue->why);
}

}  // namespace coolflow::room
