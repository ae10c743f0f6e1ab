#include "agent/agent_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace coolflow::agent {
namespace {

const std::string kScenarioFolder = std::string(COOLFLOW_SOURCE_DIR) + "/configs";

Result<AgentConfig> Parse(const std::string& yaml) {
  return ParseAgentConfig(yaml, "agent.yaml", kScenarioFolder);
}

constexpr const char* kGood = R"(box: pi-1
room:
  scenario: ../scenarios/steady-week.yaml
  speed: 60
inputs:
  - kind: room
    interval: 2s
    racks: [r01, r02]
devices:
  - name: ac1
    kind: room
    min_interval: 10s
  - name: fan-r01
    kind: mqtt
    class: fan
delivery:
  format: seed
  topic_prefix: site-a
  mqtt: {host: 127.0.0.1, port: 1884}
spool:
  dir: /tmp/spool
  max_mb: 8
metrics:
  port: 0
)";

TEST(AgentConfig, ReadsEverySection) {
  auto config = Parse(kGood);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->box, "pi-1");
  ASSERT_TRUE(config->room.has_value());
  EXPECT_EQ(config->room->speed, 60);
  ASSERT_EQ(config->inputs.size(), 1u);
  EXPECT_EQ(config->inputs[0].name, "room");
  EXPECT_EQ(config->inputs[0].interval, 2 * kNanosPerSecond);
  EXPECT_EQ(config->inputs[0].timeout, 1600 * kNanosPerMilli);  // 80 % of the interval
  EXPECT_EQ(config->inputs[0].location, "agent.yaml:6:5: inputs[0]");
  ASSERT_EQ(config->devices.size(), 2u);
  EXPECT_EQ(config->devices[0].min_interval, 10 * kNanosPerSecond);
  EXPECT_EQ(config->devices[1].device_class, DeviceClass::kFan);
  EXPECT_EQ(config->delivery.format, WireFormat::kSeed);
  EXPECT_EQ(config->delivery.mqtt.port, 1884);
  EXPECT_EQ(config->spool.max_mb, 8u);
  EXPECT_EQ(config->metrics.port, 0);
}

