// The policies on their own, given observations by hand, and the registry.
#include "hub/control/policy.h"

#include <gtest/gtest.h>

#include <cmath>

#include "hub/control/rls.h"

namespace coolflow::hub::control {
namespace {

constexpr TimeNs kT0 = 1'748'822'400LL * kNanosPerSecond;

ControllerConfig Config(size_t acs) {
  ControllerConfig c;
  c.racks = {{"r1", ""}, {"r2", ""}};
  for (size_t a = 0; a < acs; ++a)
    c.acs.push_back({"ac" + std::to_string(a + 1), "", "", 200});
  return c;
}

Observation Observe(TimeNs now, double hottest, const std::vector<AcTarget>& commanded,
                    std::optional<double> duty = std::nullopt) {
  Observation o;
  o.now = now;
  for (int r = 0; r < 2; ++r) {
    RackView v;
    v.healthy = true;
    v.raw_c = v.latest_c = v.peak_c = hottest - r;
    o.racks.push_back(v);
  }
  o.hottest_peak_c = hottest;
  for (const AcTarget& t : commanded) {
    AcView v;
    v.commanded = t;
    if (duty && t.power_on) v.duty = *duty;
    o.acs.push_back(v);
  }
  return o;
}

TEST(PolicyRegistryTest, HoldsTheBuiltInPoliciesByName) {
  const auto names = PolicyRegistry::Global().names();
  EXPECT_EQ(names, (std::vector<std::string>{"fixed", "hysteresis", "manual", "optimal"}));
  const ControllerConfig config = Config(1);
  EXPECT_EQ((*PolicyRegistry::Global().Make("fixed:20", config))->name(), "fixed:20");
  EXPECT_EQ((*PolicyRegistry::Global().Make("hysteresis", config))->name(), "hysteresis:23:25");
  EXPECT_EQ(PolicyRegistry::Global().Make("nope", config).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(PolicyRegistry::Global().Make("hysteresis:25:23", config).ok());
  EXPECT_FALSE(PolicyRegistry::Global().Make("fixed", config).ok());
  EXPECT_FALSE(PolicyRegistry::Global().Make("optimal:fast", config).ok());
}

TEST(PolicyRegistryTest, ANewPolicyRegistersWithoutTouchingTheOthers) {
  PolicyRegistry registry;
  struct Off final : Policy {
    std::string name() const override { return "off"; }
    PolicyDecision Decide(const Observation& o) override {
      return {std::vector<AcTarget>(o.acs.size(), AcTarget{false, 30}), "all off"};
    }
  };
  registry.Register("off", [](std::string_view, const ControllerConfig&) {
    return Result<std::unique_ptr<Policy>>(std::make_unique<Off>());
  });
  auto policy = registry.Make("off", Config(1));
  ASSERT_TRUE(policy.ok());
  EXPECT_FALSE((*policy)->Decide(Observe(kT0, 24, {{true, 24}})).targets[0].power_on);
}

TEST(HysteresisPolicyTest, FollowsTheSeedsRule) {
  ControllerConfig config = Config(2);
  auto policy = PolicyRegistry::Global().Make("hysteresis:23:25", config).value();
  std::vector<AcTarget> now = {{true, 24}, {true, 24}};
  auto d = policy->Decide(Observe(kT0, 25.5, now));
  EXPECT_EQ(d.targets[0], (AcTarget{true, 23}));
  // At most one change per 5 minutes.
  d = policy->Decide(Observe(kT0 + 2 * kNanosPerMinute, 26, d.targets));
  EXPECT_EQ(d.targets[1].setpoint_c, 23);
  d = policy->Decide(Observe(kT0 + 5 * kNanosPerMinute, 26, d.targets));
  EXPECT_EQ(d.targets[1].setpoint_c, 22);
  d = policy->Decide(Observe(kT0 + 10 * kNanosPerMinute, 22, d.targets));
  EXPECT_EQ(d.targets[1].setpoint_c, 23);
  d = policy->Decide(Observe(kT0 + 15 * kNanosPerMinute, 24, d.targets));
  EXPECT_EQ(d.targets[1].setpoint_c, 23);  // inside the band: hold
}

TEST(OptimalPolicyTest, RunsFewerUnitsWhenFewerCarryTheLoad) {
  ControllerConfig config = Config(3);
  auto policy = PolicyRegistry::Global().Make("optimal", config).value();
  std::vector<AcTarget> targets(3, AcTarget{true, 22});
  TimeNs t = kT0;
  // Three units each 20 % busy, inlets well under the target: 0.6 units' worth of load.
  for (int i = 0; i < 40; ++i, t += kNanosPerMinute)
    targets = policy->Decide(Observe(t, 22, targets, 0.2)).targets;
  int on = 0;
  for (const AcTarget& a : targets)
    on += a.power_on;
  EXPECT_EQ(on, 2);  // one step down per 30 minutes
  for (int i = 0; i < 40; ++i, t += kNanosPerMinute)
    targets = policy->Decide(Observe(t, 22, targets, 0.3)).targets;
  on = 0;
  for (const AcTarget& a : targets)
    on += a.power_on;
  EXPECT_EQ(on, 1);
  // The one left runs flat out and the inlets near the target: another joins at once.
  auto d = policy->Decide(Observe(t, config.inlet_target_c - 0.2, targets, 1.0));
  on = 0;
  for (const AcTarget& a : d.targets)
    on += a.power_on;
  EXPECT_EQ(on, 2);
  EXPECT_NE(d.reason.find("one more"), std::string::npos);
}

TEST(OptimalPolicyTest, LearnsTheInletOffsetAndSetsTheSetpointFromIt) {
  ControllerConfig config = Config(1);
  auto policy = PolicyRegistry::Global().Make("optimal", config).value();
  std::vector<AcTarget> targets = {{true, 22}};
  TimeNs t = kT0;
  // A room whose hottest inlet, with the compressor off, peaks 1.5 K above the setpoint.
  for (int i = 0; i < 600; ++i, t += kNanosPerMinute) {
    const double setpoint = targets[0].setpoint_c;
    const bool off = i % 4 != 0;  // the compressor runs one interval in four
    targets =
        policy->Decide(Observe(t, off ? setpoint + 1.5 : setpoint - 4, targets, off ? 0.0 : 1.0))
            .targets;
  }
  // target 26 - offset 1.5 - margin: the setpoint settles at 24 C.
  EXPECT_EQ(targets[0].setpoint_c, 24);
  EXPECT_NE(policy->ModelJson().find("\"offset_k\""), std::string::npos);
}

TEST(RlsTest, RecoversALinearRelation) {
  Rls<3> rls({0, 0, 0}, {100, 100, 100}, 0.999);
  for (int i = 0; i < 500; ++i) {
    const double x1 = std::sin(i * 0.37) * 5;
    const double x2 = std::cos(i * 0.11) * 3;
    rls.Update({1, x1, x2}, 2.0 + 0.8 * x1 - 1.5 * x2);
  }
  EXPECT_NEAR(rls.theta()[0], 2.0, 1e-3);
  EXPECT_NEAR(rls.theta()[1], 0.8, 1e-3);
  EXPECT_NEAR(rls.theta()[2], -1.5, 1e-3);
  EXPECT_EQ(rls.samples(), 500u);
}

}  // namespace
}  // namespace coolflow::hub::control
