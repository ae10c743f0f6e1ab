// Kind `mqtt` (device): a device that takes its state as JSON on an MQTT topic.
#include "agent/config/bindings.h"
#include "agent/kinds.h"
#include "agent/mqtt_device.h"
#include "fmt/format.h"

namespace coolflow::agent::config {

namespace {

struct MqttDeviceEntryOptions {
  std::string topic;  // default: <prefix>/device/<name>
  std::string device_class = "ac";
};

const yaml::Table<MqttDeviceEntryOptions>& MqttDeviceTable() {
  static const yaml::Table<MqttDeviceEntryOptions> table = {
      yaml::Member("topic", &MqttDeviceEntryOptions::topic),
      {"class",
       [](yaml::Reader& r, const yaml::Item& item, MqttDeviceEntryOptions& out) {
         size_t i = 0;
         if (Status s = r.ReadChoice(item, {"ac", "fan"}, "device class", i); !s.ok()) return s;
         out.device_class = i == 0 ? "ac" : "fan";
         return Status::Ok();
       }},
  };
  return table;
}

}  // namespace

Status ParseMqttDevice(yaml::Reader& r, const yaml::Item& item, DeviceSpec& spec) {
  static const auto table = KindTable(CommonDeviceTable(), MqttDeviceTable());
  KindEntry<DeviceSpec, MqttDeviceEntryOptions> entry;
  if (Status s = r.ParseMapping(item, table, entry); !s.ok()) return s;
  spec = std::move(entry.spec);
  spec.device_class =
      entry.options.device_class == "fan" ? DeviceClass::kFan : DeviceClass::kAirConditioner;
  spec.make = [options = entry.options, name = spec.name, device_class = spec.device_class](
                  const AgentEnv& env) -> Result<std::unique_ptr<Actuator>> {
    MqttDeviceOptions o;
    o.device = name;
    o.device_class = device_class;
    o.topic = options.topic.empty() ? fmt::format("{}{}device{}{}", env.topic_prefix,
                                                  env.topic_separator, env.topic_separator, name)
                                    : options.topic;
    return MakeMqttDevice(o, env.publish);
  };
  return Status::Ok();
}

}  // namespace coolflow::agent::config
