// Runs a scenario under a policy and accounts for it: energy, temperatures against the
// ASHRAE limits, commands. What `coolflow room run` prints.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "room/policy.h"
#include "room/scenario.h"

namespace coolflow::room {

// ASHRAE TC 9.9 (2021): recommended inlet range tops out at 27 C; class A1 allows 32 C.
inline constexpr double kAshraeRecommendedMaxC = 27;
inline constexpr double kAshraeA1AllowableMaxC = 32;
// How often built-in policies read the sensors and act.
inline constexpr TimeNs kControlInterval = 60 * kNanosPerSecond;

struct RackSummary {
  std::string id;
  double max_inlet_c = 0;
  double mean_inlet_c = 0;
};

struct Summary {
  std::string scenario;
  std::string policy;
  double hours = 0;
  double cooling_kwh = 0;  // AC compressors and fans
  double it_kwh = 0;
  double pue = 0;  // (IT + cooling) / IT: the room's share of PUE
  double mean_room_c = 0;
  double max_inlet_c = 0;
  double minutes_above_27 = 0;  // minutes during which any rack inlet was above 27 C
  double minutes_above_32 = 0;
  uint64_t ac_commands = 0;  // infrared commands sent
  uint64_t ac_commands_lost = 0;
  double energy_balance_error = 0;  // |stored - net flows| / IT energy
  std::vector<RackSummary> racks;
};

struct RunOptions {
  std::optional<TimeNs> duration;  // overrides the scenario's
  std::ostream* csv = nullptr;     // the time series, one row per `csv_every`
  TimeNs csv_every = 0;            // 0: every step
};

// Simulates `scenario` under `policy` from its start to its end.
Result<Summary> Simulate(const Scenario& scenario, Policy& policy, const RunOptions& options);

// The summary as aligned text, or as one JSON object.
std::string FormatSummaryText(const Summary& summary);
std::string FormatSummaryJson(const Summary& summary);

}  // namespace coolflow::room
