// Energy benchmark: the hub's real cooling controller (src/hub/control) drives the room
// simulator in-process through Controller::OnReading/Tick (hub/control/room_loop.h), under
// fixed:18, hysteresis (the seed's rule, 23:25) and optimal, for every shipped scenario and
// a few generated ones it was never tuned on. Prints a markdown table per scenario and
// PASS/FAIL per target; exits 0 unless it cannot run.
//
//   energy_bench [--scenarios DIR] [--max-days D] [--only NAME] [--no-generated]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "hub/control/room_loop.h"
#include "room/scenario.h"

namespace coolflow::bench {
namespace {

using hub::control::LoopSummary;

constexpr const char* kPolicies[] = {"fixed:18", "hysteresis", "optimal"};
constexpr double kSaveVsFixed = 30;       // % cooling energy saved vs fixed:18
constexpr double kSaveVsHysteresis = 10;  // % vs hysteresis
constexpr TimeNs kDetectWithin = 90 * kNanosPerSecond;

struct Options {
  std::string scenarios = "scenarios";
  std::optional<double> max_days;
  std::string only;
  bool generated = true;
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
  std::vector<LoopSummary> runs;
  const auto start = std::chrono::steady_clock::now();
  // The policies' runs are independent: one thread each.
  std::vector<std::future<Result<LoopSummary>>> futures;
  for (const char* policy : kPolicies) {
    futures.push_back(std::async(std::launch::async, [&scenario, policy, &loop] {
      return hub::control::RunClosedLoop(scenario, policy, loop);
    }));
  }
  for (auto& future : futures) {
    Result<LoopSummary> summary = future.get();
    if (!summary.ok()) {
      fmt::print(stderr, "energy_bench: {}: {}\n", scenario.name, summary.status().message());
      return false;
    }
    runs.push_back(std::move(*summary));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const LoopSummary& fixed = runs[0];
  const LoopSummary& rule = runs[1];
  const LoopSummary& best = runs[2];
  const bool faulty = !scenario.faults.empty();
  fmt::print("\n### {} ({:.0f} h{}, {} racks, {} ACs; {:.1f} s)\n\n", scenario.name, fixed.hours,
             loop.duration && *loop.duration < scenario.duration ? ", shortened" : "",
             scenario.racks.size(), scenario.acs.size(), seconds);
  fmt::print(
      "| policy | cooling kWh | saved vs fixed:18 | saved vs hysteresis | min > 27 C | "
      "min > 32 C | max inlet C | AC commands (lost) | fault detection |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
  for (const LoopSummary& s : runs) {
    fmt::print("| {} | {:.1f} | {} | {} | {:.0f} | {:.0f} | {:.2f} | {} ({}) | {} |\n", s.policy,
               s.cooling_kwh, Percent(100 * (1 - s.cooling_kwh / fixed.cooling_kwh)),
               Percent(100 * (1 - s.cooling_kwh / rule.cooling_kwh)), s.minutes_above_27,
               s.minutes_above_32, s.max_inlet_c, s.ac_commands, s.ac_commands_lost, Detections(s));
  }
  fmt::print("\n");
  const double vs_fixed = 100 * (1 - best.cooling_kwh / fixed.cooling_kwh);
  const double vs_rule = 100 * (1 - best.cooling_kwh / rule.cooling_kwh);
  tally.Check(vs_fixed >= kSaveVsFixed,
              fmt::format("{}: optimal saves {:.1f} % vs fixed:18 (target >= {:.0f} %)",
                          scenario.name, vs_fixed, kSaveVsFixed));
  tally.Check(vs_rule >= kSaveVsHysteresis,
              fmt::format("{}: optimal saves {:.1f} % vs hysteresis (target >= {:.0f} %)",
                          scenario.name, vs_rule, kSaveVsHysteresis));
  if (!faulty) {
    tally.Check(best.minutes_above_27 == 0,
                fmt::format("{}: optimal {:.0f} min above 27 C (fault-free target 0)",
                            scenario.name, best.minutes_above_27));
  } else {
    tally.Check(best.minutes_above_32 == 0,
                fmt::format("{}: optimal {:.0f} min above 32 C (fault target 0)", scenario.name,
                            best.minutes_above_32));
    for (const auto& d : best.detections) {
      tally.Check(d.delay && *d.delay <= kDetectWithin,
                  fmt::format("{}: {} detected {} (target within 90 s)", scenario.name, d.fault,
                              d.delay               ? fmt::format("after {:.0f} s",
                                                                  static_cast<double>(*d.delay) / kNanosPerSecond)
                              : d.unit_off_at_onset ? "never (the unit was staged off at onset)"
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
    } else {
      fmt::print(stderr,
                 "usage: energy_bench [--scenarios DIR] [--max-days D] [--only NAME] "
                 "[--no-generated]\n");
      return 2;
    }
  }
  return coolflow::bench::Run(options);
}
