// The YAML bindings of the registered kinds (kinds.cc lists them): each reads one entry of
// `inputs` or `devices` and sets its factory.
#pragma once

#include "agent/agent_config.h"
#include "common/yaml_reader.h"

namespace coolflow::agent::config {

Status ParseRoomInput(yaml::Reader& r, const yaml::Item& item, InputSpec& spec);
Status ParseSysfsInput(yaml::Reader& r, const yaml::Item& item, InputSpec& spec);
Status ParseHostInput(yaml::Reader& r, const yaml::Item& item, InputSpec& spec);
Status ParseSnmpInput(yaml::Reader& r, const yaml::Item& item, InputSpec& spec);
Status ParseRoomDevice(yaml::Reader& r, const yaml::Item& item, DeviceSpec& spec);
Status ParseMqttDevice(yaml::Reader& r, const yaml::Item& item, DeviceSpec& spec);
Status ParseLircDevice(yaml::Reader& r, const yaml::Item& item, DeviceSpec& spec);
Status ParseFanDevice(yaml::Reader& r, const yaml::Item& item, DeviceSpec& spec);

}  // namespace coolflow::agent::config