TEST(AgentConfig, TheShippedExampleLoads) {
  auto config = LoadAgentConfig(kScenarioFolder + "/agent-sim.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->box, "pi-sim");
}

struct BadCase {
  std::string yaml;
  std::string error;  // the whole message
};

TEST(AgentConfig, RefusesBadFilesWithLineAndField) {
  const BadCase cases[] = {
      {"inputs: []\n", "agent.yaml:1:1: missing required key \"box\""},
      {"box: pi-1\nboxx: 2\n", "agent.yaml:2:1: boxx: unknown key; did you mean \"box\"?"},
      {"box: pi 1\ninputs: []\n",
       "agent.yaml:1:6: box: box id 'pi 1' has a character outside [A-Za-z0-9_.-] at byte 2"},
      {"box: pi-1\n", "agent.yaml:1:1: no inputs: the agent would read nothing"},
      {"box: pi-1\ninputs:\n  - kind: thermometer\n",
       "agent.yaml:3:11: inputs[0].kind: unknown input kind; expected one of: room, sysfs, snmp, "
       "host"},
      {"box: pi-1\ninputs:\n  - interval: 5s\n",
       "agent.yaml:3:5: inputs[0]: missing required key \"kind\""},
      {"box: pi-1\ninputs:\n  - kind: room\n    interval: 5 s\n",
       "agent.yaml:4:15: inputs[0].interval: \"5 s\" is not a duration (write e.g. 10s, 15m, "
       "1.5h, 7d, or a number of seconds)"},
      {"box: pi-1\ninputs:\n  - kind: room\n    intervall: 5s\n",
       "agent.yaml:4:5: inputs[0].intervall: unknown key; did you mean \"interval\"?"},
      {"box: pi-1\ninputs:\n  - kind: room\n",
       "agent.yaml:3:5: inputs[0]: kind room needs a top-level `room` section"},
      {"box: pi-1\ninputs:\n  - kind: room\n    interval: 1s\n    timeout: 2s\n",
       "agent.yaml:3:5: inputs[0]: timeout 2s is longer than the interval 1s"},
      {"box: pi-1\ninputs:\n  - {kind: room, racks: [r1]}\n  - {kind: room}\n",
       "agent.yaml:4:5: inputs[1]: input name \"room\" is used twice; set name"},
      {"box: pi-1\ninputs: [{kind: room}]\ndelivery:\n  mqtt:\n    password: hunter2\n",
       "agent.yaml:5:15: delivery.mqtt.password: is never written in the config; put it in a "
       "file and set password_file"},
      {"box: pi-1\ninputs: [{kind: room}]\ndelivery:\n  mqtt:\n    port: 70000\n",
       "agent.yaml:5:11: delivery.mqtt.port: 70000 is outside 1..65535"},
      {"box: pi-1\ninputs: [{kind: room}]\ndelivery:\n  transport: kafka\n",
       "agent.yaml:1:1: delivery.kafka.brokers: required with transport: kafka"},
      {"box: pi-1\ninputs: [{kind: room}]\ndevices:\n  - {kind: room, name: ac1, "
       "min_setpoint: 30, max_setpoint: 18}\n",
       "agent.yaml:4:5: devices[0]: min_setpoint 30 is not below max_setpoint 18"},
      {"box: pi-1\ninputs: [{kind: room}]\ndevices:\n  - {kind: mqtt, name: x, class: heater}\n",
       "agent.yaml:4:34: devices[0].class: unknown device class; expected one of: ac, fan"},
      {"box: pi-1\ninputs: [{kind: room}]\nroom:\n  speed: 2\n",
       "agent.yaml:4:3: room: missing required key \"scenario\""},
      {"box: pi-1\ninputs: [{kind: room}]\nroom:\n  scenario: nowhere.yaml\n",
       "agent.yaml:4:13: room.scenario: no such file: " + kScenarioFolder + "/nowhere.yaml"},
      {"box: pi-1\ninputs:\n  - kind: sysfs\n",
       "agent.yaml:3:5: inputs[0]: no sensors: list them under sensors"},
      {"box: pi-1\ninputs:\n  - kind: sysfs\n    sensors:\n      - {name: t1, kind: i2c, device: "
       "x}\n",
       "agent.yaml:5:26: inputs[0].sensors[0].kind: unknown sensor kind; expected one of: iio, w1, "
       "hwmon"},
      {"box: pi-1\ninputs:\n  - kind: sysfs\n    sensors:\n      - {name: t1, kind: w1}\n",
       "agent.yaml:5:9: inputs[0].sensors[0]: missing required key \"device\""},
      {"box: pi-1\ninputs:\n  - kind: host\n    procroot: /proc\n",
       "agent.yaml:4:5: inputs[0].procroot: unknown key; did you mean \"proc_root\"?"},
      {"box: pi-1\ninputs: [{kind: host}]\ndevices:\n  - {kind: fan, name: f1}\n",
       "agent.yaml:4:5: devices[0]: missing required key \"device\""},
      {"box: pi-1\ninputs: [{kind: host}]\ndevices:\n  - {kind: lirc, name: ac1, keys: {setpoint: "
       "\"SET_{temp}\"}}\n",
       "agent.yaml:4:5: devices[0]: keys.setpoint: key template \"SET_{temp}\": unknown "
       "placeholder {temp} (known: {setpoint}, {mode}, {MODE}, {fan}, {FAN})"},
      {"box: pi-1\ninputs:\n  - kind: snmp\n    targets:\n      - {box: srv-1, address: "
       "127.0.0.1, community: public}\n",
       "agent.yaml:5:53: inputs[0].targets[0].community: is a secret: never written in the "
       "config; put it in a file and set community_file"},
      {"box: pi-1\ninputs:\n  - kind: snmp\n    targets:\n      - {box: srv-1, address: "
       "127.0.0.1, community_file: nowhere}\n",
       "agent.yaml:5:58: inputs[0].targets[0].community_file: no such file: " + kScenarioFolder +
           "/nowhere"},
      {"box: pi-1\ninputs:\n  - kind: snmp\n    targets:\n      - {box: srv-1, address: "
       "localhost}\n",
       "agent.yaml:3:5: inputs[0]: targets[0] (box srv-1): address 'localhost': 'localhost' is not "
       "an IPv4 address (host names are not resolved: net-snmp would block on DNS whenever a "
       "session opens)"},
      {"box: pi-1\ninputs:\n  - kind: snmp\n",
       "agent.yaml:3:5: inputs[0]: no targets: list the "
       "boxes to poll"},
      {"box: pi-1\n---\nbox: pi-2\n", "agent.yaml:2:1: an agent config holds one YAML document"},
      {"box: [pi-1\n", "agent.yaml:2:1: YAML syntax error: end of sequence flow not found"},
  };
  for (const BadCase& c : cases) {
    auto config = Parse(c.yaml);
    ASSERT_FALSE(config.ok()) << c.yaml;
    EXPECT_EQ(config.status().message(), c.error) << c.yaml;
  }
}

TEST(AgentConfig, ReadsSnmpSecretsFromFiles) {
  const std::string dir = ::testing::TempDir();
  const std::string community = dir + "/community";
  {
    std::ofstream out(community);
    out << "s3cret-community\n";
  }
  auto config = Parse(
      "box: pi-1\ninputs:\n  - kind: snmp\n    request_timeout: 300ms\n"
      "    targets:\n      - {box: srv-1, address: 127.0.0.1:1161, "
      "community_file: " +
      community + ", interface: lo}\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->inputs[0].kind, "snmp");
}

TEST(AgentConfig, ErrorsNeverEchoAPassword) {
  auto config =
      Parse("box: pi-1\ninputs: [{kind: room}]\ndelivery:\n  mqtt:\n    password: s3cret\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message().find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace coolflow::agent
