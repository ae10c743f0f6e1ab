// The safety layer around the policies, fed readings by hand: stale, stuck and implausible
// data, step bound, dwell, resend, bad input, command results, the decision record.
#include "hub/control/controller.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "nlohmann/json.hpp"
#include "room/rng.h"

namespace coolflow::hub::control {
namespace {

constexpr TimeNs kT0 = 1'748'822'400LL * kNanosPerSecond;
constexpr TimeNs kSecond = kNanosPerSecond;
constexpr TimeNs kMinute = kNanosPerMinute;

ControllerConfig TwoRacks(std::string policy) {
  ControllerConfig c;
  c.racks = {{"r1", "pi"}, {"r2", "pi"}};
  c.acs = {{"ac1", "pi", "ac1", 200}, {"ac2", "pi", "ac2", 200}};
  c.policy = std::move(policy);
  return c;
}

reading::Reading Make(std::string measurement, std::string metric, std::string key,
                      std::string value, TimeNs time, reading::Value v, std::string box = "pi") {
  reading::Reading r;
  r.box = std::move(box);
  r.measurement = std::move(measurement);
  r.metric = std::move(metric);
  r.tags = {{std::move(key), std::move(value)}};
  r.time = time;
  r.value = std::move(v);
  return r;
}
reading::Reading Inlet(std::string rack, TimeNs t, reading::Value v, std::string box = "pi") {
  return Make("temp", "temperature", "rack", std::move(rack), t, std::move(v), std::move(box));
}
reading::Reading AcPower(std::string ac, TimeNs t, double w) {
  return Make("power", "power", "ac", std::move(ac), t, w);
}

using InletFn = std::function<std::optional<double>(size_t rack, TimeNs since_start)>;
using PowerFn = std::function<std::optional<double>(size_t ac, TimeNs since_start)>;

// Drives a controller in 10 s steps from kT0, as a hub fed by an agent would.
struct Harness {
  explicit Harness(ControllerConfig config) {
    auto made = Controller::Create(std::move(config));
    EXPECT_TRUE(made.ok()) << made.status().message();
    controller = std::move(*made);
  }
  std::vector<AcCommandOut> Run(TimeNs duration, const InletFn& inlet, const PowerFn& power = {}) {
    std::vector<AcCommandOut> out;
    const TimeNs end = now + duration;
    for (; now < end; now += 10 * kSecond) {
      for (size_t r = 0; r < controller->config().racks.size(); ++r) {
        if (auto v = inlet(r, now - kT0)) {
          controller->OnReading(Inlet(controller->config().racks[r].id, now, *v));
        }
      }
      for (size_t a = 0; power && a < controller->config().acs.size(); ++a) {
        if (auto w = power(a, now - kT0)) {
          controller->OnReading(AcPower(controller->config().acs[a].name, now, *w));
        }
      }
      for (AcCommandOut& c : controller->Tick(now)) {
        controller->OnCommandResult(c.id, CommandResult::kApplied, now);
        out.push_back(std::move(c));
      }
    }
    return out;
  }
  bool HasCondition(std::string_view kind, std::string_view subject) const {
    for (const Condition& c : controller->conditions()) {
      if (c.kind == kind && c.subject == subject) return true;
    }
    return false;
  }
  std::unique_ptr<Controller> controller;
  TimeNs now = kT0;
};

// A live sensor: it moves a little from read to read.
std::optional<double> Live(size_t r, TimeNs t) {
  return 22.0 + static_cast<double>(r) * 0.3 + 0.1 * static_cast<double>((t / (10 * kSecond)) % 5);
}

TEST(ControllerTest, FirstTickCommandsEveryUnitInTheAgentsFormat) {
  Harness h(TwoRacks("fixed:24"));
  const std::vector<AcCommandOut> commands = h.Run(10 * kSecond, Live);
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(commands[0].ac, "ac1");
  EXPECT_EQ(commands[0].box, "pi");
  EXPECT_EQ(commands[0].state, (AcTarget{true, 24}));
  const auto j = nlohmann::json::parse(FormatAgentCommandJson(commands[1]));
  EXPECT_EQ(j["device"], "ac2");
  EXPECT_EQ(j["power"], true);
  EXPECT_EQ(j["setpoint_c"], 24.0);
  EXPECT_EQ(j["mode"], "cool");
  EXPECT_EQ(j["id"], commands[1].id);
  EXPECT_EQ(reading::FormatAcCommand(ToSeedAcCommand(commands[1])), "name=ac2&temperature=24");
}

TEST(ControllerTest, StaleRackGoesToTheSafeSetpointWithinTwoIntervals) {
  Harness h(TwoRacks("fixed:28"));
  h.Run(10 * kMinute, Live);
  EXPECT_EQ(h.controller->commanded()[0].setpoint_c, 28);
  // r2's sensor dies.
  const auto commands =
      h.Run(2 * h.controller->config().interval, [](size_t r, TimeNs t) -> std::optional<double> {
        if (r == 1) return std::nullopt;
        return Live(r, t);
      });
  EXPECT_TRUE(h.HasCondition("sensor_stale", "r2"));
  for (const AcTarget& t : h.controller->commanded()) {
    EXPECT_TRUE(t.power_on);
    EXPECT_LE(t.setpoint_c, h.controller->config().safe_setpoint_c);
  }
  ASSERT_FALSE(commands.empty());
  EXPECT_EQ(commands.back().state.setpoint_c, 22);
  EXPECT_EQ(h.controller->decisions().back().mode, "safe");
  EXPECT_EQ(h.controller->decisions().back().blind_racks, std::vector<std::string>{"r2"});
  // Back to the policy once the sensor answers again, a bounded step at a time.
  h.Run(10 * h.controller->config().interval, Live);
  EXPECT_FALSE(h.HasCondition("sensor_stale", "r2"));
  EXPECT_EQ(h.controller->commanded()[0].setpoint_c, 28);
}

TEST(ControllerTest, StuckSensorIsBlindWhileTheOthersMove) {
  Harness h(TwoRacks("fixed:28"));
  h.Run(10 * kMinute, Live);
  h.Run(3 * kMinute, [](size_t r, TimeNs t) -> std::optional<double> {
    if (r == 1) return 23.4;  // stuck
    return 20.0 + static_cast<double>(t % (3 * kMinute)) / static_cast<double>(kMinute);
  });
  EXPECT_TRUE(h.HasCondition("sensor_stuck", "r2"));
  EXPECT_LE(h.controller->commanded()[1].setpoint_c, 22);
}

TEST(ControllerTest, DriftingSensorIsFoundAgainstTheOthers) {
  ControllerConfig config = TwoRacks("fixed:26");
  config.racks.push_back({"r3", "pi"});
  Harness h(config);
  // The room swings by kelvins (compressor cycles); r3 sits 0.8 K above the others.
  auto room = [](size_t r, TimeNs t) -> std::optional<double> {
    const double swing = static_cast<double>(t % (20 * kMinute)) / static_cast<double>(kMinute);
    return 18.0 + 0.3 * swing + (r == 2 ? 0.8 : 0.1 * static_cast<double>(r));
  };
  h.Run(3 * kNanosPerHour, room);
  EXPECT_FALSE(h.HasCondition("sensor_drift", "r3"));
  // Then r3's sensor drifts up 3 K per hour.
  const TimeNs drift_start = h.now - kT0;
  h.Run(kNanosPerHour, [&](size_t r, TimeNs t) -> std::optional<double> {
    const double drift = r == 2 ? 3.0 * static_cast<double>(t - drift_start) / kNanosPerHour : 0;
    return *room(r, t) + drift;
  });
  EXPECT_TRUE(h.HasCondition("sensor_drift", "r3"));
  EXPECT_FALSE(h.HasCondition("sensor_drift", "r1"));
  EXPECT_LE(h.controller->commanded()[0].setpoint_c, 22);  // a drifting rack is blind
}

TEST(ControllerTest, NoisySensorIsNamedAgainstThePeersWhileTheRoomSwings) {
  ControllerConfig config = TwoRacks("fixed:26");
  for (const char* id : {"r3", "r4", "r5"})
    config.racks.push_back({id, "pi"});
  Harness h(config);
  // DHT22-like sensors (0.2 K of noise, 0.1 K resolution) in a room whose compressor cycles
  // swing every inlet alike: down 6 K in 4 reads, back up in 12. The kinks make every
  // sensor's second differences large, so a sensor four times noisier stands out from the
  // median sensor's second differences by far less than 9x; against the other racks at the
  // same read it stands out within a few reads.
  room::Rng rng(17);
  double sigma_r3 = 0.2;
  auto read = [&](size_t r, TimeNs t) -> std::optional<double> {
    const double phase = static_cast<double>((t / (10 * kSecond)) % 16);
    const double swing = phase < 4 ? -1.5 * phase : -6 + 0.5 * (phase - 4);
    const double sigma = r == 2 ? sigma_r3 : 0.2;
    return std::round((24.0 + 0.3 * static_cast<double>(r) + swing + sigma * rng.Normal()) * 10) /
           10;
  };
  bool false_alarm = false;
  for (int i = 0; i < 24; ++i) {  // two hours, checked every 5 minutes
    h.Run(5 * kMinute, read);
    for (const char* id : {"r1", "r2", "r3", "r4", "r5"})
      false_alarm = false_alarm || h.HasCondition("sensor_noisy", id);
  }
  EXPECT_FALSE(false_alarm);
  // r3's sensor gets four times noisier: named within 18 reads.
  sigma_r3 = 0.8;
  h.Run(3 * kMinute, read);
  EXPECT_TRUE(h.HasCondition("sensor_noisy", "r3"));
  EXPECT_FALSE(h.HasCondition("sensor_noisy", "r1"));
  EXPECT_FALSE(h.HasCondition("sensor_noisy", "r4"));
  // Quiet again: cleared once the hold is over.
  sigma_r3 = 0.2;
  h.Run(30 * kMinute, read);
  EXPECT_FALSE(h.HasCondition("sensor_noisy", "r3"));
}

TEST(ControllerTest, ImplausibleValuesMakeTheRackBlind) {
  Harness h(TwoRacks("fixed:26"));
  h.Run(5 * kMinute, Live);
  h.Run(2 * kMinute, [](size_t r, TimeNs t) -> std::optional<double> {
    if (r == 0) return 150.0;  // a broken ADC
    return Live(r, t);
  });
  EXPECT_TRUE(h.HasCondition("sensor_implausible", "r1"));
  EXPECT_GE(h.controller->counters().implausible, 10u);
  EXPECT_LE(h.controller->commanded()[0].setpoint_c, 22);
}

TEST(ControllerTest, BadInputIsCountedAndIgnored) {
  Harness h(TwoRacks("fixed:25"));
  h.Run(2 * kMinute, Live);
  Controller& c = *h.controller;
  const ControllerCounters before = c.counters();
  const TimeNs t = h.now;
  c.OnReading(Inlet("r1", t, std::numeric_limits<double>::quiet_NaN()));
  c.OnReading(Inlet("r1", t, std::numeric_limits<double>::infinity()));
  c.OnReading(Inlet("r1", t, std::string("hot")));
  c.OnReading(Inlet("r1", t, true));
  c.OnReading(Inlet("r9", t, 24.0));
  c.OnReading(Inlet("r1", t, 24.0, "other-box"));
  c.OnReading(Inlet("r1", t - 10 * kSecond, 24.0));  // the time of one already seen
  c.OnReading(Inlet("r1", t - 55 * kSecond, 24.0));  // older than the latest
  c.OnReading(Inlet("r1", t + kNanosPerDay, 24.0));  // a clock far ahead
  c.OnReading(AcPower("ac9", t, 300));
  c.OnReading(AcPower("ac1", t, -5));
  c.OnReading(Make("temp", "humidity", "rack", "r1", t, 45.0));
  c.OnReading(Make("resource", "load1", "rack", "r1", t, 0.5));
  const ControllerCounters& after = c.counters();
  EXPECT_EQ(after.readings - before.readings, 13u);
  EXPECT_EQ(after.non_finite - before.non_finite, 2u);
  EXPECT_EQ(after.not_numeric - before.not_numeric, 2u);
  EXPECT_EQ(after.unknown_rack - before.unknown_rack, 1u);
  EXPECT_EQ(after.wrong_box - before.wrong_box, 1u);
  EXPECT_EQ(after.duplicate - before.duplicate, 1u);
  EXPECT_EQ(after.out_of_order - before.out_of_order, 1u);
  EXPECT_EQ(after.future - before.future, 1u);
  EXPECT_EQ(after.unknown_ac - before.unknown_ac, 1u);
  EXPECT_EQ(after.implausible - before.implausible, 1u);
  EXPECT_EQ(after.not_for_control - before.not_for_control, 2u);
  EXPECT_EQ(after.used, before.used);
  // Nothing of it moved the controller.
  h.Run(2 * kMinute, Live);
  EXPECT_TRUE(c.conditions().empty());
  EXPECT_EQ(c.commanded()[0], (AcTarget{true, 25}));
}

TEST(ControllerTest, StepsAreBoundedAndCommandsDwell) {
  ControllerConfig config = TwoRacks("manual");
  config.min_dwell = 5 * kMinute;
  config.resend_every = 60 * kMinute;
  Harness h(config);
  h.Run(kMinute, Live);
  EXPECT_EQ(h.controller->commanded()[0].setpoint_c, 24);
  ASSERT_TRUE(h.controller->SetManualSetpoint("ac1", 28).ok());
  std::vector<TimeNs> ac1_times;
  std::vector<double> ac1_setpoints;
  const TimeNs start = h.now;
  for (int i = 0; i < 30; ++i) {
    for (const AcCommandOut& c : h.Run(kMinute, Live)) {
      if (c.ac != "ac1") continue;
      ac1_times.push_back(h.now - start);
      ac1_setpoints.push_back(c.state.setpoint_c);
    }
  }
  ASSERT_GE(ac1_setpoints.size(), 4u);
  double last = 24;
  for (size_t i = 0; i < ac1_setpoints.size(); ++i) {
    EXPECT_LE(std::abs(ac1_setpoints[i] - last), 1.0);  // max_step_c
    last = ac1_setpoints[i];
    if (i > 0) {
      EXPECT_GE(ac1_times[i] - ac1_times[i - 1], 5 * kMinute);  // min_dwell
    }
  }
  EXPECT_EQ(ac1_setpoints.back(), 28);
  EXPECT_EQ(h.controller->commanded()[1].setpoint_c, 24);  // ac2 untouched
}

TEST(ControllerTest, ResendsTheFullStatePeriodically) {
  ControllerConfig config = TwoRacks("fixed:24");
  config.resend_every = 10 * kMinute;
  Harness h(config);
  const auto commands = h.Run(35 * kMinute, Live);
  int ac1 = 0, resends = 0;
  for (const AcCommandOut& c : commands) {
    if (c.ac != "ac1") continue;
    ++ac1;
    resends += c.reason == "resend";
    EXPECT_EQ(c.state, (AcTarget{true, 24}));
  }
  EXPECT_EQ(ac1, 4);  // 0, 10, 20, 30 min
  EXPECT_EQ(resends, 3);
  EXPECT_EQ(h.controller->counters().resends, 6u);
}

TEST(ControllerTest, OperatorStepsWithinTheRange) {
  Harness h(TwoRacks("optimal"));
  EXPECT_FALSE(h.controller->NudgeManualSetpoint("ac1", 1).ok());  // not the manual policy
  ASSERT_TRUE(h.controller->SetPolicy("manual").ok());
  h.Run(kMinute, Live);
  ASSERT_TRUE(h.controller->SetManualSetpoint("ac1", 29).ok());
  h.Run(6 * kMinute, Live);  // 24 -> 29 in bounded steps
  EXPECT_EQ(h.controller->commanded()[0].setpoint_c, 29);
  ASSERT_TRUE(h.controller->NudgeManualSetpoint("ac1", 1).ok());
  h.Run(2 * kMinute, Live);
  EXPECT_EQ(h.controller->commanded()[0].setpoint_c, 30);
  const Status above = h.controller->NudgeManualSetpoint("ac1", 1);
  EXPECT_EQ(above.code(), StatusCode::kOutOfRange);
  EXPECT_FALSE(h.controller->SetManualSetpoint("ac1", 17).ok());
  EXPECT_EQ(h.controller->NudgeManualSetpoint("ac7", 1).code(), StatusCode::kNotFound);
  EXPECT_FALSE(h.controller->SetPolicy("warp:9").ok());
}

TEST(ControllerTest, DecisionLogIsBoundedAndRendersAsJson) {
  ControllerConfig config = TwoRacks("hysteresis");
  config.decision_log_size = 3;
  Harness h(config);
  h.Run(10 * kMinute, Live);
  ASSERT_EQ(h.controller->decisions().size(), 3u);
  const DecisionRecord& last = h.controller->decisions().back();
  EXPECT_EQ(last.policy, "hysteresis:23:25");
  EXPECT_EQ(last.healthy_racks, 2u);
  EXPECT_FALSE(last.reason.empty());
  const auto j = nlohmann::json::parse(h.controller->DecisionsJson(2));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[1]["policy"], "hysteresis:23:25");
  EXPECT_TRUE(j[1]["inputs"]["hottest_peak_c"].is_number());
  EXPECT_EQ(j[1]["decided"]["ac1"]["power"], true);
  EXPECT_TRUE(j[1]["reason"].is_string());
}

TEST(ControllerTest, CommandResultsAreRetriedOrRaised) {
  ControllerConfig config = TwoRacks("fixed:24");
  config.stale_after = kNanosPerHour;  // no readings in this test
  Harness h(config);
  Controller& c = *h.controller;
  auto first = c.Tick(h.now);
  ASSERT_EQ(first.size(), 2u);
  c.OnCommandResult(first[0].id, CommandResult::kRateLimited, h.now);
  c.OnCommandResult(first[1].id, CommandResult::kRefused, h.now);
  c.OnCommandResult("ctl-999", CommandResult::kApplied, h.now);
  EXPECT_EQ(c.counters().results_unknown, 1u);
  h.now += 10 * kSecond;
  auto again = c.Tick(h.now);
  ASSERT_EQ(again.size(), 1u);  // the rate-limited one at once; the refused one after the dwell
  EXPECT_EQ(again[0].ac, "ac1");
  EXPECT_EQ(again[0].reason, "retry");
  bool refused = false;
  for (const Condition& cond : c.conditions())
    refused = refused || (cond.kind == "command_refused" && cond.subject == "ac2");
  EXPECT_TRUE(refused);
  h.now += kMinute;
  auto later = c.Tick(h.now);
  ASSERT_EQ(later.size(), 1u) << later[0].ac << " " << later[0].reason;
  EXPECT_EQ(later[0].ac, "ac2");
  c.OnCommandResult(later[0].id, CommandResult::kApplied, h.now);
  EXPECT_TRUE(c.conditions().empty());
  EXPECT_EQ(ParseCommandResult("rate_limited"), CommandResult::kRateLimited);
  EXPECT_EQ(ParseCommandResult("maybe"), std::nullopt);
}

TEST(ControllerTest, UnitThatDrawsNoPowerIsNotObeyingAndTheOtherCools) {
  Harness h(TwoRacks("fixed:24"));
  // ac2's fan never runs although it is told to: its IR receiver is dead.
  h.Run(5 * kMinute, Live,
        [](size_t a, TimeNs) -> std::optional<double> { return a == 0 ? 3000.0 : 0.0; });
  EXPECT_TRUE(h.HasCondition("ac_not_obeying", "ac2"));
  EXPECT_FALSE(h.HasCondition("ac_not_obeying", "ac1"));
  EXPECT_TRUE(h.controller->commanded()[0].power_on);
  EXPECT_EQ(h.controller->decisions().back().unavailable_acs, std::vector<std::string>{"ac2"});
  EXPECT_EQ(h.controller->decisions().back().mode, "safe");
}

}  // namespace
}  // namespace coolflow::hub::control
