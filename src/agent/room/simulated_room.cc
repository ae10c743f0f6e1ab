#include "agent/room/simulated_room.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "fmt/format.h"
#include "reading/units.h"

namespace coolflow::agent {
namespace {

constexpr double kTicksPerSecond = 100;  // SNMP's sysUpTime and ssCpuRaw* unit

reading::Reading MakeReading(std::string box, std::string measurement, std::string metric,
                             reading::TagSet tags, TimeNs time, reading::Value value) {
  reading::Reading r;
  r.box = std::move(box);
  r.measurement = std::move(measurement);
  if (const reading::MetricInfo* info = reading::FindMetric(metric)) r.unit = info->unit;
  r.metric = std::move(metric);
  r.tags = std::move(tags);
  r.time = time;
  r.value = std::move(value);
  return r;
}

class RoomInput final : public Input {
 public:
  RoomInput(SimulatedRoom& room, RoomInputOptions options, std::vector<size_t> racks)
      : room_(room), options_(std::move(options)), racks_(std::move(racks)) {}

  void Poll(TimeNs now, std::chrono::steady_clock::time_point, PollResult& result) override {
    room_.AdvanceTo(now);
    room_.With([&](const room::RoomModel& model, room::SensorBank& sensors) {
      const room::Scenario& scenario = model.scenario();
      for (size_t r : racks_) {
        const room::RackConfig& rack = scenario.racks[r];
        const reading::TagSet tags = {{"rack", rack.id}};
        const room::InletSample sample = sensors.ReadInlet(r, model);
        if (sample.temperature_c && sample.humidity_rh) {
          result.readings.push_back(
              MakeReading(options_.box, "temp", "temperature", tags, now, *sample.temperature_c));
          result.readings.push_back(
              MakeReading(options_.box, "temp", "humidity", tags, now, *sample.humidity_rh));
        } else {
          result.errors.push_back({fmt::format("rack {} inlet sensor", rack.id),
                                   "read failed (no answer or bad checksum)"});
        }
        result.readings.push_back(MakeReading(options_.box, "power", "power", tags, now,
                                              sensors.ReadRackPower(r, model)));
        result.readings.push_back(
            MakeReading(options_.box, "fan", "fan_speed", tags, now, sensors.ReadFanRpm(r, model)));
        if (options_.servers) AddServers(r, model, sensors, now, result);
      }
      if (options_.acs) {
        for (size_t a = 0; a < scenario.acs.size(); ++a) {
          result.readings.push_back(MakeReading(options_.box, "power", "power",
                                                {{"ac", scenario.acs[a].id}}, now,
                                                sensors.ReadAcPower(a, model)));
        }
      }
    });
  }

 private:
  void AddServers(size_t r, const room::RoomModel& model, room::SensorBank& sensors, TimeNs now,
                  PollResult& result) {
    const room::RackConfig& rack = model.scenario().racks[r];
    for (int s = 0; s < rack.servers; ++s) {
      const room::SnmpSample v = sensors.ReadSnmp(r, s, model);
      const std::string box = fmt::format("{}-s{:02}", rack.id, s + 1);
      const reading::TagSet tags = {{"rack", rack.id}};
      auto add = [&](std::string metric, reading::Value value) {
        result.readings.push_back(
            MakeReading(box, "resource", std::move(metric), tags, now, std::move(value)));
      };
      add("cpu_user", v.cpu_user_ticks);
      add("cpu_system", v.cpu_system_ticks);
      add("cpu_idle", v.cpu_idle_ticks);
      add("load1", v.load1);
      add("load5", v.load5);
      add("load15", v.load15);
      add("memory_total", v.memory_total_kb);
      add("memory_available", v.memory_available_kb);
      add("memory_buffers", v.memory_buffers_kb);
      add("memory_cached", v.memory_cached_kb);
      add("swap_available", v.swap_available_kb);
      add("disk_used_percent", v.disk_used_percent);
      add("net_in_octets", v.net_in_octets);
      add("net_out_octets", v.net_out_octets);
      add("uptime", static_cast<double>(v.uptime_ticks) / kTicksPerSecond);
    }
  }

