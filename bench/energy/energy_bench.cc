// Energy benchmark: the hub's real cooling controller (src/hub/control) drives the room
// simulator in-process through Controller::OnReading/Tick (hub/control/room_loop.h), under
// fixed:18, hysteresis (the seed's rule, 23:25) and optimal, for every shipped scenario and
// a few generated ones it was never tuned on. Prints a markdown table per scenario and
// PASS/FAIL per target; exits 0 unless it cannot run.
//
// Beside the controller, each run feeds the hub's live state and its alert engine with the
// shipped rules exactly as the hub does (hub_runtime.cc: readings to the live state, then to
// the controller; the controller's conditions to the engine; Publish and Evaluate after each
// Tick), and reports per fault the time from onset to the first firing alert that names the
// faulty rack or AC, whichever rule fired, and every fault alert that names no faulty subject
// (a false alarm).
//
//   energy_bench [--scenarios DIR] [--max-days D] [--only NAME] [--no-generated] [--seed N]...
//
// --seed N adds a room drawn at random from N (RandomScenario), repeatable.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "hub/alerts/alert_engine.h"
#include "hub/control/room_loop.h"
#include "hub/live/live_state.h"
#include "room/rng.h"
#include "room/scenario.h"

namespace coolflow::bench {
namespace {

using hub::control::LoopSummary;

constexpr const char* kPolicies[] = {"fixed:18", "hysteresis", "optimal"};
constexpr double kSaveVsFixed = 30;       // % cooling energy saved vs fixed:18
constexpr double kSaveVsHysteresis = 10;  // % vs hysteresis
constexpr TimeNs kDetectWithin = 90 * kNanosPerSecond;

// A fault alert naming a subject counts as explained by a fault on it until this long after
// the fault ends (the same grace the controller's detections get in room_loop.cc).
constexpr TimeNs kExplainedGrace = 30 * kNanosPerMinute;
// Rules about the room's temperature or a host's memory, not about a broken part: they fire
// on a hot room whatever its cause, so they are reported apart from the fault alerts.
constexpr std::string_view kRoomRules[] = {"temperature_high", "memory_low", "ashrae_recommended",
                                           "ashrae_allowable", "temperature_rising"};

struct Options {
  std::string scenarios = "scenarios";
  std::optional<double> max_days;
  std::string only;
  bool generated = true;
  std::vector<uint64_t> extra_seeds;  // more generated rooms (--seed N)
};

// When the alert engine first named a fault's subject.
struct AlertDetection {
  std::string fault;  // "sensor_noisy r07"
  std::string subject;
  TimeNs onset = 0, end = 0;  // from the scenario start
  std::optional<TimeNs> delay;
  std::string rule;  // "series_stale", "external_condition/sensor_noisy"
};

struct AlertReport {
  std::vector<AlertDetection> detections;
  std::map<std::string, uint64_t> false_alarms;  // fault rule -> alerts naming no faulty part
  std::map<std::string, uint64_t> room_alerts;   // room rule -> alerts fired
};

struct PolicyRun {
  LoopSummary loop;
  AlertReport alerts;
};

bool IsRoomRule(std::string_view rule) {
  return std::find(std::begin(kRoomRules), std::end(kRoomRules), rule) != std::end(kRoomRules);
}

// The hub's live state and alert engine beside the controller of one closed-loop run.
class AlertWatch {
 public:
  static Result<std::unique_ptr<AlertWatch>> Create(const room::Scenario& scenario,
                                                    TimeNs duration) {
    std::unique_ptr<AlertWatch> watch(new AlertWatch(scenario));
    // The shipped rules; notifications go to the Control Room's in-memory feed only.
    auto engine = hub::alerts::AlertEngine::Create(hub::alerts::AlertsConfig{}, watch->live_);
    if (!engine.ok()) return engine.status();
    watch->engine_ = std::move(*engine);
    for (const room::FaultConfig& f : scenario.faults) {
      if (f.start >= duration || f.target.empty()) continue;
      const TimeNs end = f.duration == 0 ? duration : std::min(duration, f.start + f.duration);
      watch->report_.detections.push_back(
          {fmt::format("{} {}", room::FaultKindName(f.kind), f.target), f.target, f.start, end,
           std::nullopt, ""});
    }
    return watch;
  }

