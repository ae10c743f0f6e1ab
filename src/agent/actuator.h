// What the agent acts on: an air conditioner through its infrared remote (LIRC), a device
// that takes MQTT messages, a PWM fan through hwmon, the simulated room. Each actuator kind
// lives in its own folder under src/agent/actuators/ and is registered by name (see
// registry.h). The agent refuses unknown devices, out-of-range values and commands that
// come too fast before an actuator sees them; an actuator refuses what its device cannot do.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"

namespace coolflow::agent {

// A command for one device, as the hub sends it (docs/agent.md, "Commands"). Fields left
// empty keep the device's current state.
struct Command {
  std::string id;      // the sender's id, echoed in the reply
  std::string device;  // the configured device name ("ac1", "fan-r01")
  std::optional<bool> power;
  std::optional<double> setpoint_c;   // air conditioners
  std::optional<std::string> mode;    // "cool", "dry", "fan", "heat", "auto"
  std::optional<std::string> fan;     // AC fan speed: "auto", "low", "medium", "high"
  std::optional<double> fan_percent;  // fans: 0..100 % duty

  friend bool operator==(const Command&, const Command&) = default;
};

// The full state of an air conditioner. Infrared is open loop (the unit never answers), so
// an AC actuator sends its whole state every time rather than a change.
struct AcState {
  bool power = true;
  double setpoint_c = 24;
  std::string mode = "cool";
  std::string fan = "auto";

  friend bool operator==(const AcState&, const AcState&) = default;
};

class Actuator {
 public:
  virtual ~Actuator() = default;

  // Applies `command` (already checked against the device's configured limits) to the
  // device and returns once it was sent: Ok, or why it could not be (the device refused,
  // lircd is not running, the key is not in the remote's config). Called from one thread
  // at a time.
  virtual Status Apply(const Command& command) = 0;

  // The device's state as this actuator last set it, for the reply and the metrics.
  // An AC reports its AcState; other devices return nullopt.
  virtual std::optional<AcState> ac_state() const { return std::nullopt; }
};

}  // namespace coolflow::agent
