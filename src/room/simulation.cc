#include "room/simulation.h"

#include <algorithm>
#include <cmath>
#include <ostream>

#include "common/time.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "room/room_model.h"
#include "room/sensors.h"

namespace coolflow::room {
namespace {

constexpr double kJoulesPerKwh = 3.6e6;

class ModelRemote final : public Remote {
 public:
  explicit ModelRemote(RoomModel& model) : model_(model) {}
  size_t ac_count() const override { return model_.scenario().acs.size(); }
  void Send(size_t ac, const IrCommand& command) override {
    model_.SendIr(ac, command);
    ++sent_;
  }
  uint64_t sent() const { return sent_; }

 private:
  RoomModel& model_;
  uint64_t sent_ = 0;
};

void WriteCsvHeader(std::ostream& out, const Scenario& scenario) {
  out << "time,outdoor_c,room_c,room_rh,it_w,cooling_w";
  for (const RackConfig& rack : scenario.racks)
    out << ',' << rack.id << "_inlet_c";
  for (const AcConfig& ac : scenario.acs) {
    out << ',' << ac.id << "_setpoint_c," << ac.id << "_compressor," << ac.id << "_electric_w";
  }
  out << '\n';
}

void WriteCsvRow(std::ostream& out, const RoomState& s) {
  std::string row =
      fmt::format("{},{:.3f},{:.3f},{:.2f},{:.1f},{:.1f}", FormatRfc3339(s.time), s.outdoor_c,
                  s.air_c, s.humidity_rh, s.it_power_w, s.cooling_electric_w);
  for (const RackState& rack : s.racks)
    row += fmt::format(",{:.3f}", rack.inlet_c);
  for (const AcState& ac : s.acs) {
    row += fmt::format(",{:.1f},{},{:.1f}", ac.setpoint_c, ac.compressor_on ? 1 : 0, ac.electric_w);
  }
  row += '\n';
  out << row;
}

}  // namespace

Result<Summary> Simulate(const Scenario& scenario, Policy& policy, const RunOptions& options) {
  Scenario run = scenario;
  if (options.duration) run.duration = *options.duration;
  auto created = RoomModel::Create(run);
  if (!created.ok()) return created.status();
  RoomModel& model = **created;
  SensorBank sensors(run);
  ModelRemote remote(model);

  Summary summary;
  summary.scenario = run.name;
  summary.policy = policy.name();
  summary.racks.resize(run.racks.size());
  for (size_t r = 0; r < run.racks.size(); ++r) {
    summary.racks[r].id = run.racks[r].id;
    summary.racks[r].max_inlet_c = -std::numeric_limits<double>::infinity();
  }
  summary.max_inlet_c = -std::numeric_limits<double>::infinity();
  const double step_minutes = static_cast<double>(run.step) / static_cast<double>(kNanosPerMinute);
  const TimeNs csv_every = options.csv_every > 0 ? options.csv_every : run.step;
  if (options.csv != nullptr) WriteCsvHeader(*options.csv, run);

  Observation observation;
  observation.inlet_c.resize(run.racks.size());
  TimeNs next_control = run.start_time;
  TimeNs next_csv = run.start_time + csv_every;
  uint64_t steps = 0;
  double room_sum = 0;
  std::vector<double> inlet_sums(run.racks.size(), 0.0);
  while (model.now() < model.end()) {
    if (model.now() >= next_control) {
      observation.time = model.now();
      for (size_t r = 0; r < run.racks.size(); ++r) {
        observation.inlet_c[r] = sensors.ReadInletTemperature(r, model);
      }
      policy.Control(observation, remote);
      next_control += kControlInterval;
    }
    model.Step();
    const RoomState& s = model.state();
    ++steps;
    room_sum += s.air_c;
    double hottest = -std::numeric_limits<double>::infinity();
    for (size_t r = 0; r < s.racks.size(); ++r) {
      const double inlet = s.racks[r].inlet_c;
      hottest = std::max(hottest, inlet);
      summary.racks[r].max_inlet_c = std::max(summary.racks[r].max_inlet_c, inlet);
      inlet_sums[r] += inlet;
    }
    summary.max_inlet_c = std::max(summary.max_inlet_c, hottest);
    if (hottest > kAshraeRecommendedMaxC) summary.minutes_above_27 += step_minutes;
    if (hottest > kAshraeA1AllowableMaxC) summary.minutes_above_32 += step_minutes;
    if (options.csv != nullptr && s.time >= next_csv) {
      WriteCsvRow(*options.csv, s);
      next_csv += csv_every;
    }
  }
  const EnergyLedger& ledger = model.ledger();
  summary.hours = static_cast<double>(run.duration) / (3600.0 * kNanosPerSecond);
  summary.cooling_kwh = ledger.cooling_electric / kJoulesPerKwh;
  summary.it_kwh = ledger.it / kJoulesPerKwh;
  summary.pue = ledger.it > 0 ? (ledger.it + ledger.cooling_electric) / ledger.it : 0;
  summary.mean_room_c = steps > 0 ? room_sum / static_cast<double>(steps) : model.state().air_c;
  for (size_t r = 0; r < run.racks.size(); ++r) {
    summary.racks[r].mean_inlet_c =
        steps > 0 ? inlet_sums[r] / static_cast<double>(steps) : model.state().racks[r].inlet_c;
  }
  summary.ac_commands = remote.sent();
  for (const AcState& ac : model.state().acs)
    summary.ac_commands_lost += ac.commands_lost;
  const double net =
      ledger.it + ledger.ac_fan_heat + ledger.envelope + ledger.exchange - ledger.removed_sensible;
  summary.energy_balance_error = ledger.it > 0 ? std::abs(ledger.stored - net) / ledger.it : 0;
  return summary;
}

std::string FormatSummaryText(const Summary& s) {
  std::string out =
      fmt::format("scenario {}, policy {}, {:.1f} h simulated\n", s.scenario, s.policy, s.hours);
  out += fmt::format("  cooling energy        {:10.2f} kWh\n", s.cooling_kwh);
  out += fmt::format("  IT energy             {:10.2f} kWh\n", s.it_kwh);
  out += fmt::format("  PUE (IT + cooling)    {:10.3f}\n", s.pue);
  out += fmt::format("  mean room air         {:10.2f} C\n", s.mean_room_c);
  out += fmt::format("  max rack inlet        {:10.2f} C\n", s.max_inlet_c);
  out += fmt::format("  minutes inlet > 27 C  {:10.1f}\n", s.minutes_above_27);
  out += fmt::format("  minutes inlet > 32 C  {:10.1f}\n", s.minutes_above_32);
  out +=
      fmt::format("  AC commands           {:10} ({} lost)\n", s.ac_commands, s.ac_commands_lost);
  out += "  rack   max inlet C  mean inlet C\n";
  for (const RackSummary& rack : s.racks) {
    out += fmt::format("  {:<6} {:11.2f} {:13.2f}\n", rack.id, rack.max_inlet_c, rack.mean_inlet_c);
  }
  return out;
}

std::string FormatSummaryJson(const Summary& s) {
  nlohmann::ordered_json j;
  j["scenario"] = s.scenario;
  j["policy"] = s.policy;
  j["hours"] = s.hours;
  j["cooling_kwh"] = s.cooling_kwh;
  j["it_kwh"] = s.it_kwh;
  j["pue"] = s.pue;
  j["mean_room_c"] = s.mean_room_c;
  j["max_inlet_c"] = s.max_inlet_c;
  j["minutes_above_27"] = s.minutes_above_27;
  j["minutes_above_32"] = s.minutes_above_32;
  j["ac_commands"] = s.ac_commands;
  j["ac_commands_lost"] = s.ac_commands_lost;
  j["energy_balance_error"] = s.energy_balance_error;
  nlohmann::ordered_json racks = nlohmann::ordered_json::array();
  for (const RackSummary& rack : s.racks) {
    racks.push_back(
        {{"id", rack.id}, {"max_inlet_c", rack.max_inlet_c}, {"mean_inlet_c", rack.mean_inlet_c}});
  }
  j["racks"] = std::move(racks);
  return j.dump(2) + "\n";
}

}  // namespace coolflow::room