  // Wires the watch into a closed-loop run.
  void Attach(hub::control::LoopOptions& loop) {
    loop.on_readings = [this](std::span<const reading::Reading> batch, TimeNs now) {
      live_.Apply(batch, now);
    };
    loop.on_condition = [this](const hub::control::Condition& c, bool active) {
      // As hub_runtime.cc labels them: sensor conditions name a rack, the others an AC.
      const std::string key = c.kind.starts_with("sensor") ? "rack" : "ac";
      engine_->SetCondition(c.kind, {{key, c.subject}}, active, c.message, c.since);
    };
    loop.on_tick = [this](TimeNs now) {
      // The hub publishes at every tick; Apply has already published at this time when
      // readings came (publish_interval has passed), and publishing twice is the same snapshot.
      if (live_.snapshot()->time() != now) live_.Publish(now);
      if (last_evaluation_ && now - *last_evaluation_ < engine_->config().evaluation_interval) {
        return;
      }
      last_evaluation_ = now;
      for (const hub::alerts::Alert& a : engine_->Evaluate(now)) {
        if (a.state == hub::alerts::AlertState::kFiring) OnFiring(a, now);
      }
    };
  }

  const AlertReport& report() const { return report_; }

 private:
  explicit AlertWatch(const room::Scenario& scenario)
      : start_(scenario.start_time), live_(hub::live::LiveOptions{}) {}

  void OnFiring(const hub::alerts::Alert& a, TimeNs now) {
    if (IsRoomRule(a.rule)) {
      ++report_.room_alerts[a.rule];
      return;
    }
    const TimeNs t = now - start_;
    const std::string_view rack = hub::alerts::LabelValue(a.labels, "rack");
    const std::string_view ac = hub::alerts::LabelValue(a.labels, "ac");
    const std::string_view condition = hub::alerts::LabelValue(a.labels, "condition");
    bool explained = false;
    for (AlertDetection& d : report_.detections) {
      if ((d.subject != rack && d.subject != ac) || t < d.onset || t > d.end + kExplainedGrace) {
        continue;
      }
      explained = true;
      if (d.delay) continue;
      d.delay = t - d.onset;
      d.rule = condition.empty() ? a.rule : fmt::format("{}/{}", a.rule, condition);
    }
    if (!explained) {
      ++report_.false_alarms[condition.empty() ? a.rule : fmt::format("{}/{}", a.rule, condition)];
    }
  }

