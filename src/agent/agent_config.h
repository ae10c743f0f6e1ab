// `coolflow agent --config agent.yaml`: the configuration file, one strict schema
// (docs/agent.md). Errors read "<file>:<line>:<column>: <field>: <why>"; the CLI exits 2.
//
// Input and device kinds are registered by name (kinds.h): the generic keys (kind, name,
// interval, ...) are read here, the kind's own keys by the kind's binding, and each entry
// ends up as a factory that builds the input or actuator when the agent starts.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/actuator.h"
#include "agent/input.h"
#include "common/clock.h"
#include "common/status.h"
#include "transport/broker_settings.h"
#include "transport/transport.h"

namespace coolflow::agent {

class SimulatedRoom;

// What a kind's factory may use when the agent builds it.
struct AgentEnv {
  std::string box;
  const Clock* clock = nullptr;
  SimulatedRoom* room = nullptr;  // set when the config has a `room` section
  // Publishes a message now, outside the spool (devices that speak MQTT themselves).
  std::function<Status(const transport::Message&)> publish;
  std::string topic_prefix;
  char topic_separator = '/';
};

using InputFactory = std::function<Result<std::unique_ptr<Input>>(const AgentEnv&)>;
using ActuatorFactory = std::function<Result<std::unique_ptr<Actuator>>(const AgentEnv&)>;

struct InputSpec {
  std::string kind;  // "room", "sysfs", "snmp", "host"
  std::string name;  // unique among inputs; defaults to the kind
  TimeNs interval = 10 * kNanosPerSecond;
  TimeNs timeout = 0;    // how long a poll may take; 0 = 80 % of the interval
  std::string location;  // "agent.yaml:14:5: inputs[1]", for errors found at start
  InputFactory make;
};

// The kinds of device a command can name.
enum class DeviceClass { kAirConditioner, kFan };

struct DeviceSpec {
  std::string kind;  // "lirc", "room", "fan", "mqtt"
  std::string name;  // what commands call it; unique
  DeviceClass device_class = DeviceClass::kAirConditioner;
  double min_setpoint_c = 18;  // the seed's limits
  double max_setpoint_c = 30;
  TimeNs min_interval = 5 * kNanosPerSecond;  // between two commands accepted for it
  std::string location;
  ActuatorFactory make;
};

enum class TransportKind { kMqtt, kKafka };
enum class WireFormat {
  kCoolflowJson,  // every reading as coolflow NDJSON, topic per measurement
  kSeed,          // temp -> the seed's CSV, resource -> its JSON; others coolflow JSON
};

// The broker sections' schema is shared with the hub (transport/broker_settings.h).
using MqttSettings = transport::MqttSettings;
using KafkaSettings = transport::KafkaSettings;

struct DeliverySettings {
  TransportKind transport = TransportKind::kMqtt;
  WireFormat format = WireFormat::kCoolflowJson;
  std::string topic_prefix = "coolflow";
  size_t max_in_flight = 64;
  MqttSettings mqtt;
  KafkaSettings kafka;
};

struct SpoolSettings {
  std::string dir = "/var/lib/coolflow/spool";
  uint64_t max_mb = 64;
  TimeNs sync_interval = kNanosPerSecond;
  TimeNs checkpoint_interval = 10 * kNanosPerSecond;
};

struct RoomSettings {
  std::string scenario;  // path, resolved against the config file's folder
  double speed = 1;      // simulated seconds per wall-clock second
};

struct MetricsSettings {
  std::string host = "127.0.0.1";
  int port = 9108;  // 0: any free port; -1: no metrics endpoint
};

struct AgentConfig {
  std::string source;  // the file it came from
  std::string box;     // this agent's box id
  std::optional<RoomSettings> room;
  std::vector<InputSpec> inputs;
  std::vector<DeviceSpec> devices;
  DeliverySettings delivery;
  SpoolSettings spool;
  MetricsSettings metrics;
  std::string log_level = "info";
};

// Parses a config from YAML text; `source` names it in errors, `folder` resolves relative
// paths (scenario, password_file, TLS files).
Result<AgentConfig> ParseAgentConfig(std::string_view yaml, std::string_view source,
                                     const std::string& folder);
// Reads and parses a config file.
Result<AgentConfig> LoadAgentConfig(const std::string& path);

}  // namespace coolflow::agent
