#include "room/room_model.h"

#include <algorithm>
#include <cmath>

#include "room/psychrometrics.h"

namespace coolflow::room {
namespace {

// Servers speed their fans up as inlet air warms, drawing more power: 0.35-0.5 % per K is
// the range reported for volume servers (e.g. Moss & Bean, "Energy impact of increased
// server inlet temperature", HP white paper, 2009). Below the reference temperature fans
// idle at their minimum speed.
constexpr double kServerFanPowerPerK = 0.004;
constexpr double kServerFanReferenceC = 22;
// Server fan speeds (for the tachometer): idle speed, and how it rises with inlet
// temperature and utilisation; typical of 1U/2U servers' 40-60 mm fans.
constexpr double kFanIdleRpm = 4000;
constexpr double kFanRpmPerK = 350;
constexpr double kFanRpmAtFullLoad = 2500;
constexpr double kFanMaxRpm = 16000;
// The coil surface runs a few K above the evaporating temperature; below the room air's
// dew point it condenses water (the latent part of the load).
constexpr double kCoilAboveEvaporatorK = 3;
// Capacity stays within these shares of rating whatever the outdoor temperature.
constexpr double kMinCapacityShare = 0.4;
constexpr double kMaxCapacityShare = 1.3;
// Bounds that keep the COP curve physical at extreme conditions.
constexpr double kMinTemperatureLiftK = 5;
constexpr double kMinCop = 1.0;
constexpr double kMaxCop = 9.0;
// What a unit's controller accepts.
constexpr double kMinUnitSetpointC = 16;
constexpr double kMaxUnitSetpointC = 32;
// Walls, furniture and equipment buffer moisture: the room's effective moisture capacity
// is several times that of its air (an assumption; see room-model.md).
constexpr double kMoistureBufferFactor = 5;
constexpr uint64_t kIrStream = 7;  // Rng stream of infrared losses
// The air between a unit's outlet and the rack fronts mixes: rack inlets follow the cold
// air with this first-order time constant rather than jumping each time a compressor
// starts or stops (an assumption; see room-model.md, "Racks").
constexpr double kInletMixingTimeConstantS = 120;

}  // namespace

Result<std::unique_ptr<RoomModel>> RoomModel::Create(const Scenario& scenario) {
  auto weather = Weather::Create(scenario.weather, scenario.start_time);
  if (!weather.ok()) return weather.status();
  return std::unique_ptr<RoomModel>(new RoomModel(scenario, std::move(*weather)));
}

RoomModel::RoomModel(const Scenario& scenario, Weather weather)
    : scenario_(scenario),
      weather_(std::move(weather)),
      load_(scenario.load, scenario.racks, scenario.seed),
      ir_rng_(Rng::For(scenario.seed, kIrStream)),
      thermal_mass_j_per_k_(scenario.room.thermal_mass_j_per_k),
      moisture_capacity_kg_(kAirDensity * scenario.room.volume_m3 * kMoistureBufferFactor),
      inlet_mixing_share_(1 - std::exp(-static_cast<double>(scenario.step) /
                                       (kInletMixingTimeConstantS * kNanosPerSecond))) {
  // Linux decays its load averages exponentially with 1, 5 and 15 min time constants.
  const double step_s = static_cast<double>(scenario.step) / static_cast<double>(kNanosPerSecond);
  const double windows_s[3] = {60, 300, 900};
  for (int k = 0; k < 3; ++k)
    load_share_[k] = 1 - std::exp(-step_s / windows_s[k]);
  rack_faults_.resize(scenario_.racks.size());
  ac_faults_.resize(scenario_.acs.size());
  for (const FaultConfig& fault : scenario_.faults) {
    if (fault.target.empty()) door_faults_.push_back(&fault);
    for (size_t r = 0; r < scenario_.racks.size(); ++r) {
      if (scenario_.racks[r].id == fault.target) rack_faults_[r].push_back(&fault);
    }
    for (size_t a = 0; a < scenario_.acs.size(); ++a) {
      if (scenario_.acs[a].id == fault.target) ac_faults_[a].push_back(&fault);
    }
  }
  state_.time = scenario.start_time;
  state_.air_c = scenario.room.initial_temperature_c;
  state_.humidity_ratio = HumidityRatio(state_.air_c, scenario.room.initial_humidity_rh);
  state_.humidity_rh = scenario.room.initial_humidity_rh;
  start_air_c_ = state_.air_c;
  state_.racks.resize(scenario.racks.size());
  for (RackState& rack : state_.racks)
    rack.inlet_c = state_.air_c;
  for (const AcConfig& config : scenario.acs) {
    AcState ac;
    ac.power_on = config.power_on;
    ac.setpoint_c = config.setpoint_c;
    // Free to start at once: the unit has been off for longer than its cycle time.
    ac.last_switch = scenario.start_time - static_cast<TimeNs>(config.min_cycle_s * 1e9);
    ac.supply_c = state_.air_c;
    state_.acs.push_back(ac);
  }
  const OutdoorConditions outdoor = weather_.At(state_.time);
  state_.outdoor_c = outdoor.temperature_c;
  state_.outdoor_rh = outdoor.humidity_rh;
}

bool RoomModel::Active(const FaultList& faults, FaultKind kind) const {
  for (const FaultConfig* f : faults) {
    if (f->kind == kind && f->ActiveAt(state_.time - scenario_.start_time)) return true;
  }
  return false;
}

double RoomModel::Severity(const FaultList& faults, FaultKind kind) const {
  double severity = 0;
  for (const FaultConfig* f : faults) {
    if (f->kind == kind && f->ActiveAt(state_.time - scenario_.start_time)) {
      severity = std::max(severity, f->severity);
    }
  }
  return severity;
}

void RoomModel::SendIr(size_t ac, const IrCommand& command) {
  AcState& state = state_.acs[ac];
  const double loss = Severity(ac_faults_[ac], FaultKind::kAcIgnoresIr);
  if (loss > 0 && ir_rng_.Uniform() < loss) {
    ++state.commands_lost;
    return;
  }
  ++state.commands_received;
  state.power_on = command.power_on;
  state.setpoint_c = std::clamp(command.setpoint_c, kMinUnitSetpointC, kMaxUnitSetpointC);
}

void RoomModel::UpdateAirConditioner(size_t a) {
  const AcConfig& config = scenario_.acs[a];
  AcState& ac = state_.acs[a];
  const double room_c = state_.air_c;
  if (!ac.power_on) {
    ac.compressor_on = false;
    ac.capacity_w = ac.cooling_w = ac.sensible_w = ac.cop = ac.electric_w = 0;
    ac.supply_c = room_c;
    return;
  }
  // The unit's own thermostat on its return air, with hysteresis and anti-short-cycling.
  const double half_band = config.hysteresis_k / 2;
  const bool call_for_cooling =
      ac.compressor_on ? room_c > ac.setpoint_c - half_band : room_c > ac.setpoint_c + half_band;
  const double since_switch_s =
      static_cast<double>(state_.time - ac.last_switch) / static_cast<double>(kNanosPerSecond);
  if (call_for_cooling != ac.compressor_on && since_switch_s >= config.min_cycle_s) {
    ac.compressor_on = call_for_cooling;
    ac.last_switch = state_.time;
  }
  const double outdoor_share =
      std::clamp(1 - config.capacity_loss_per_k * (state_.outdoor_c - config.rated_outdoor_c),
                 kMinCapacityShare, kMaxCapacityShare);
  const double degraded = Severity(ac_faults_[a], FaultKind::kAcDegraded);
  ac.capacity_w = config.rated_capacity_w * outdoor_share * (1 - degraded);
  const bool failed = Active(ac_faults_[a], FaultKind::kAcFailure);
  const double air_flow_heat = kAirDensity * kAirHeatCapacity * config.airflow_m3_per_s;
  if (!ac.compressor_on || failed) {
    ac.cooling_w = ac.sensible_w = ac.cop = 0;
    ac.electric_w = config.fan_w;
    ac.supply_c = room_c;
    return;
  }
  // COP: a fixed share of the Carnot COP between evaporating and condensing temperatures,
  // which follow the return air and the outdoor air (room-model.md, "Air conditioners").
  const double evaporating_c = room_c - config.evaporator_approach_k;
  const double condensing_c = state_.outdoor_c + config.condenser_approach_k;
  const double lift = std::max(condensing_c - evaporating_c, kMinTemperatureLiftK);
  ac.cop = std::clamp(config.carnot_fraction * (evaporating_c + kCelsiusToKelvin) / lift, kMinCop,
                      kMaxCop);
  const double coil_c = evaporating_c + kCoilAboveEvaporatorK;
  const bool wet_coil = coil_c < DewPoint(state_.humidity_ratio);
  double latent = wet_coil ? ac.capacity_w * (1 - config.sensible_heat_ratio) : 0;
  // The coil cannot cool the air below its own temperature.
  const double sensible =
      std::min(ac.capacity_w - latent, std::max(0.0, air_flow_heat * (room_c - coil_c)));
  ac.sensible_w = sensible;
  ac.cooling_w = sensible + latent;
  ac.electric_w = ac.cooling_w / ac.cop + config.fan_w;
  ac.supply_c = room_c - sensible / air_flow_heat;
}

void RoomModel::UpdateRacks() {
  // Cold air at the rack fronts: the units' supply air, topped up with room air when the
  // servers draw more air than the running units blow.
  double ac_flow = 0;
  double ac_flow_temperature = 0;
  for (size_t a = 0; a < scenario_.acs.size(); ++a) {
    if (!state_.acs[a].power_on) continue;
    ac_flow += scenario_.acs[a].airflow_m3_per_s;
    ac_flow_temperature += scenario_.acs[a].airflow_m3_per_s * state_.acs[a].supply_c;
  }
  double rack_flow = 0;
  for (size_t r = 0; r < scenario_.racks.size(); ++r) {
    const RackConfig& config = scenario_.racks[r];
    RackState& rack = state_.racks[r];
    double utilisation = load_.Rack(r);
    const double overload = Severity(rack_faults_[r], FaultKind::kRackOverload);
    if (overload > 0) utilisation = std::min(1.0, utilisation + overload);
    rack.utilisation = config.servers > 0 ? utilisation : 0;
    const double base_w =
        config.servers * (config.idle_w + (config.max_w - config.idle_w) * rack.utilisation);
    rack.airflow_m3_per_s = config.airflow_m3_per_s_per_kw * base_w / 1000;
    rack.it_power_w = base_w;  // fan share added once the inlet is known
    rack_flow += rack.airflow_m3_per_s;
  }
  const double room_c = state_.air_c;
  double cold_c = room_c;
  if (ac_flow > 0) {
    const double supply_c = ac_flow_temperature / ac_flow;
    cold_c = rack_flow <= ac_flow
                 ? supply_c
                 : (ac_flow * supply_c + (rack_flow - ac_flow) * room_c) / rack_flow;
  }
  state_.it_power_w = 0;
  for (size_t r = 0; r < scenario_.racks.size(); ++r) {
    const RackConfig& config = scenario_.racks[r];
    RackState& rack = state_.racks[r];
    if (rack.airflow_m3_per_s <= 0) {
      rack.inlet_c += inlet_mixing_share_ * (cold_c - rack.inlet_c);
      rack.exhaust_c = rack.inlet_c;
      rack.fan_rpm = 0;
      continue;
    }
    const double rise_per_w = 1 / (kAirDensity * kAirHeatCapacity * rack.airflow_m3_per_s);
    // Recirculation: part of the rack's own exhaust rise comes back to its inlet.
    const double target_c = cold_c + config.recirculation * rack.it_power_w * rise_per_w;
    rack.inlet_c += inlet_mixing_share_ * (target_c - rack.inlet_c);
    const double warm_k = std::max(0.0, rack.inlet_c - kServerFanReferenceC);
    rack.it_power_w *= 1 + kServerFanPowerPerK * warm_k;
    rack.exhaust_c = rack.inlet_c + rack.it_power_w * rise_per_w;
    rack.fan_rpm = std::min(
        kFanMaxRpm, kFanIdleRpm + kFanRpmPerK * warm_k + kFanRpmAtFullLoad * rack.utilisation);
    state_.it_power_w += rack.it_power_w;
  }
}

void RoomModel::Step() {
  const double dt = static_cast<double>(scenario_.step) / static_cast<double>(kNanosPerSecond);
  const OutdoorConditions outdoor = weather_.At(state_.time);
  state_.outdoor_c = outdoor.temperature_c;
  state_.outdoor_rh = outdoor.humidity_rh;
  load_.Advance(state_.time);

  state_.cooling_electric_w = 0;
  double fan_heat = 0;
  double removed_sensible = 0;
  double removed_latent = 0;
  for (size_t a = 0; a < scenario_.acs.size(); ++a) {
    UpdateAirConditioner(a);
    const AcState& ac = state_.acs[a];
    state_.cooling_electric_w += ac.electric_w;
    if (ac.power_on) fan_heat += scenario_.acs[a].fan_w;
    removed_sensible += ac.sensible_w;
    removed_latent += ac.cooling_w - ac.sensible_w;
  }
  UpdateRacks();

  // The room air node: IT heat, fan heat, walls, air exchange, minus what the coils take.
  const RoomConfig& room = scenario_.room;
  const double door = Severity(door_faults_, FaultKind::kDoorOpen);
  state_.door_open = door > 0;
  const double exchange_flow = room.infiltration_ach * room.volume_m3 / 3600 + door;
  const double outside_k = state_.outdoor_c - state_.air_c;
  const double envelope_w = room.wall_ua_w_per_k * outside_k;
  const double exchange_w = kAirDensity * kAirHeatCapacity * exchange_flow * outside_k;
  const double net_w = state_.it_power_w + fan_heat + envelope_w + exchange_w - removed_sensible;
  state_.air_c += dt * net_w / thermal_mass_j_per_k_;

  // Moisture: exchange with the outside, minus what condenses on the coils.
  const double outdoor_ratio = HumidityRatio(state_.outdoor_c, state_.outdoor_rh);
  const double moisture_kg_per_s =
      kAirDensity * exchange_flow * (outdoor_ratio - state_.humidity_ratio) -
      removed_latent / kLatentHeat;
  state_.humidity_ratio =
      std::max(0.0, state_.humidity_ratio + dt * moisture_kg_per_s / moisture_capacity_kg_);
  state_.humidity_rh = RelativeHumidity(state_.air_c, state_.humidity_ratio);

  for (RackState& rack : state_.racks) {
    rack.busy_seconds += dt * rack.utilisation;
    rack.load1 += load_share_[0] * (rack.utilisation - rack.load1);
    rack.load5 += load_share_[1] * (rack.utilisation - rack.load5);
    rack.load15 += load_share_[2] * (rack.utilisation - rack.load15);
  }
  ledger_.it += dt * state_.it_power_w;
  ledger_.cooling_electric += dt * state_.cooling_electric_w;
  ledger_.ac_fan_heat += dt * fan_heat;
  ledger_.envelope += dt * envelope_w;
  ledger_.exchange += dt * exchange_w;
  ledger_.removed_sensible += dt * removed_sensible;
  ledger_.removed_latent += dt * removed_latent;
  ledger_.stored = thermal_mass_j_per_k_ * (state_.air_c - start_air_c_);
  state_.time += scenario_.step;
}

}  // namespace coolflow::room
