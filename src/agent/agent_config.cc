#include "agent/agent_config.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "agent/kinds.h"
#include "common/files.h"
#include "common/time.h"
#include "common/yaml_reader.h"
#include "fmt/format.h"
#include "reading/validate.h"

namespace coolflow::agent {
namespace {

using yaml::Item;
using yaml::Member;
using yaml::Table;

constexpr int kMaxPort = 65535;
constexpr size_t kMaxInFlight = 10'000;
constexpr uint64_t kMaxSpoolMb = 1 << 20;

std::string Location(const yaml::Reader& r, const Item& item) {
  return fmt::format("{}:{}:{}: {}", r.source(), item.mark.line + 1, item.mark.column + 1,
                     item.path);
}

Status ReadPort(yaml::Reader& r, const Item& item, int& out, int min) {
  if (Status s = r.Read(item, out); !s.ok()) return s;
  if (out < min || out > kMaxPort) {
    return r.Error(item, fmt::format("{} is outside {}..{}", out, min, kMaxPort));
  }
  return Status::Ok();
}

const Table<DeliverySettings>& DeliveryTable() {
  static const Table<DeliverySettings> table = {
      {"transport",
       [](yaml::Reader& r, const Item& item, DeliverySettings& out) {
         size_t i = 0;
         if (Status s = r.ReadChoice(item, {"mqtt", "kafka"}, "transport", i); !s.ok()) return s;
         out.transport = i == 0 ? TransportKind::kMqtt : TransportKind::kKafka;
         return Status::Ok();
       }},
      {"format",
       [](yaml::Reader& r, const Item& item, DeliverySettings& out) {
         size_t i = 0;
         if (Status s = r.ReadChoice(item, {"coolflow-json", "seed"}, "format", i); !s.ok()) {
           return s;
         }
         out.format = i == 0 ? WireFormat::kCoolflowJson : WireFormat::kSeed;
         return Status::Ok();
       }},
      Member("topic_prefix", &DeliverySettings::topic_prefix),
      {"max_in_flight",
       [](yaml::Reader& r, const Item& item, DeliverySettings& out) {
         uint64_t n = 0;
         if (Status s = r.Read(item, n); !s.ok()) return s;
         if (n < 1 || n > kMaxInFlight) {
           return r.Error(item, fmt::format("{} is outside 1..{}", n, kMaxInFlight));
         }
         out.max_in_flight = n;
         return Status::Ok();
       }},
      yaml::Section("mqtt", &transport::MqttSettingsTable, &DeliverySettings::mqtt),
      yaml::Section("kafka", &transport::KafkaSettingsTable, &DeliverySettings::kafka),
  };
  return table;
}

const Table<SpoolSettings>& SpoolTable() {
  static const Table<SpoolSettings> table = {
      {"dir", [](yaml::Reader& r, const Item& item,
                 SpoolSettings& out) { return r.ReadPath(item, out.dir, /*must_exist=*/false); }},
      {"max_mb",
       [](yaml::Reader& r, const Item& item, SpoolSettings& out) {
         if (Status s = r.Read(item, out.max_mb); !s.ok()) return s;
         if (out.max_mb < 1 || out.max_mb > kMaxSpoolMb) {
           return r.Error(item, fmt::format("{} is outside 1..{}", out.max_mb, kMaxSpoolMb));
         }
         return Status::Ok();
       }},
      yaml::DurationMember("sync_interval", &SpoolSettings::sync_interval),
      yaml::DurationMember("checkpoint_interval", &SpoolSettings::checkpoint_interval),
  };
  return table;
}

const Table<RoomSettings>& RoomTable() {
  static const Table<RoomSettings> table = {
      {"scenario",
       [](yaml::Reader& r, const Item& item, RoomSettings& out) {
         return r.ReadPath(item, out.scenario, /*must_exist=*/true);
       }},
      {"speed",
       [](yaml::Reader& r, const Item& item, RoomSettings& out) {
         if (Status s = r.Read(item, out.speed); !s.ok()) return s;
         constexpr double kMaxSpeed = 100'000;
         if (out.speed <= 0 || out.speed > kMaxSpeed) {
           return r.Error(item, fmt::format("{} is outside (0, {}]", out.speed, kMaxSpeed));
         }
         return Status::Ok();
       }},
  };
  return table;
}

const Table<MetricsSettings>& MetricsTable() {
  static const Table<MetricsSettings> table = {
      Member("host", &MetricsSettings::host),
      {"port", [](yaml::Reader& r, const Item& item,
                  MetricsSettings& out) { return ReadPort(r, item, out.port, -1); }},
  };
  return table;
}

// The entry's `kind`, read before the rest so the kind's table can read the whole entry.
template <typename Kind>
Result<const Kind*> FindKind(yaml::Reader& r, const Item& item, std::span<const Kind> kinds,
                             std::string_view what) {
  if (!item.node.IsMap()) {
    return r.Error(item, "expected a mapping, got " + yaml::Describe(item.node));
  }
  const YAML::Node kind = item.node["kind"];
  if (!kind) return r.Error(item, "missing required key \"kind\"");
  const Item kind_item{kind, kind.Mark(), yaml::Join(item.path, "kind")};
  std::vector<std::string_view> names;
  for (const Kind& k : kinds)
    names.push_back(k.name);
  size_t index = 0;
  if (Status s = r.ReadChoice(kind_item, names, what, index); !s.ok()) return s;
  return &kinds[index];
}

Status ReadInputs(yaml::Reader& r, const Item& item, AgentConfig& out) {
  return r.ForEachElement(item, [&](const Item& element) -> Status {
    auto kind = FindKind(r, element, InputKinds(), "input kind");
    if (!kind.ok()) return kind.status();
    InputSpec spec;
    spec.kind = (*kind)->name;
    if (Status s = (*kind)->parse(r, element, spec); !s.ok()) return s;
    if (spec.name.empty()) spec.name = spec.kind;
    spec.location = Location(r, element);
    for (const InputSpec& other : out.inputs) {
      if (other.name == spec.name) {
        return r.Error(element,
                       fmt::format("input name \"{}\" is used twice; set name", spec.name));
      }
    }
    if (spec.interval <= 0) return r.Error(element, "interval must be positive");
    if (spec.timeout == 0) spec.timeout = spec.interval / 5 * 4;
    if (spec.timeout > spec.interval) {
      return r.Error(element,
                     fmt::format("timeout {} is longer than the interval {}",
                                 FormatDuration(spec.timeout), FormatDuration(spec.interval)));
    }
    out.inputs.push_back(std::move(spec));
    return Status::Ok();
  });
}

Status ReadDevices(yaml::Reader& r, const Item& item, AgentConfig& out) {
  return r.ForEachElement(item, [&](const Item& element) -> Status {
    auto kind = FindKind(r, element, DeviceKinds(), "device kind");
    if (!kind.ok()) return kind.status();
    DeviceSpec spec;
    spec.kind = (*kind)->name;
    if (Status s = (*kind)->parse(r, element, spec); !s.ok()) return s;
    if (spec.name.empty()) return r.Error(element, "missing required key \"name\"");
    spec.location = Location(r, element);
    for (const DeviceSpec& other : out.devices) {
      if (other.name == spec.name) {
        return r.Error(element, fmt::format("device name \"{}\" is used twice", spec.name));
      }
    }
    if (spec.min_setpoint_c >= spec.max_setpoint_c) {
      return r.Error(element, fmt::format("min_setpoint {} is not below max_setpoint {}",
                                          spec.min_setpoint_c, spec.max_setpoint_c));
    }
    out.devices.push_back(std::move(spec));
    return Status::Ok();
  });
}

const Table<AgentConfig>& AgentTable() {
  static const Table<AgentConfig> table = {
      Member("box", &AgentConfig::box),
      {"room",
       [](yaml::Reader& r, const Item& item, AgentConfig& out) {
         RoomSettings room;
         std::vector<std::string> keys;
         if (Status s = r.ParseMapping(item, RoomTable(), room, &keys); !s.ok()) return s;
         if (Status s = r.Require(item, keys, "scenario"); !s.ok()) return s;
         out.room = room;
         return Status::Ok();
       }},
      {"inputs", ReadInputs},
      {"devices", ReadDevices},
      yaml::Section("delivery", &DeliveryTable, &AgentConfig::delivery),
      yaml::Section("spool", &SpoolTable, &AgentConfig::spool),
      yaml::Section("metrics", &MetricsTable, &AgentConfig::metrics),
      {"log_level",
       [](yaml::Reader& r, const Item& item, AgentConfig& out) {
         static const std::vector<std::string_view> kLevels = {"trace", "debug", "info",
                                                               "warn",  "error", "off"};
         size_t i = 0;
         if (Status s = r.ReadChoice(item, kLevels, "log level", i); !s.ok()) return s;
         out.log_level = kLevels[i];
         return Status::Ok();
       }},
  };
  return table;
}

}  // namespace

Result<AgentConfig> ParseAgentConfig(std::string_view yaml_text, std::string_view source,
                                     const std::string& folder) {
  yaml::Reader reader(source, std::filesystem::path(folder));
  Result<Item> root = reader.LoadDocument(yaml_text, "an agent config");
  if (!root.ok()) return root.status();
  AgentConfig config;
  config.source = source;
  std::vector<std::string> keys;
  if (Status s = reader.ParseMapping(*root, AgentTable(), config, &keys); !s.ok()) return s;
  if (Status s = reader.Require(*root, keys, "box"); !s.ok()) return s;
  if (Status s = reading::ValidateBoxId(config.box); !s.ok()) {
    const YAML::Node box = root->node["box"];
    return reader.Error(box.Mark(), "box", s.message());
  }
  if (config.inputs.empty()) return reader.Error(*root, "no inputs: the agent would read nothing");
  if (config.delivery.transport == TransportKind::kKafka && config.delivery.kafka.brokers.empty()) {
    return reader.Error(*root, "delivery.kafka.brokers: required with transport: kafka");
  }
  if (config.delivery.topic_prefix.empty()) {
    return reader.Error(*root, "delivery.topic_prefix: must not be empty");
  }
  auto needs_room = [&](const std::string& kind, const std::string& location) -> Status {
    if (kind != "room" || config.room) return Status::Ok();
    return InvalidArgument(location + ": kind room needs a top-level `room` section");
  };
  for (const InputSpec& spec : config.inputs) {
    if (Status s = needs_room(spec.kind, spec.location); !s.ok()) return s;
  }
  for (const DeviceSpec& spec : config.devices) {
    if (Status s = needs_room(spec.kind, spec.location); !s.ok()) return s;
  }
  return config;
}

Result<AgentConfig> LoadAgentConfig(const std::string& path) {
  Result<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return ParseAgentConfig(*text, path, std::filesystem::path(path).parent_path().string());
}

}  // namespace coolflow::agent
