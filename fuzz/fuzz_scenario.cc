// Fuzzes the scenario loader (YAML) and, for what it accepts, the room model behind it.
// Properties:
//  - the loader never hangs, crashes or throws; a refusal reads "fuzz:LINE:COL: ..." with a
//    line that exists in the input;
//  - an accepted scenario passes ValidateScenario, and twenty steps of it under the fixed
//    policy give a finite summary whose energy balance closes within 1 %.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "room/policy.h"
#include "room/scenario.h"
#include "room/simulation.h"

namespace coolflow::fuzz {
namespace {

constexpr std::string_view kSource = "fuzz";

void CheckScenario(std::string_view input) {
  Result<room::Scenario> scenario = room::ParseScenario(input, kSource);
  if (!scenario.ok()) {
    CheckConfigRefusal(input, kSource, scenario.status().message());
    return;
  }
  FUZZ_CHECK_MSG(room::ValidateScenario(*scenario).ok(),
                 room::ValidateScenario(*scenario).message());
  if (!scenario->weather.csv_path.empty()) return;  // would read a file
  // Keep each input cheap: at most 20 steps, and no more than a few hundred racks.
  if (scenario->racks.size() > 200) return;
  room::RunOptions options;
  options.duration = std::min(scenario->duration, 20 * scenario->step);
  Result<std::unique_ptr<room::Policy>> policy = room::ParsePolicy("fixed:18", *scenario);
  FUZZ_CHECK(policy.ok());
  Result<room::Summary> summary = room::Simulate(*scenario, **policy, options);
  if (!summary.ok()) return;  // a run may refuse (e.g. nothing to simulate), never crash
  FUZZ_CHECK(std::isfinite(summary->cooling_kwh) && std::isfinite(summary->it_kwh));
  FUZZ_CHECK(std::isfinite(summary->max_inlet_c) && std::isfinite(summary->mean_room_c));
  FUZZ_CHECK_MSG(summary->energy_balance_error < 0.01,
                 fmt::format("energy balance error {}", summary->energy_balance_error));
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coolflow::fuzz::CheckScenario(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
