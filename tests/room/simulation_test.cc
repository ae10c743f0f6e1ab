#include "room/simulation.h"

#include <gtest/gtest.h>

#include <sstream>

#include "room_test_util.h"

namespace coolflow::room {
namespace {

using testing::SmallRoom;

Summary RunPolicy(const Scenario& s, std::string_view policy_spec, std::ostream* csv = nullptr) {
  auto policy = ParsePolicy(policy_spec, s);
  EXPECT_TRUE(policy.ok()) << policy.status().ToString();
  RunOptions options;
  options.csv = csv;
  auto summary = Simulate(s, **policy, options);
  EXPECT_TRUE(summary.ok()) << summary.status().ToString();
  return *summary;
}

TEST(Simulation, SameScenarioAndSeedGiveIdenticalBytes) {
  Scenario s = SmallRoom();
  s.faults.push_back({FaultKind::kAcIgnoresIr, "ac1", 0, 0, 0.5});
  std::ostringstream a, b;
  const Summary first = RunPolicy(s, "hysteresis:22:25", &a);
  const Summary second = RunPolicy(s, "hysteresis:22:25", &b);
  EXPECT_EQ(a.str(), b.str());
  EXPECT_EQ(FormatSummaryJson(first), FormatSummaryJson(second));
  EXPECT_GT(first.ac_commands_lost, 0u);
  s.seed = 12;
  std::ostringstream c;
  RunPolicy(s, "hysteresis:22:25", &c);
  EXPECT_NE(a.str(), c.str());
}

TEST(Simulation, FixedEighteenCostsMoreThanTheBaselineRule) {
  const Scenario s = SmallRoom();
  const Summary fixed = RunPolicy(s, "fixed:18");
  const Summary rule = RunPolicy(s, "hysteresis:23:25");
  EXPECT_GT(fixed.cooling_kwh, rule.cooling_kwh);
  EXPECT_EQ(fixed.minutes_above_27, 0);
  EXPECT_GT(fixed.pue, 1.0);
  EXPECT_LT(fixed.pue, 2.0);
  EXPECT_LT(fixed.energy_balance_error, 0.01);
  EXPECT_EQ(fixed.racks.size(), 4u);
  // Infrared is open loop: fixed resends the full state every 30 minutes to both units.
  EXPECT_EQ(fixed.ac_commands, 2u * 48);
}

TEST(Simulation, CsvHasAHeaderAndOneRowPerInterval) {
  Scenario s = SmallRoom();
  s.duration = 3600 * kNanosPerSecond;
  std::ostringstream csv;
  auto policy = ParsePolicy("fixed:20", s);
  RunOptions options;
  options.csv = &csv;
  options.csv_every = 60 * kNanosPerSecond;
  ASSERT_TRUE(Simulate(s, **policy, options).ok());
  std::istringstream lines(csv.str());
  std::string header;
  std::getline(lines, header);
  EXPECT_EQ(header.rfind("time,outdoor_c,room_c,room_rh,it_w,cooling_w,r01_inlet_c", 0), 0u);
  int rows = 0;
  for (std::string line; std::getline(lines, line);)
    ++rows;
  EXPECT_EQ(rows, 60);
}

TEST(Policy, ParsesSpecsAndRefusesBadOnes) {
  const Scenario s = SmallRoom();
  EXPECT_EQ((*ParsePolicy("fixed:18", s))->name(), "fixed:18");
  EXPECT_EQ((*ParsePolicy("hysteresis:24:26", s))->name(), "hysteresis:24:26");
  for (const char* bad : {"", "fixed", "fixed:17", "fixed:x", "hysteresis:26:24", "hysteresis:24",
                          "optimal", "fixed:18:19"}) {
    EXPECT_FALSE(ParsePolicy(bad, s).ok()) << bad;
  }
}

}  // namespace
}  // namespace coolflow::room