  SimulatedRoom& room_;
  RoomInputOptions options_;
  std::vector<size_t> racks_;
};

class RoomAcActuator final : public Actuator {
 public:
  RoomAcActuator(SimulatedRoom& room, size_t ac, AcState initial)
      : room_(room), ac_(ac), state_(std::move(initial)) {}

  Status Apply(const Command& command) override {
    if (command.mode && *command.mode != "cool") {
      return InvalidArgument(
          fmt::format("the simulated AC only cools; mode \"{}\" refused", *command.mode));
    }
    AcState next = state_;
    if (command.power) next.power = *command.power;
    if (command.setpoint_c) next.setpoint_c = *command.setpoint_c;
    if (command.fan) next.fan = *command.fan;
    room_.With([&](room::RoomModel& model, room::SensorBank&) {
      model.SendIr(ac_, {next.power, next.setpoint_c});
    });
    state_ = next;
    return Status::Ok();
  }
  std::optional<AcState> ac_state() const override { return state_; }

 private:
  SimulatedRoom& room_;
  size_t ac_;
  AcState state_;
};

}  // namespace

SimulatedRoom::SimulatedRoom(const room::Scenario& scenario, std::unique_ptr<room::RoomModel> model,
                             double speed, TimeNs wall_start)
    : scenario_(scenario),
      model_(std::move(model)),
      sensors_(scenario),
      speed_(speed),
      wall_start_(wall_start) {}

Result<std::unique_ptr<SimulatedRoom>> SimulatedRoom::Create(const room::Scenario& scenario,
                                                             double speed, TimeNs wall_start) {
  if (!(speed > 0) || !std::isfinite(speed)) {
    return InvalidArgument(fmt::format("room speed {} is not a positive number", speed));
  }
  auto model = room::RoomModel::Create(scenario);
  if (!model.ok()) return model.status();
  return std::unique_ptr<SimulatedRoom>(
      new SimulatedRoom(scenario, std::move(*model), speed, wall_start));
}

void SimulatedRoom::AdvanceTo(TimeNs now) {
  const double elapsed = static_cast<double>(std::max<TimeNs>(0, now - wall_start_)) * speed_;
  std::lock_guard lock(mutex_);
  // Never past the scenario's end.
  const double span = static_cast<double>(model_->end() - scenario_.start_time);
  const TimeNs target = scenario_.start_time + static_cast<TimeNs>(std::min(elapsed, span));
  while (model_->now() + scenario_.step <= target)
    model_->Step();
}

std::optional<size_t> SimulatedRoom::RackIndex(std::string_view id) const {
  for (size_t r = 0; r < scenario_.racks.size(); ++r) {
    if (scenario_.racks[r].id == id) return r;
  }
  return std::nullopt;
}

std::optional<size_t> SimulatedRoom::AcIndex(std::string_view id) const {
  for (size_t a = 0; a < scenario_.acs.size(); ++a) {
    if (scenario_.acs[a].id == id) return a;
  }
  return std::nullopt;
}

Result<std::unique_ptr<Input>> MakeRoomInput(SimulatedRoom& room, const RoomInputOptions& options) {
  std::vector<size_t> racks;
  if (options.racks.empty()) {
    for (size_t r = 0; r < room.scenario().racks.size(); ++r)
      racks.push_back(r);
  }
  for (const std::string& id : options.racks) {
    std::optional<size_t> r = room.RackIndex(id);
    if (!r) {
      return NotFound(fmt::format("rack \"{}\" is not in scenario {}", id, room.scenario().name));
    }
    racks.push_back(*r);
  }
  return std::unique_ptr<Input>(std::make_unique<RoomInput>(room, options, std::move(racks)));
}

Result<std::unique_ptr<Actuator>> MakeRoomAcActuator(SimulatedRoom& room,
                                                     const RoomAcOptions& options) {
  std::optional<size_t> a = room.AcIndex(options.ac);
  if (!a) {
    return NotFound(
        fmt::format("AC \"{}\" is not in scenario {}", options.ac, room.scenario().name));
  }
  const room::AcConfig& config = room.scenario().acs[*a];
  AcState initial;
  initial.power = config.power_on;
  initial.setpoint_c = config.setpoint_c;
  return std::unique_ptr<Actuator>(std::make_unique<RoomAcActuator>(room, *a, initial));
}

}  // namespace coolflow::agent
