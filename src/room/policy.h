// Cooling policies the simulator runs by itself: the baselines coolflow's controller is
// measured against. A policy sees only what sensors report, and acts only through the
// air conditioners' infrared remotes, as a real controller must.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "room/room_model.h"

namespace coolflow::room {

// What a policy sees at a control instant.
struct Observation {
  TimeNs time = 0;
  std::vector<std::optional<double>> inlet_c;  // per rack; nullopt when the read failed
};

// How a policy acts: infrared commands (the full state every time).
class Remote {
 public:
  virtual ~Remote() = default;
  virtual size_t ac_count() const = 0;
  virtual void Send(size_t ac, const IrCommand& command) = 0;
};

class Policy {
 public:
  virtual ~Policy() = default;
  // "fixed:18", "hysteresis:24:26".
  virtual std::string name() const = 0;
  // Called at every control interval.
  virtual void Control(const Observation& observation, Remote& remote) = 0;
};

// Parses a policy spec:
//   fixed:T            every unit on at setpoint T (18..30), the state resent every 30 min
//   hysteresis:LOW:HIGH  the seed's rule: when the hottest inlet reads above HIGH lower the
//                      setpoint by 1 C, when below LOW raise it by 1 C (18..30, at most one
//                      change per 5 min), starting from the scenario's setpoints
Result<std::unique_ptr<Policy>> ParsePolicy(std::string_view spec, const Scenario& scenario);

}  // namespace coolflow::room
