#include "agent/commands.h"

#include <gtest/gtest.h>

#include "nlohmann/json.hpp"

namespace coolflow::agent {
namespace {

TEST(Commands, ReadsCoolflowJson) {
  auto c = ParseCommand(
      R"({"id":"c-1","device":"ac1","power":true,"setpoint_c":24.5,"mode":"cool","fan":"low"})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->id, "c-1");
  EXPECT_EQ(c->device, "ac1");
  EXPECT_EQ(c->power, true);
  EXPECT_EQ(c->setpoint_c, 24.5);
  EXPECT_EQ(c->mode, "cool");
  EXPECT_EQ(c->fan, "low");
  EXPECT_FALSE(c->fan_percent.has_value());
}

TEST(Commands, ReadsTheSeedsQueryString) {
  auto c = ParseCommand("name=ServerRoom_AC1&temperature=22&direction=-1");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->device, "ServerRoom_AC1");
  EXPECT_EQ(c->setpoint_c, 22);
  EXPECT_EQ(c->power, true);
}

TEST(Commands, RefusesBadMessagesSayingWhy) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "command: empty message"},
      {"{", "command: not valid JSON"},
      {" \n", "command: empty message"},
      {R"({"device":"ac1"})",
       "command: nothing to do (no power, setpoint_c, mode, fan or fan_percent)"},
      {R"({"setpoint_c":24})", "command: missing field \"device\""},
      {R"({"device":"ac1","setpoint_c":"24"})", "command: setpoint_c: expected a number"},
      {R"({"device":"ac1","power":1})", "command: power: expected true or false"},
      {R"({"device":"ac1","mode":"turbo"})",
       "command: mode: expected one of cool, dry, fan, heat, auto"},
      {R"({"device":"ac1","setpoint":24})", "command: unknown field \"setpoint\""},
  };
  for (const auto& [payload, error] : cases) {
    auto c = ParseCommand(payload);
    ASSERT_FALSE(c.ok()) << payload;
    EXPECT_EQ(c.status().message(), error) << payload;
  }
  auto seed = ParseCommand("name=ac1&temperature=hot");
  ASSERT_FALSE(seed.ok());
  EXPECT_TRUE(seed.status().message().starts_with("command: ")) << seed.status().message();
}

std::vector<DeviceSpec> Devices() {
  DeviceSpec ac;
  ac.name = "ac1";
  ac.min_interval = 10 * kNanosPerSecond;
  DeviceSpec fan;
  fan.name = "fan1";
  fan.device_class = DeviceClass::kFan;
  fan.min_interval = 0;
  return {ac, fan};
}

TEST(CommandGate, RefusesUnknownDevicesAndOutOfRangeValues) {
  const std::vector<DeviceSpec> devices = Devices();
  CommandGate gate(devices);
  CommandOutcome outcome{};
  Command c;
  c.device = "ac9";
  c.setpoint_c = 24;
  Status s = gate.Admit(c, 0, outcome);
  EXPECT_EQ(s.message(), "unknown device \"ac9\"");
  EXPECT_EQ(outcome, CommandOutcome::kRefused);
  c.device = "ac1";
  c.setpoint_c = 31;
  EXPECT_EQ(gate.Admit(c, 0, outcome).message(), "setpoint 31 C is outside 18..30 C for ac1");
  c.setpoint_c = 17.5;
  EXPECT_FALSE(gate.Admit(c, 0, outcome).ok());
  c.device = "fan1";
  c.setpoint_c = 24;
  EXPECT_EQ(gate.Admit(c, 0, outcome).message(), "fan1 is a fan: it has no setpoint");
  c.setpoint_c.reset();
  c.fan_percent = 120;
  EXPECT_EQ(gate.Admit(c, 0, outcome).message(), "fan_percent 120 is outside 0..100");
  c.fan_percent = 40;
  EXPECT_TRUE(gate.Admit(c, 0, outcome).ok());
  EXPECT_EQ(outcome, CommandOutcome::kApplied);
}

TEST(CommandGate, RateLimitsEachDeviceOnItsOwn) {
  const std::vector<DeviceSpec> devices = Devices();
  CommandGate gate(devices);
  CommandOutcome outcome{};
  Command ac;
  ac.device = "ac1";
  ac.setpoint_c = 24;
  ASSERT_TRUE(gate.Admit(ac, 0, outcome).ok());
  Status again = gate.Admit(ac, 3 * kNanosPerSecond, outcome);
  EXPECT_EQ(outcome, CommandOutcome::kRateLimited);
  EXPECT_EQ(again.message(), "ac1 took a command 3s ago; at most one per 10s");
  // A refused command does not restart the interval; the other device is unaffected.
  Command fan;
  fan.device = "fan1";
  fan.fan_percent = 50;
  EXPECT_TRUE(gate.Admit(fan, 3 * kNanosPerSecond, outcome).ok());
  EXPECT_TRUE(gate.Admit(ac, 10 * kNanosPerSecond, outcome).ok());
}

TEST(Commands, RepliesCarryOutcomeStateAndReason) {
  Command c;
  c.id = "c-7";
  c.device = "ac1";
  AcState state;
  state.setpoint_c = 22;
  const auto ok = nlohmann::json::parse(
      FormatReply("pi-1", c, CommandOutcome::kApplied, Status::Ok(), state, 0));
  EXPECT_EQ(ok["id"], "c-7");
  EXPECT_EQ(ok["box"], "pi-1");
  EXPECT_EQ(ok["outcome"], "applied");
  EXPECT_EQ(ok["ok"], true);
  EXPECT_EQ(ok["state"]["setpoint_c"], 22);
  EXPECT_EQ(ok["time"], "1970-01-01T00:00:00Z");
  EXPECT_FALSE(ok.contains("error"));
  const auto refused =
      nlohmann::json::parse(FormatReply("pi-1", c, CommandOutcome::kRefused,
                                        OutOfRange("setpoint 31 C is outside"), std::nullopt, 0));
  EXPECT_EQ(refused["ok"], false);
  EXPECT_EQ(refused["error"], "setpoint 31 C is outside");
  // A device name that is not UTF-8 does not break the reply.
  c.device = "\xff";
  EXPECT_NO_THROW(FormatReply("pi-1", c, CommandOutcome::kRefused, NotFound("x"), std::nullopt, 0));
}

}  // namespace
}  // namespace coolflow::agent
