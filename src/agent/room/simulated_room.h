// The simulated server room inside the agent: one room model (src/room) run against the
// wall clock, read by the `room` input and driven by `room` actuators, so one agent can
// stand for a whole room (or one rack of it) without hardware.
//
// The model's time runs `speed` times as fast as the wall clock from the scenario's start;
// readings are stamped with the wall clock, as a real agent's are.
//
// Thread safety: every method may be called from any thread (one mutex around the model).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/actuator.h"
#include "agent/input.h"
#include "common/clock.h"
#include "common/status.h"
#include "room/room_model.h"
#include "room/scenario.h"
#include "room/sensors.h"

namespace coolflow::agent {

class SimulatedRoom {
 public:
  // Builds the model of `scenario`; wall time `wall_start` is the scenario's start.
  static Result<std::unique_ptr<SimulatedRoom>> Create(const room::Scenario& scenario, double speed,
                                                       TimeNs wall_start);

  // Steps the model up to the simulated time of wall time `now` (never backwards, never
  // past the scenario's end).
  void AdvanceTo(TimeNs now);

  // Index of the rack or AC called `id`, or nullopt.
  std::optional<size_t> RackIndex(std::string_view id) const;
  std::optional<size_t> AcIndex(std::string_view id) const;
  const room::Scenario& scenario() const { return scenario_; }

  // Calls fn(model, sensors) with the model locked.
  template <typename Fn>
  auto With(Fn&& fn) {
    std::lock_guard lock(mutex_);
    return fn(*model_, sensors_);
  }

 private:
  SimulatedRoom(const room::Scenario& scenario, std::unique_ptr<room::RoomModel> model,
                double speed, TimeNs wall_start);

  room::Scenario scenario_;
  std::mutex mutex_;
  std::unique_ptr<room::RoomModel> model_;  // guarded by mutex_
  room::SensorBank sensors_;                // guarded by mutex_
  double speed_;
  TimeNs wall_start_;
};

struct RoomInputOptions {
  std::string box;                 // the agent's box: sensors' readings carry it
  std::vector<std::string> racks;  // the racks this agent stands for; empty: all
  bool acs = true;                 // AC electric power meters
  bool servers = true;             // each server's SNMP items, box "<rack>-s<n>"
};

// The `room` input: per rack, inlet temperature and humidity (measurement "temp", tag rack),
// rack power ("power"), a server fan's speed ("fan"); per AC its electric power ("power",
// tag ac); per server the SNMP items ("resource"). A failed sensor read is an InputError.
Result<std::unique_ptr<Input>> MakeRoomInput(SimulatedRoom& room, const RoomInputOptions& options);

struct RoomAcOptions {
  std::string ac;  // the scenario's AC id
};

// The `room` actuator: an AC of the simulated room, driven through its infrared remote
// (the full state every time; an `ac_ignores_ir` fault may drop it, unseen).
Result<std::unique_ptr<Actuator>> MakeRoomAcActuator(SimulatedRoom& room,
                                                     const RoomAcOptions& options);

}  // namespace coolflow::agent
