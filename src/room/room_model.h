// The plant: a physically based model of a small server room, stepped in fixed time
// steps. It produces the true temperatures, humidity and powers that sensors measure, and
// obeys what an air conditioner's infrared remote tells it. docs/room-model.md gives the
// equations, parameters and their sources.
//
// Thread safety: none; one thread steps a model.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "room/load.h"
#include "room/rng.h"
#include "room/scenario.h"
#include "room/weather.h"

namespace coolflow::room {

struct RackState {
  double utilisation = 0;  // 0..1
  double it_power_w = 0;   // electric power of the rack's servers (all becomes heat)
  double airflow_m3_per_s = 0;
  double inlet_c = 0;  // true inlet air temperature
  double exhaust_c = 0;
  double fan_rpm = 0;  // server fan speed (what a tachometer reads)
  // What the servers' operating systems account, per server (all of a rack's servers run
  // at the rack's utilisation): busy CPU time and the kernel's load averages.
  double busy_seconds = 0;                  // integral of utilisation since the start
  double load1 = 0, load5 = 0, load15 = 0;  // runnable tasks per core, 1/5/15-min averages
};

struct AcState {
  // What the unit was last told (by its remote) and obeys.
  bool power_on = true;
  double setpoint_c = 24;
  // What it does.
  bool compressor_on = false;
  TimeNs last_switch = 0;  // when the compressor last started or stopped
  double capacity_w = 0;   // available total cooling capacity now
  double cooling_w = 0;    // total heat removed now (sensible + latent)
  double sensible_w = 0;
  double cop = 0;         // coefficient of performance now (0 when the compressor is off)
  double electric_w = 0;  // compressor + indoor fan
  double supply_c = 0;    // air leaving the unit
  // Infrared statistics.
  uint64_t commands_received = 0;
  uint64_t commands_lost = 0;
};

struct RoomState {
  TimeNs time = 0;            // absolute
  double air_c = 0;           // the room air node (what the ACs take in as return air)
  double humidity_ratio = 0;  // kg water / kg dry air
  double humidity_rh = 0;
  double outdoor_c = 0;
  double outdoor_rh = 0;
  double it_power_w = 0;
  double cooling_electric_w = 0;  // all ACs
  bool door_open = false;
  std::vector<RackState> racks;
  std::vector<AcState> acs;
};

// Energy flows integrated since the start, in joules. Every flow into the room air node is
// counted once, so stored == it + ac_fan_heat + envelope + exchange - removed_sensible.
struct EnergyLedger {
  double it = 0;                // IT electric energy (all becomes heat in the room)
  double cooling_electric = 0;  // AC compressors and fans
  double ac_fan_heat = 0;       // indoor fans' heat, released into the room
  double envelope = 0;          // conducted in through the walls (negative: out)
  double exchange = 0;          // carried in by infiltration and open doors
  double removed_sensible = 0;  // taken out by the AC coils as sensible heat
  double removed_latent = 0;    // taken out as condensed water
  double stored = 0;            // thermal mass x temperature change of the room node
};

// The full state an infrared remote sends: an open-loop link, so never a delta.
struct IrCommand {
  bool power_on = true;
  double setpoint_c = 24;
};

class RoomModel {
 public:
  // Builds the model at the scenario's start (loads the weather file, if any).
  static Result<std::unique_ptr<RoomModel>> Create(const Scenario& scenario);

  // Advances by one scenario step.
  void Step();

  // An infrared command to AC `ac` (an index into scenario().acs). The unit obeys it,
  // unless an `ac_ignores_ir` fault drops it; the sender cannot tell. Setpoints are
  // clamped to what the unit can do (16..32 C).
  void SendIr(size_t ac, const IrCommand& command);

  const RoomState& state() const { return state_; }
  const EnergyLedger& ledger() const { return ledger_; }
  const Scenario& scenario() const { return scenario_; }
  TimeNs now() const { return state_.time; }
  TimeNs end() const { return scenario_.start_time + scenario_.duration; }

  // Whether a fault of `kind` on rack `r` (or its sensor) is active now, and the severity of
  // the strongest such fault (0 when none): only that rack's faults are looked at.
  bool RackFaultActive(size_t r, FaultKind kind) const { return Active(rack_faults_[r], kind); }
  double RackFaultSeverity(size_t r, FaultKind kind) const {
    return Severity(rack_faults_[r], kind);
  }
  // The faults that target rack `r`.
  const std::vector<const FaultConfig*>& RackFaults(size_t r) const { return rack_faults_[r]; }

 private:
  RoomModel(const Scenario& scenario, Weather weather);
  void UpdateAirConditioner(size_t a);
  void UpdateRacks();

  using FaultList = std::vector<const FaultConfig*>;
  bool Active(const FaultList& faults, FaultKind kind) const;
  double Severity(const FaultList& faults, FaultKind kind) const;

  Scenario scenario_;
  // The scenario's faults by what they target (pointers into scenario_.faults).
  std::vector<FaultList> rack_faults_;
  std::vector<FaultList> ac_faults_;
  FaultList door_faults_;
  Weather weather_;
  LoadProfile load_;
  Rng ir_rng_;
  double thermal_mass_j_per_k_;
  double moisture_capacity_kg_;
  double inlet_mixing_share_;  // how far inlets move toward the cold air in one step
  double load_share_[3];       // per-step weights of the 1, 5 and 15 min load averages
  RoomState state_;
  EnergyLedger ledger_;
  double start_air_c_ = 0;
};

}  // namespace coolflow::room
