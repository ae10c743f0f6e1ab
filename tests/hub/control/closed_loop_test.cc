// The controller driving the room simulator (hub/control/room_loop.h) on rooms generated
// here, unlike the shipped scenarios: physics outcomes, not wall time.
#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>

#include "fmt/format.h"
#include "hub/control/room_loop.h"
#include "room/scenario.h"

namespace coolflow::hub::control {
namespace {

room::Scenario Room(std::string name, uint64_t seed, int racks, int servers, int acs,
                    double ac_capacity_w, double outdoor_mean_c, double load_base) {
  room::Scenario s;
  s.name = std::move(name);
  s.seed = seed;
  s.duration = 12 * kNanosPerHour;
  s.room = {static_cast<double>(racks) * 12, 0.4e6 * racks, 20.0 * racks, 0.3, 24, 45};
  for (int i = 0; i < racks; ++i) {
    room::RackConfig r;
    r.id = fmt::format("q{:02}", i + 1);
    r.servers = servers;
    r.recirculation = i == 0 || i == racks - 1 ? 0.12 : 0.05;
    s.racks.push_back(r);
  }
  for (int a = 0; a < acs; ++a) {
    room::AcConfig ac;
    ac.id = fmt::format("u{}", a + 1);
    ac.rated_capacity_w = ac_capacity_w;
    ac.airflow_m3_per_s = ac_capacity_w / 15000;
    s.acs.push_back(ac);
  }
  s.weather.mean_c = outdoor_mean_c;
  s.load.base = load_base;
  EXPECT_TRUE(room::ValidateScenario(s).ok()) << room::ValidateScenario(s).message();
  return s;
}

LoopSummary RunPolicy(const room::Scenario& s, std::string_view policy) {
  auto summary = RunClosedLoop(s, policy);
  EXPECT_TRUE(summary.ok()) << summary.status().message();
  return summary.ok() ? *summary : LoopSummary{};
}

struct RoomCase {
  const char* name;
  uint64_t seed;
  int racks, servers, acs;
  double ac_capacity_w, outdoor_c, load;
};

void PrintTo(const RoomCase& c, std::ostream* os) {
  *os << c.name;
}

class ClosedLoopTest : public testing::TestWithParam<RoomCase> {};

TEST_P(ClosedLoopTest, OptimalKeepsInletsUnder27WithLessEnergyThanFixed18) {
  const RoomCase& c = GetParam();
  const room::Scenario s =
      Room(c.name, c.seed, c.racks, c.servers, c.acs, c.ac_capacity_w, c.outdoor_c, c.load);
  const LoopSummary fixed = RunPolicy(s, "fixed:18");
  const LoopSummary best = RunPolicy(s, "optimal");
  EXPECT_EQ(best.minutes_above_27, 0) << "max inlet " << best.max_inlet_c;
  EXPECT_LT(best.cooling_kwh, 0.85 * fixed.cooling_kwh)
      << best.cooling_kwh << " kWh vs fixed:18 " << fixed.cooling_kwh;
  EXPECT_GT(best.it_kwh, 0);
  // Every reading the simulated agent sent was either used or counted.
  EXPECT_EQ(best.counters.non_finite + best.counters.unknown_rack + best.counters.duplicate, 0u);
}

INSTANTIATE_TEST_SUITE_P(GeneratedRooms, ClosedLoopTest,
                         testing::Values(RoomCase{"small-cool", 11, 4, 6, 2, 7000, 14, 0.45},
                                         RoomCase{"wide-warm", 23, 10, 8, 3, 16000, 27, 0.35}),
                         [](const testing::TestParamInfo<RoomCase>& param) {
                           std::string name = param.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(ClosedLoopFaultTest, FailedUnitIsDetectedAndTheOthersCompensate) {
  room::Scenario s = Room("failing", 5, 6, 8, 2, 12000, 24, 0.45);
  // The lead unit's compressor dies for three hours.
  s.faults.push_back({room::FaultKind::kAcFailure, "u1", 5 * kNanosPerHour, 3 * kNanosPerHour, 1});
  std::vector<Condition> raised;
  LoopOptions options;
  options.on_condition = [&](const Condition& c, bool active) {
    if (active) raised.push_back(c);
  };
  auto summary = RunClosedLoop(s, "optimal", options);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  ASSERT_EQ(summary->detections.size(), 1u);
  ASSERT_TRUE(summary->detections[0].delay) << "the failure was never detected";
  EXPECT_EQ(summary->detections[0].condition, "ac_not_obeying");
  EXPECT_LE(*summary->detections[0].delay, 10 * kNanosPerMinute);
  EXPECT_EQ(summary->minutes_above_32, 0);
  bool message = false;
  for (const Condition& c : raised)
    message = message || (c.kind == "ac_not_obeying" && c.subject == "u1" && !c.message.empty());
  EXPECT_TRUE(message);
}

TEST(ClosedLoopFaultTest, UnitIgnoringInfraredIsDetected) {
  room::Scenario s = Room("deaf", 8, 4, 6, 2, 9000, 20, 0.35);
  // u2 loses every command: it stays on at its initial setpoint whatever it is told.
  s.faults.push_back({room::FaultKind::kAcIgnoresIr, "u2", 0, 0, 1});
  auto summary = RunClosedLoop(s, "optimal");
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  ASSERT_EQ(summary->detections.size(), 1u);
  EXPECT_TRUE(summary->detections[0].delay) << "ac_ignores_ir never detected";
  EXPECT_EQ(summary->minutes_above_27, 0);
  EXPECT_GT(summary->ac_commands_lost, 0u);
}

TEST(ClosedLoopFaultTest, DeadSensorIsDetectedWithin90Seconds) {
  room::Scenario s = Room("blind", 3, 4, 6, 2, 9000, 22, 0.35);
  s.duration = 6 * kNanosPerHour;
  s.faults.push_back({room::FaultKind::kSensorDead, "q02", 3 * kNanosPerHour, kNanosPerHour, 1});
  auto summary = RunClosedLoop(s, "optimal");
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  ASSERT_EQ(summary->detections.size(), 1u);
  ASSERT_TRUE(summary->detections[0].delay);
  EXPECT_LE(*summary->detections[0].delay, 90 * kNanosPerSecond);
  EXPECT_EQ(summary->minutes_above_27, 0);
}

}  // namespace
}  // namespace coolflow::hub::control
