// `coolflow room run`: simulates a scenario under a cooling policy and reports energy,
// temperatures against the ASHRAE limits and commands.
#include <fstream>
#include <iostream>
#include <memory>

#include "CLI/CLI.hpp"
#include "cli/cli.h"
#include "fmt/format.h"
#include "room/simulation.h"

namespace coolflow::cli {
namespace {

struct RoomRunOptions {
  std::string scenario;
  std::string policy = "fixed:18";
  double hours = 0;
  bool json = false;
  bool csv = false;
  double every_s = 0;
};

int RunRoom(const RoomRunOptions& o) {
  auto scenario = room::LoadScenario(o.scenario);
  if (!scenario.ok()) {
    std::cerr << "coolflow: " << scenario.status().message() << "\n";
    return 2;
  }
  auto policy = room::ParsePolicy(o.policy, *scenario);
  if (!policy.ok()) {
    std::cerr << "coolflow: --policy: " << policy.status().message() << "\n";
    return 2;
  }
  room::RunOptions options;
  if (o.hours > 0) options.duration = static_cast<TimeNs>(o.hours * 3600.0 * 1e9);
  if (o.csv) {
    options.csv = &std::cout;
    options.csv_every = static_cast<TimeNs>(o.every_s * 1e9);
  }
  auto summary = room::Simulate(*scenario, **policy, options);
  if (!summary.ok()) {
    std::cerr << "coolflow: " << summary.status().message() << "\n";
    return 2;
  }
  if (o.csv) {
    std::cerr << room::FormatSummaryText(*summary);
  } else if (o.json) {
    std::cout << room::FormatSummaryJson(*summary);
  } else {
    std::cout << room::FormatSummaryText(*summary);
  }
  return 0;
}

}  // namespace

void AddRoomCommands(CLI::App& app) {
  auto* room = app.add_subcommand("room", "The server-room simulator");
  room->require_subcommand(1);
  auto options = std::make_shared<RoomRunOptions>();
  auto* run = room->add_subcommand(
      "run",
      "Simulate a scenario under a cooling policy; print cooling and IT energy, PUE, inlet "
      "temperatures against ASHRAE's 27 C and 32 C, and AC commands");
  run->add_option("--scenario", options->scenario, "Scenario file (see docs/scenarios.md)")
      ->required()
      ->check(CLI::ExistingFile);
  run->add_option("--policy", options->policy, "fixed:T or hysteresis:LOW:HIGH")
      ->capture_default_str();
  run->add_option("--hours", options->hours, "Simulate this many hours instead of the scenario's");
  auto* json = run->add_flag("--json", options->json, "Print the summary as JSON");
  auto* csv = run->add_flag("--csv", options->csv,
                            "Print the time series as CSV on stdout (the summary goes to stderr)");
  json->excludes(csv);
  run->add_option("--every", options->every_s, "CSV row interval in seconds (default: every step)");
  run->callback([options] {
    const int code = RunRoom(*options);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace coolflow::cli
