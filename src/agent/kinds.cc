#include "agent/kinds.h"

#include "agent/config/bindings.h"
#include "fmt/format.h"

namespace coolflow::agent {

using yaml::Item;
using yaml::Member;

const yaml::Table<InputSpec>& CommonInputTable() {
  static const yaml::Table<InputSpec> table = {
      Member("kind", &InputSpec::kind),
      Member("name", &InputSpec::name),
      yaml::DurationMember("interval", &InputSpec::interval),
      yaml::DurationMember("timeout", &InputSpec::timeout),
  };
  return table;
}

const yaml::Table<DeviceSpec>& CommonDeviceTable() {
  static const yaml::Table<DeviceSpec> table = {
      Member("kind", &DeviceSpec::kind),
      Member("name", &DeviceSpec::name),
      Member("min_setpoint", &DeviceSpec::min_setpoint_c),
      Member("max_setpoint", &DeviceSpec::max_setpoint_c),
      yaml::DurationMember("min_interval", &DeviceSpec::min_interval),
  };
  return table;
}

std::span<const InputKind> InputKinds() {
  static const InputKind kinds[] = {
      {"room", "the simulated room (scenario file): racks' sensors, ACs' meters, servers' SNMP",
       config::ParseRoomInput},
      {"sysfs", "Linux sensors: IIO (DHT11/DHT22, BME280), 1-Wire (DS18B20), hwmon",
       config::ParseSysfsInput},
      {"snmp", "servers' 14 resource items and uptime over SNMP (v2c, v3 authPriv)",
       config::ParseSnmpInput},
      {"host", "the agent's own box: CPU, load, memory, disk, network from /proc",
       config::ParseHostInput},
  };
  return kinds;
}

std::span<const DeviceKind> DeviceKinds() {
  static const DeviceKind kinds[] = {
      {"room", "an air conditioner of the simulated room", config::ParseRoomDevice},
      {"mqtt", "a device that takes its state as JSON on an MQTT topic", config::ParseMqttDevice},
      {"lirc", "an air conditioner's infrared remote, through lircd", config::ParseLircDevice},
      {"fan", "a PWM fan, through the kernel's hwmon interface", config::ParseFanDevice},
  };
  return kinds;
}

}  // namespace coolflow::agent
