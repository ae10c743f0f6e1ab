// The `mqtt` device kind: a device (a smart plug, a fan controller, an AC bridge) that takes
// its whole state as one JSON object on an MQTT topic, retained-free, QoS 1:
//   {"device":"fan-r01","power":true,"fan_percent":60}
//   {"device":"ac2","power":true,"setpoint_c":24,"mode":"cool","fan":"auto"}
// Like infrared, the device does not answer, so the full state is sent every time.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "agent/actuator.h"
#include "agent/agent_config.h"
#include "transport/transport.h"

namespace coolflow::agent {

struct MqttDeviceOptions {
  std::string device;  // the device's name, also in the payload
  std::string topic;   // where its state goes
  DeviceClass device_class = DeviceClass::kAirConditioner;
};

Result<std::unique_ptr<Actuator>> MakeMqttDevice(
    const MqttDeviceOptions& options, std::function<Status(const transport::Message&)> publish);

}  // namespace coolflow::agent
