#include "agent/mqtt_device.h"

#include "nlohmann/json.hpp"

namespace coolflow::agent {
namespace {

class MqttDevice final : public Actuator {
 public:
  MqttDevice(MqttDeviceOptions options, std::function<Status(const transport::Message&)> publish)
      : options_(std::move(options)), publish_(std::move(publish)) {}

  Status Apply(const Command& command) override {
    AcState next = state_;
    if (command.power) next.power = *command.power;
    if (command.setpoint_c) next.setpoint_c = *command.setpoint_c;
    if (command.mode) next.mode = *command.mode;
    if (command.fan) next.fan = *command.fan;
    double percent = fan_percent_;
    if (command.fan_percent) percent = *command.fan_percent;
    nlohmann::json payload = {{"device", options_.device}, {"power", next.power}};
    if (options_.device_class == DeviceClass::kAirConditioner) {
      payload["setpoint_c"] = next.setpoint_c;
      payload["mode"] = next.mode;
      payload["fan"] = next.fan;
    } else {
      payload["fan_percent"] = percent;
    }
    transport::Message message{options_.topic, options_.device, payload.dump()};
    if (Status s = publish_(message); !s.ok()) return s;
    state_ = next;
    fan_percent_ = percent;
    return Status::Ok();
  }

  std::optional<AcState> ac_state() const override {
    if (options_.device_class != DeviceClass::kAirConditioner) return std::nullopt;
    return state_;
  }

 private:
  MqttDeviceOptions options_;
  std::function<Status(const transport::Message&)> publish_;
  AcState state_;
  double fan_percent_ = 100;
};

}  // namespace

Result<std::unique_ptr<Actuator>> MakeMqttDevice(
    const MqttDeviceOptions& options, std::function<Status(const transport::Message&)> publish) {
  if (options.topic.empty()) return InvalidArgument("mqtt device: empty topic");
  if (!publish) return InvalidArgument("mqtt device: no transport to publish with");
  return std::unique_ptr<Actuator>(std::make_unique<MqttDevice>(options, std::move(publish)));
}

}  // namespace coolflow::agent
