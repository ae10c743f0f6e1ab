// Simulator benchmark: the time to simulate one year of a 20-rack room at 10 s steps
// (target < 2 s on one core), and the energy of fixed:18 beside the seed's hysteresis rule
// for every shipped scenario, both measured in this run.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "room/simulation.h"

namespace coolflow::bench {
namespace {

constexpr double kYearTargetSeconds = 2.0;
constexpr const char* kFixedPolicy = "fixed:18";
constexpr const char* kBaselinePolicy = "hysteresis:23:25";

struct Timed {
  room::Summary summary;
  double seconds = 0;
};

Result<Timed> RunTimed(const room::Scenario& scenario, std::string_view spec) {
  auto policy = room::ParsePolicy(spec, scenario);
  if (!policy.ok()) return policy.status();
  const auto start = std::chrono::steady_clock::now();
  auto summary = room::Simulate(scenario, **policy, {});
  if (!summary.ok()) return summary.status();
  return Timed{*summary,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

int Run(const std::string& scenarios_dir) {
  const std::string year_file = scenarios_dir + "/bench-20-racks.yaml";
  auto year = room::LoadScenario(year_file);
  if (!year.ok()) {
    fmt::print(stderr, "room_bench: {}\n", year.status().message());
    return 1;
  }
  fmt::print("simulator speed: {} ({} racks, {} ACs, {:.0f} days at {} s steps), one thread\n",
             year->name, year->racks.size(), year->acs.size(),
             static_cast<double>(year->duration) / (86400.0 * kNanosPerSecond),
             year->step / kNanosPerSecond);
  for (const char* spec : {kFixedPolicy, kBaselinePolicy}) {
    auto timed = RunTimed(*year, spec);
    if (!timed.ok()) {
      fmt::print(stderr, "room_bench: {}\n", timed.status().message());
      return 1;
    }
    fmt::print("  {:<18} {:6.2f} s (target < {:.1f} s: {})\n", spec, timed->seconds,
               kYearTargetSeconds, timed->seconds < kYearTargetSeconds ? "PASS" : "MISS");
  }

  fmt::print("\ncooling energy per shipped scenario: {} beside the seed's rule {}\n", kFixedPolicy,
             kBaselinePolicy);
  fmt::print("{:<16} {:>7} {:>12} {:>12} {:>7} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8}\n", "scenario",
             "hours", "fixed kWh", "rule kWh", "ratio", "fixed>27", "rule>27", "fixed>32",
             "rule>32", "fixed#", "rule#");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(scenarios_dir)) {
    if (entry.path().extension() == ".yaml" && entry.path().stem() != "bench-20-racks") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto scenario = room::LoadScenario(file.string());
    if (!scenario.ok()) {
      fmt::print(stderr, "room_bench: {}\n", scenario.status().message());
      return 1;
    }
    auto fixed = RunTimed(*scenario, kFixedPolicy);
    auto rule = RunTimed(*scenario, kBaselinePolicy);
    if (!fixed.ok() || !rule.ok()) return 1;
    const room::Summary& f = fixed->summary;
    const room::Summary& r = rule->summary;
    fmt::print(
        "{:<16} {:7.0f} {:12.1f} {:12.1f} {:6.2f}x {:9.0f} {:9.0f} {:9.0f} {:9.0f} {:8} {:8}\n",
        scenario->name, f.hours, f.cooling_kwh, r.cooling_kwh, f.cooling_kwh / r.cooling_kwh,
        f.minutes_above_27, r.minutes_above_27, f.minutes_above_32, r.minutes_above_32,
        f.ac_commands, r.ac_commands);
  }
  fmt::print(
      "\nratio = fixed kWh / rule kWh; >27 and >32: minutes any rack inlet was above "
      "ASHRAE's\nrecommended (27 C) and A1-allowable (32 C) maxima; #: infrared commands "
      "sent.\n");
  return 0;
}

}  // namespace
}  // namespace coolflow::bench

int main(int argc, char** argv) {
  return coolflow::bench::Run(argc > 1 ? argv[1] : "scenarios");
}
