#include <gtest/gtest.h>

#include <ostream>

#include "hub/control/controller_config.h"
#include "room/scenario.h"

namespace coolflow::hub::control {
namespace {

TEST(ControllerConfigTest, ParsesASectionAndKeepsDefaults) {
  auto config = ParseControllerConfigText(R"(policy: hysteresis:22:24
racks:
  - {id: r01, box: pi-1}
  - id: r02
acs:
  - {name: ac1, box: pi-1, device: ServerRoom_AC1, fan_w: 150}
  - name: ac2
inlet_target_c: 25
resend_every: 5m
)",
                                          "hub.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->policy, "hysteresis:22:24");
  ASSERT_EQ(config->racks.size(), 2u);
  EXPECT_EQ(config->racks[0].box, "pi-1");
  EXPECT_EQ(config->racks[1].box, "");
  ASSERT_EQ(config->acs.size(), 2u);
  EXPECT_EQ(config->acs[0].device, "ServerRoom_AC1");
  EXPECT_EQ(config->acs[1].device, "ac2");  // defaults to the name
  EXPECT_EQ(config->acs[0].fan_w, 150);
  EXPECT_EQ(config->inlet_target_c, 25);
  EXPECT_EQ(config->resend_every, 5 * kNanosPerMinute);
  // Defaults.
  EXPECT_EQ(config->interval, 60 * kNanosPerSecond);
  EXPECT_EQ(config->min_setpoint_c, 18);
  EXPECT_EQ(config->max_setpoint_c, 30);
  EXPECT_EQ(config->inlet_limit_c, 27);
}

TEST(ControllerConfigTest, DefaultPolicyIsOptimal) {
  auto config = ParseControllerConfigText("racks: [{id: r1}]\nacs: [{name: a}]\n", "c.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->policy, "optimal");
  EXPECT_EQ(config->inlet_target_c, 26);
}

struct BadCase {
  const char* yaml;
  const char* error;
};

void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.error;
}

class ControllerConfigErrorTest : public testing::TestWithParam<BadCase> {};

TEST_P(ControllerConfigErrorTest, NamesFileLineAndField) {
  auto config = ParseControllerConfigText(GetParam().yaml, "hub.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Errors, ControllerConfigErrorTest,
    testing::Values(
        BadCase{"racks: [{id: r1}]\nacs:\n  - {name: a, fann_w: 100}\n",
                "hub.yaml:3:15: acs[0].fann_w: unknown key; did you mean \"fan_w\"?"},
        BadCase{"racks: [{id: r1}]\nacs: [{name: a}]\npolicy: greedy\n",
                "hub.yaml:3:9: policy: unknown policy \"greedy\"; expected one of: fixed, "
                "hysteresis, manual, optimal"},
        BadCase{"racks: [{id: r1}]\nacs: [{name: a}]\npolicy: fixed:35\n",
                "hub.yaml:3:9: policy: policy \"fixed:35\": \"35\" is not a setpoint in 18..30 C"},
        BadCase{"racks: [{id: r1}]\nacs: [{name: a}]\ninterval: 1 min\n",
                "hub.yaml:3:11: interval: \"1 min\" is not a duration (write e.g. 10s, 15m, "
                "1.5h, 7d, or a number of seconds)"},
        BadCase{"racks: [{id: r1}]\nacs: [{name: a}]\ninlet_target_c: \"26\"\n",
                "hub.yaml:3:17: inlet_target_c: expected a number, got the string \"26\" (drop "
                "the quotes)"},
        BadCase{"racks: [{id: r1}]\nacs: [{name: a}, {name: a}]\n",
                "hub.yaml:2:25: acs[1].name: duplicate AC \"a\""},
        BadCase{"racks: [{box: b}]\nacs: [{name: a}]\n",
                "hub.yaml:1:9: racks[0]: missing required key \"id\""},
        BadCase{"racks: [{id: r1}]\nacs: [{name: a}]\nsafe_setpoint_c: 16\n",
                "hub.yaml:1:1: safe_setpoint_c: 16 is outside the setpoint range 18..30"},
        BadCase{"racks: [{id: r1}]\n", "hub.yaml:1:1: acs: at least one AC is needed"},
        BadCase{"racks: [{id: r1}]\nacs: [{name: a}]\nmax_step_c: 0\n",
                "hub.yaml:3:13: max_step_c: 0 is outside 0.1..20"}));

TEST(ControllerConfigTest, NestsUnderAHubConfigKey) {
  yaml::Reader reader("hub.yaml");
  auto root = reader.LoadDocument("store: {}\ncontrol:\n  racks: [{id: r1}]\n  acs: [{nam: a}]\n",
                                  "a hub config");
  ASSERT_TRUE(root.ok());
  const yaml::Item item{root->node["control"], root->node["control"].Mark(), "control"};
  auto config = ParseControllerConfig(reader, item);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            "hub.yaml:4:10: control.acs[0].nam: unknown key; did you mean \"name\"?");
}

TEST(ControllerConfigTest, BuildsFromAScenario) {
  auto scenario = room::ParseScenario(R"(racks: [{id: r01}, {id: r02}]
acs: [{id: ac1, fan_w: 250, setpoint_c: 23}, {id: ac2}]
sensors: {interval: 30s}
)",
                                      "s.yaml");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  const ControllerConfig config = ControllerConfigFromScenario(*scenario, "room-box");
  ASSERT_EQ(config.racks.size(), 2u);
  EXPECT_EQ(config.racks[1].id, "r02");
  EXPECT_EQ(config.racks[1].box, "room-box");
  ASSERT_EQ(config.acs.size(), 2u);
  EXPECT_EQ(config.acs[0].device, "ac1");
  EXPECT_EQ(config.acs[0].fan_w, 250);
  EXPECT_EQ(config.initial_setpoint_c, 23);
  // Staleness scales with a slow sensor interval.
  EXPECT_EQ(config.stale_after, 150 * kNanosPerSecond);
  EXPECT_TRUE(ValidateControllerConfig(config).ok());
}

}  // namespace
}  // namespace coolflow::hub::control