  const TimeNs start_;
  hub::live::LiveState live_;
  std::unique_ptr<hub::alerts::AlertEngine> engine_;
  std::optional<TimeNs> last_evaluation_;
  AlertReport report_;
};

// Rooms, loads and weather unlike the shipped scenarios' reference room.
std::vector<room::Scenario> GeneratedScenarios() {
  std::vector<room::Scenario> out;
  {
    room::Scenario s;  // a small, cool-climate room: 5 racks, two small units
    s.name = "gen-small-cool";
    s.seed = 9001;
    s.duration = 3 * kNanosPerDay;
    s.room = {50, 1.5e6, 90, 0.4, 22, 50};
    for (int i = 0; i < 5; ++i) {
      room::RackConfig r;
      r.id = fmt::format("k{}", i + 1);
      r.servers = 6;
      r.idle_w = 90;
      r.max_w = 280;
      r.recirculation = i == 0 || i == 4 ? 0.15 : 0.06;
      r.load_offset = 0.05 * i - 0.1;
      s.racks.push_back(r);
    }
    for (int a = 0; a < 2; ++a) {
      room::AcConfig ac;
      ac.id = fmt::format("cool{}", a + 1);
      ac.rated_capacity_w = 8000;
      ac.airflow_m3_per_s = 0.55;
      ac.fan_w = 120;
      ac.setpoint_c = 23;
      s.acs.push_back(ac);
    }
    s.weather.mean_c = 12;
    s.weather.amplitude_k = 4;
    s.load.base = 0.5;
    s.load.daily_amplitude = 0.15;
    out.push_back(s);
  }
  {
    room::Scenario s;  // a hot-climate room, 12 racks, three units, one failing
    s.name = "gen-hot-12-racks";
    s.seed = 4242;
    s.duration = 3 * kNanosPerDay;
    s.room = {120, 4.5e6, 200, 0.25, 25, 40};
    for (int i = 0; i < 12; ++i) {
      room::RackConfig r;
      r.id = fmt::format("h{:02}", i + 1);
      r.servers = 8;
      r.idle_w = 120;
      r.max_w = 360;
      r.recirculation = i % 6 == 0 || i % 6 == 5 ? 0.1 : 0.04;
      s.racks.push_back(r);
    }
    for (int a = 0; a < 3; ++a) {
      room::AcConfig ac;
      ac.id = fmt::format("crac{}", a + 1);
      ac.rated_capacity_w = 18000;
      ac.airflow_m3_per_s = 1.2;
      ac.fan_w = 300;
      ac.setpoint_c = 24;
      ac.min_cycle_s = 240;
      s.acs.push_back(ac);
    }
    s.weather.mean_c = 31;
    s.weather.amplitude_k = 5;
    s.weather.humidity_rh = 35;
    s.load.base = 0.4;
    s.load.daily_amplitude = 0.25;
    s.load.bursts_per_day = 4;
    s.sensors.model = room::SensorModel::kDs18b20;
    s.faults.push_back(
        {room::FaultKind::kAcFailure, "crac3", 30 * kNanosPerHour, 3 * kNanosPerHour, 1});
    s.faults.push_back(
        {room::FaultKind::kSensorDead, "h05", 50 * kNanosPerHour, 4 * kNanosPerHour, 1});
    out.push_back(s);
  }
  {
    room::Scenario s;  // a mid-size room with wide-band thermostats and a night-heavy load
    s.name = "gen-batch-night";
    s.seed = 77;
    s.duration = 4 * kNanosPerDay;
    s.room = {90, 2.5e6, 140, 0.3, 24, 45};
    for (int i = 0; i < 6; ++i) {
      room::RackConfig r;
      r.id = fmt::format("b{}", i + 1);
      r.servers = 9;
      r.recirculation = i == 0 || i == 5 ? 0.1 : 0.05;
      s.racks.push_back(r);
    }
    for (int a = 0; a < 2; ++a) {
      room::AcConfig ac;
      ac.id = fmt::format("unit{}", a + 1);
      ac.rated_capacity_w = 15000;
      ac.airflow_m3_per_s = 1.0;
      ac.hysteresis_k = 2;
      ac.min_cycle_s = 300;
      s.acs.push_back(ac);
    }
    s.weather.mean_c = 26;
    s.weather.amplitude_k = 8;
    s.load.base = 0.45;
    s.load.daily_amplitude = 0.3;
    s.load.peak_hour = 2;
    s.sensors.model = room::SensorModel::kBme280;
    s.faults.push_back(
        {room::FaultKind::kSensorStuck, "b3", 40 * kNanosPerHour, 5 * kNanosPerHour, 1});
    out.push_back(s);
  }
  return out;
}

// A room drawn at random from `seed`: size, racks, units (capacity sized to the heat with a
// random margin), thermostat band, anti-short-cycle time, climate, load shape, sensor model
// and one fault of a random kind at a random time. Ranges are those of small server rooms,
// chosen before looking at any result; nothing here is fitted to the controller.
room::Scenario RandomScenario(uint64_t seed) {
  room::Rng rng = room::Rng::For(seed, 0xE7E1);
  auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * rng.Uniform(); };
  auto pick = [&](int lo, int hi) {  // inclusive
    return lo + static_cast<int>(rng.Uniform() * (hi - lo + 1) - 1e-9);
  };
  room::Scenario s;
  s.name = fmt::format("gen-seed-{}", seed);
  s.seed = seed;
  s.duration = 3 * kNanosPerDay;
  const int racks = pick(4, 14);
  const double volume = racks * uniform(8, 14);
  s.room = {volume,           volume * uniform(2.5e4, 4.5e4),
            uniform(80, 220), uniform(0.2, 0.5),
            uniform(22, 26),  uniform(40, 55)};
  const int servers = pick(5, 10);
  const double idle_w = uniform(80, 130);
  const double max_w = idle_w + uniform(150, 260);
  double peak_it_w = 0;
  for (int i = 0; i < racks; ++i) {
    room::RackConfig r;
    r.id = fmt::format("g{:02}", i + 1);
    r.servers = servers;
    r.idle_w = idle_w;
    r.max_w = max_w;
    const bool row_end = i == 0 || i == racks - 1;
    r.recirculation = row_end ? uniform(0.08, 0.15) : uniform(0.03, 0.07);
    r.load_offset = uniform(-0.1, 0.1);
    s.racks.push_back(r);
    peak_it_w += servers * max_w;
  }
  const int units = pick(2, 3);
  // N+1 sizing: the units but one carry the peak IT heat with a margin.
  const double capacity = peak_it_w * uniform(1.1, 1.6) / std::max(1, units - 1);
  for (int a = 0; a < units; ++a) {
    room::AcConfig ac;
    ac.id = fmt::format("u{}", a + 1);
    ac.rated_capacity_w = capacity;
    ac.airflow_m3_per_s = capacity / 15000;  // about 0.065 m3/s per kW, a typical split unit
    ac.fan_w = capacity / 70;
    ac.hysteresis_k = uniform(0.5, 2);
    ac.min_cycle_s = uniform(120, 360);
    ac.setpoint_c = pick(22, 25);
    s.acs.push_back(ac);
  }
  s.weather.mean_c = uniform(5, 32);
  s.weather.amplitude_k = uniform(2, 8);
  s.weather.humidity_rh = uniform(30, 75);
  s.load.base = uniform(0.25, 0.6);
  s.load.daily_amplitude = uniform(0.05, 0.3);
  s.load.peak_hour = uniform(0, 24);
  s.load.bursts_per_day = uniform(0, 4);
  const room::SensorModel models[] = {room::SensorModel::kDht22, room::SensorModel::kDs18b20,
                                      room::SensorModel::kBme280};
  s.sensors.model = models[pick(0, 2)];
  const room::FaultKind faults[] = {room::FaultKind::kSensorStuck, room::FaultKind::kSensorDead,
                                    room::FaultKind::kSensorNoisy, room::FaultKind::kSensorDrift,
                                    room::FaultKind::kAcFailure,   room::FaultKind::kAcDegraded};
  const room::FaultKind kind = faults[pick(0, 5)];
  const bool on_ac = kind == room::FaultKind::kAcFailure || kind == room::FaultKind::kAcDegraded;
  room::FaultConfig fault;
  fault.kind = kind;
  fault.target = on_ac ? s.acs[static_cast<size_t>(pick(0, units - 1))].id
                       : s.racks[static_cast<size_t>(pick(0, racks - 1))].id;
  fault.start = static_cast<TimeNs>(uniform(12, 48) * static_cast<double>(kNanosPerHour));
  fault.duration = static_cast<TimeNs>(uniform(2, 8) * static_cast<double>(kNanosPerHour));
  fault.severity = kind == room::FaultKind::kSensorNoisy   ? uniform(2, 4)
                   : kind == room::FaultKind::kSensorDrift ? uniform(0.3, 1)
                   : kind == room::FaultKind::kAcDegraded  ? uniform(0.3, 0.6)
                                                           : 1;
  s.faults.push_back(fault);
  return s;
}

std::string Percent(double saved) {
  return fmt::format("{:+.1f} %", saved);
}

std::string Detections(const LoopSummary& s) {
  if (s.detections.empty()) return "no faults";
  std::string out;
  for (const auto& d : s.detections) {
    if (!out.empty()) out += "; ";
    out += d.delay ? fmt::format("{}: {:.0f} s ({})", d.fault,
                                 static_cast<double>(*d.delay) / kNanosPerSecond, d.condition)
                   : fmt::format("{}: not detected{}", d.fault,
                                 d.unit_off_at_onset ? " (unit staged off at onset)" : "");
  }
  return out;
}

std::string Seconds(TimeNs t) {
  return fmt::format("{:.0f} s", static_cast<double>(t) / kNanosPerSecond);
}

std::string AlertDetections(const PolicyRun& run) {
  if (run.alerts.detections.empty()) return "no faults";
  std::string out;
  for (const AlertDetection& d : run.alerts.detections) {
    if (!out.empty()) out += "; ";
    out += d.delay ? fmt::format("{}: {} ({})", d.fault, Seconds(*d.delay), d.rule)
                   : fmt::format("{}: no alert", d.fault);
    for (const auto& c : run.loop.detections) {
      if (c.fault == d.fault && c.first_effect && d.delay) {
        out += fmt::format(" [{} after the first dropped command]",
                           Seconds(d.onset + *d.delay - *c.first_effect));
      }
    }
  }
  return out;
}

std::string CountList(const std::map<std::string, uint64_t>& counts) {
  if (counts.empty()) return "none";
  std::string out;
  for (const auto& [name, n] : counts)
    out += fmt::format("{}{} x{}", out.empty() ? "" : ", ", name, n);
  return out;
}

struct Tally {
  int pass = 0, fail = 0;
  void Check(bool ok, const std::string& what) {
    fmt::print("- {} {}\n", ok ? "PASS" : "FAIL", what);
    ++(ok ? pass : fail);
  }
};

bool RunScenario(const room::Scenario& scenario, const Options& options, Tally& tally) {
  hub::control::LoopOptions loop;
  if (options.max_days) {
    loop.duration = std::min<TimeNs>(
        scenario.duration,
        static_cast<TimeNs>(*options.max_days * static_cast<double>(kNanosPerDay)));
  }
  const TimeNs duration = loop.duration ? *loop.duration : scenario.duration;
  std::vector<PolicyRun> runs;
  const auto start = std::chrono::steady_clock::now();
  // The policies' runs are independent: one thread each, each with its own alert engine.
  std::vector<std::future<Result<PolicyRun>>> futures;
  for (const char* policy : kPolicies) {
    futures.push_back(std::async(std::launch::async, [&scenario, policy, loop, duration] {
      auto watch = AlertWatch::Create(scenario, duration);
      if (!watch.ok()) return Result<PolicyRun>(watch.status());
      hub::control::LoopOptions with_alerts = loop;
      (*watch)->Attach(with_alerts);
      auto summary = hub::control::RunClosedLoop(scenario, policy, with_alerts);
      if (!summary.ok()) return Result<PolicyRun>(summary.status());
      return Result<PolicyRun>(PolicyRun{std::move(*summary), (*watch)->report()});
    }));
  }
  for (auto& future : futures) {
    Result<PolicyRun> run = future.get();
    if (!run.ok()) {
      fmt::print(stderr, "energy_bench: {}: {}\n", scenario.name, run.status().message());
      return false;
    }
    runs.push_back(std::move(*run));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const LoopSummary& fixed = runs[0].loop;
  const LoopSummary& rule = runs[1].loop;
  const LoopSummary& best = runs[2].loop;
  const bool faulty = !scenario.faults.empty();
  fmt::print("\n### {} ({:.0f} h{}, {} racks, {} ACs; {:.1f} s)\n\n", scenario.name, fixed.hours,
             loop.duration && *loop.duration < scenario.duration ? ", shortened" : "",
             scenario.racks.size(), scenario.acs.size(), seconds);
  fmt::print(
      "| policy | cooling kWh | saved vs fixed:18 | saved vs hysteresis | min > 27 C | "
      "min > 32 C | max inlet C | AC commands (lost) | controller condition | first alert "
      "naming the part |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
  for (const PolicyRun& run : runs) {
    const LoopSummary& s = run.loop;
    fmt::print("| {} | {:.1f} | {} | {} | {:.0f} | {:.0f} | {:.2f} | {} ({}) | {} | {} |\n",
               s.policy, s.cooling_kwh, Percent(100 * (1 - s.cooling_kwh / fixed.cooling_kwh)),
               Percent(100 * (1 - s.cooling_kwh / rule.cooling_kwh)), s.minutes_above_27,
               s.minutes_above_32, s.max_inlet_c, s.ac_commands, s.ac_commands_lost, Detections(s),
               AlertDetections(run));
  }
  fmt::print("\n");
  for (const PolicyRun& run : runs) {
    fmt::print("- {} alerts: fault alerts naming no faulty part: {}; room alerts: {}\n",
               run.loop.policy, CountList(run.alerts.false_alarms),
               CountList(run.alerts.room_alerts));
  }
  const double vs_fixed = 100 * (1 - best.cooling_kwh / fixed.cooling_kwh);
  const double vs_rule = 100 * (1 - best.cooling_kwh / rule.cooling_kwh);
  tally.Check(vs_fixed >= kSaveVsFixed,
              fmt::format("{}: optimal saves {:.1f} % vs fixed:18 (target >= {:.0f} %)",
                          scenario.name, vs_fixed, kSaveVsFixed));
  tally.Check(vs_rule >= kSaveVsHysteresis,
              fmt::format("{}: optimal saves {:.1f} % vs hysteresis (target >= {:.0f} %; "
                          "hysteresis spent {:.0f} min above 27 C, optimal {:.0f})",
                          scenario.name, vs_rule, kSaveVsHysteresis, rule.minutes_above_27,
                          best.minutes_above_27));
  const PolicyRun& best_run = runs[2];
  tally.Check(best_run.alerts.false_alarms.empty(),
              fmt::format("{}: optimal: no fault alert naming a healthy part (got: {})",
                          scenario.name, CountList(best_run.alerts.false_alarms)));
  if (!faulty) {
    tally.Check(best.minutes_above_27 == 0,
                fmt::format("{}: optimal {:.0f} min above 27 C (fault-free target 0)",
                            scenario.name, best.minutes_above_27));
  } else {
    tally.Check(best.minutes_above_32 == 0,
                fmt::format("{}: optimal {:.0f} min above 32 C (fault target 0)", scenario.name,
                            best.minutes_above_32));
    for (const AlertDetection& d : best_run.alerts.detections) {
      // A door or an overload is weather the room alerts cover, not a broken part.
      bool expected = false;
      for (const auto& c : best.detections)
        expected = expected || c.fault == d.fault;
      if (!expected) continue;
      tally.Check(d.delay && *d.delay <= kDetectWithin,
                  fmt::format("{}: {} alerted {} (target within 90 s)", scenario.name, d.fault,
                              d.delay ? fmt::format("after {} by {}", Seconds(*d.delay), d.rule)
                                      : "never"));
    }
  }
  return true;
}

int Run(const Options& options) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options.scenarios, ec)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  if (ec) {
    fmt::print(stderr, "energy_bench: {}: {}\n", options.scenarios, ec.message());
    return 1;
  }
  std::sort(files.begin(), files.end());
  std::vector<room::Scenario> scenarios;
  for (const auto& file : files) {
    auto scenario = room::LoadScenario(file.string());
    if (!scenario.ok()) {
      fmt::print(stderr, "energy_bench: {}\n", scenario.status().message());
      return 1;
    }
    if (scenario->name.empty()) scenario->name = file.stem().string();
    scenarios.push_back(std::move(*scenario));
  }
  if (options.generated) {
    for (room::Scenario& s : GeneratedScenarios()) {
      if (Status v = room::ValidateScenario(s); !v.ok()) {
        fmt::print(stderr, "energy_bench: generated {}: {}\n", s.name, v.message());
        return 1;
      }
      scenarios.push_back(std::move(s));
    }
    for (uint64_t seed : options.extra_seeds) {
      room::Scenario s = RandomScenario(seed);
      if (Status v = room::ValidateScenario(s); !v.ok()) {
        fmt::print(stderr, "energy_bench: generated {}: {}\n", s.name, v.message());
        return 1;
      }
      scenarios.push_back(std::move(s));
    }
  }
  fmt::print("## Cooling energy: the hub's controller driving the simulated room\n\n");
  fmt::print(
      "Policies through Controller::OnReading/Tick with the agent's readings (noise, failed "
      "reads, faults);\ntemperatures are the true inlets. hysteresis = the seed's rule 23:25. "
      "gen-* rooms are generated, never tuned on.\n");
  Tally tally;
  for (const room::Scenario& scenario : scenarios) {
    if (!options.only.empty() && scenario.name != options.only) continue;
    if (!RunScenario(scenario, options, tally)) return 1;
    std::fflush(stdout);
  }
  fmt::print("\n{} PASS, {} FAIL\n", tally.pass, tally.fail);
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace coolflow::bench

int main(int argc, char** argv) {
  coolflow::bench::Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        fmt::print(stderr, "energy_bench: {} needs a value\n", arg);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--scenarios") {
      options.scenarios = value();
    } else if (arg == "--max-days") {
      options.max_days = std::stod(value());
    } else if (arg == "--only") {
      options.only = value();
    } else if (arg == "--no-generated") {
      options.generated = false;
    } else if (arg == "--seed") {
      options.extra_seeds.push_back(std::stoull(value()));
    } else {
      fmt::print(stderr,
                 "usage: energy_bench [--scenarios DIR] [--max-days D] [--only NAME] "
                 "[--no-generated] [--seed N]...\n");
      return 2;
    }
  }
  return coolflow::bench::Run(options);
}
