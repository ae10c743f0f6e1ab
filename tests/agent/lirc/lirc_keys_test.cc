#include "agent/actuators/lirc/lirc_keys.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace coolflow::agent {
namespace {

std::string Trim(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const size_t last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// tests/data/lirc/key_templates.txt: "template | setpoint mode fan | key or error: text".
TEST(LircKeys, RendersTheTemplateVectors) {
  const std::string path = COOLFLOW_SOURCE_DIR "/tests/data/lirc/key_templates.txt";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot open " << path;
  std::string line;
  int cases = 0;
  for (int line_number = 1; std::getline(in, line); ++line_number) {
    if (Trim(line).empty() || Trim(line)[0] == '#') continue;
    const size_t bar1 = line.find('|');
    const size_t bar2 = line.find('|', bar1 + 1);
    ASSERT_NE(bar2, std::string::npos) << path << ":" << line_number << ": " << line;
    const std::string key_template = Trim(line.substr(0, bar1));
    std::istringstream state_fields(line.substr(bar1 + 1, bar2 - bar1 - 1));
    AcState state;
    ASSERT_TRUE(state_fields >> state.setpoint_c >> state.mode >> state.fan)
        << path << ":" << line_number;
    const std::string expected = Trim(line.substr(bar2 + 1));
    SCOPED_TRACE(path + ":" + std::to_string(line_number) + ": " + key_template);

    auto key = RenderLircKey(key_template, state);
    const std::string error_prefix = "error: ";
    if (expected.rfind(error_prefix, 0) == 0) {
      ASSERT_FALSE(key.ok()) << "rendered " << *key;
      EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(key.status().message().find(expected.substr(error_prefix.size())),
                std::string::npos)
          << key.status().ToString();
    } else {
      ASSERT_TRUE(key.ok()) << key.status().ToString();
      EXPECT_EQ(*key, expected);
    }
    ++cases;
  }
  EXPECT_GE(cases, 15);
}

TEST(LircKeys, RefusesKeysLircdCouldNotParse) {
  AcState state;
  state.mode = "dry run";
  auto spaced = RenderLircKey("MODE_{mode}", state);
  ASSERT_FALSE(spaced.ok());
  EXPECT_NE(spaced.status().message().find("not a valid lircd key name"), std::string::npos)
      << spaced.status().ToString();

  state.mode = "";
  EXPECT_FALSE(RenderLircKey("{mode}", state).ok());  // empty key
  state.mode = std::string(kMaxLircName + 1, 'x');
  EXPECT_FALSE(RenderLircKey("{mode}", state).ok());  // longer than lircd's packet allows
  state.mode = "cool\nSEND_ONCE";                     // a second command smuggled in
  EXPECT_FALSE(RenderLircKey("{mode}", state).ok());
}

TEST(LircKeys, SequenceIsTheWholeStatePowerKeyFirst) {
  LircKeys keys;
  AcState state;
  state.setpoint_c = 24;
  EXPECT_EQ(*LircKeySequence(keys, state), (std::vector<std::string>{"POWER_ON", "SET_24"}));

  keys.mode = "MODE_{MODE}";
  keys.fan = "FAN_{FAN}";
  EXPECT_EQ(*LircKeySequence(keys, state),
            (std::vector<std::string>{"POWER_ON", "SET_24", "MODE_COOL", "FAN_AUTO"}));

  state.power = false;
  EXPECT_EQ(*LircKeySequence(keys, state), std::vector<std::string>{"POWER_OFF"});

  LircKeys full_state;
  full_state.power_on = "";
  full_state.setpoint = "COOL_{setpoint}_{FAN}";
  state.power = true;
  EXPECT_EQ(*LircKeySequence(full_state, state), std::vector<std::string>{"COOL_24_AUTO"});

  state.setpoint_c = 24.5;
  auto fractional = LircKeySequence(keys, state);
  ASSERT_FALSE(fractional.ok());
  EXPECT_NE(fractional.status().message().find("keys.setpoint"), std::string::npos)
      << fractional.status().ToString();
}

TEST(LircKeys, ValidationNamesTheTemplateAtFault) {
  EXPECT_TRUE(ValidateLircKeys(LircKeys{}).ok());

  auto message_of = [](const LircKeys& keys) { return ValidateLircKeys(keys).message(); };
  LircKeys keys;
  keys.power_off = "";
  EXPECT_NE(message_of(keys).find("keys.power_off"), std::string::npos) << message_of(keys);

  keys = {};
  keys.setpoint = "SET_24";
  EXPECT_NE(message_of(keys).find("does not hold {setpoint}"), std::string::npos)
      << message_of(keys);

  keys = {};
  keys.mode = "MODE_{speed}";
  EXPECT_NE(message_of(keys).find("keys.mode"), std::string::npos) << message_of(keys);

  keys = {};
  keys.power_on = "POWER ON";
  EXPECT_NE(message_of(keys).find("keys.power_on"), std::string::npos) << message_of(keys);

  keys = {};
  keys.power_on = "";  // allowed: full-state remotes switch on with their state key
  EXPECT_TRUE(ValidateLircKeys(keys).ok());
}

TEST(LircKeys, KnowsWhichTemplatesCarryModeAndFan) {
  LircKeys keys;
  EXPECT_FALSE(LircKeysCarryMode(keys));
  EXPECT_FALSE(LircKeysCarryFan(keys));
  keys.setpoint = "COOL_{setpoint}_{FAN}";
  EXPECT_FALSE(LircKeysCarryMode(keys));
  EXPECT_TRUE(LircKeysCarryFan(keys));
  keys.mode = "MODE_{mode}";
  EXPECT_TRUE(LircKeysCarryMode(keys));
}

}  // namespace
}  // namespace coolflow::agent
