// A server-room scenario: the room, its racks and air conditioners, the weather, the IT
// load, the sensors and the faults to inject. Loaded from YAML (see LoadScenario and
// docs/scenarios.md); every field has a documented default, so a scenario file states
// only what differs. All quantities are SI unless the name says otherwise.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace coolflow::room {

// The room's envelope and what follows its air temperature.
struct RoomConfig {
  double volume_m3 = 100;               // air volume
  double thermal_mass_j_per_k = 2.0e6;  // air + racks + structure coupled to the room air
  double wall_ua_w_per_k = 120;         // envelope conductance to the outside
  double infiltration_ach = 0.3;        // air changes per hour exchanged with the outside
  double initial_temperature_c = 24;
  double initial_humidity_rh = 45;
};

struct RackConfig {
  std::string id;               // "r01": unique, a box id (see reading::ValidateBoxId)
  double x = 0, y = 0;          // position on the room map, metres
  std::string zone;             // optional grouping ("aisle-a")
  int servers = 10;             // 0: an empty rack position
  double idle_w = 110;          // per server at 0 % utilisation
  double max_w = 330;           // per server at 100 % utilisation
  double recirculation = 0.08;  // share of the rack's exhaust rise that returns to its inlet
  double load_offset = 0;       // added to the room's utilisation for this rack
  double airflow_m3_per_s_per_kw = 0.057;  // server airflow per kW (about 120 CFM/kW)
};

struct AcConfig {
  std::string id;                   // "ac1": unique, a box id
  double rated_capacity_w = 12000;  // total cooling capacity at the rated outdoor temperature
  double rated_outdoor_c = 35;
  double capacity_loss_per_k = 0.012;  // fraction of capacity lost per K above rated outdoor
  double airflow_m3_per_s = 0.7;       // indoor fan airflow
  double fan_w = 150;                  // indoor fan electric power (its heat stays in the room)
  double hysteresis_k = 1.0;           // the unit's own thermostat band around the setpoint
  double min_cycle_s = 180;            // anti-short-cycle: minimum compressor on and off time
  double carnot_fraction = 0.45;       // COP = carnot_fraction x Carnot COP (see room-model.md)
  double evaporator_approach_k = 15;   // return air minus evaporating temperature
  double condenser_approach_k = 12;    // condensing minus outdoor temperature
  double sensible_heat_ratio = 0.9;    // sensible share of capacity when the coil is wet
  // The state the unit starts in (what its remote last sent).
  bool power_on = true;
  double setpoint_c = 24;
  double x = 0, y = 0;
};

// A heat wave adds `extra_k` to the outdoor temperature between start and start+duration,
// ramping up and down over `ramp`.
struct HeatWave {
  TimeNs start = 0;  // from the scenario start
  TimeNs duration = 0;
  TimeNs ramp = 6 * 3600 * kNanosPerSecond;
  double extra_k = 8;
};

struct WeatherConfig {
  // A daily sinusoid: mean, amplitude and the hour of the maximum (local = UTC here).
  double mean_c = 22;
  double amplitude_k = 5;
  double peak_hour = 15;
  // A yearly cycle on top: the daily mean moves by +-seasonal_amplitude_k, warmest on
  // day `warmest_day` of the year (0 = 1 January; 200 is mid-July, the northern summer).
  double seasonal_amplitude_k = 0;
  double warmest_day = 200;
  double humidity_rh = 60;  // outdoor relative humidity, constant
  std::vector<HeatWave> heat_waves;
  // When set, outdoor temperature and humidity come from this CSV file instead
  // (time,temperature_c[,humidity_rh]; time as in reading formats; linear interpolation),
  // relative paths resolved against the scenario file's folder.
  std::string csv_path;
};

struct LoadConfig {
  double base = 0.35;            // mean utilisation
  double daily_amplitude = 0.2;  // half the day-night swing
  double peak_hour = 14;
  double weekend_factor = 0.75;  // utilisation multiplier on Saturdays and Sundays
  double bursts_per_day = 2;     // Poisson rate of load bursts, per rack
  double burst_extra = 0.3;      // utilisation added during a burst
  TimeNs burst_duration = 15 * kNanosPerMinute;
};

enum class SensorModel { kDht22, kDs18b20, kBme280 };

struct SensorConfig {
  SensorModel model = SensorModel::kDht22;
  TimeNs interval = 10 * kNanosPerSecond;  // how often the agent reads them
  double temperature_sigma_c = 0.2;        // noise (DHT22 datasheet: accuracy +-0.5 C)
  double humidity_sigma_rh = 1.0;          // noise (DHT22: +-2 %RH)
  double read_failure_rate = 0.02;         // share of reads that fail (DHT22: EIO, checksum)
};

enum class FaultKind {
  kAcFailure,     // the unit stops cooling (fan keeps running)
  kAcDegraded,    // capacity multiplied by (1 - severity)
  kAcIgnoresIr,   // each infrared command is lost with probability `severity`
  kSensorStuck,   // the sensor repeats its last value
  kSensorDead,    // every read fails
  kSensorDrift,   // the reading drifts by `severity` K per hour
  kSensorNoisy,   // noise sigma multiplied by (1 + severity)
  kRackOverload,  // the rack's utilisation raised by `severity` (capped at 1)
  kDoorOpen,      // extra exchange with the outside of `severity` m3/s
};

std::string_view FaultKindName(FaultKind kind);  // "ac_failure", ...

struct FaultConfig {
  FaultKind kind = FaultKind::kAcFailure;
  std::string target;   // an AC id, a rack id (its sensor for sensor faults), or "" (door)
  TimeNs start = 0;     // from the scenario start
  TimeNs duration = 0;  // 0: until the end
  double severity = 1;

  // Whether the fault is in force `since_start` after the scenario's start.
  bool ActiveAt(TimeNs since_start) const {
    return since_start >= start && (duration == 0 || since_start < start + duration);
  }
};

struct Scenario {
  std::string name;
  std::string description;
  uint64_t seed = 1;
  TimeNs start_time = 1'748'822'400LL * kNanosPerSecond;  // 2025-06-02T00:00:00Z, a Monday
  TimeNs step = 10 * kNanosPerSecond;
  TimeNs duration = 24 * 3600 * kNanosPerSecond;
  RoomConfig room;
  std::vector<RackConfig> racks;
  std::vector<AcConfig> acs;
  WeatherConfig weather;
  LoadConfig load;
  SensorConfig sensors;
  std::vector<FaultConfig> faults;
  std::string source;  // the file it came from ("" when built in code)
};

// Checks cross-field rules (unique ids, targets that exist, positive step, physical
// ranges); the message names the field ("racks[3].id: ...").
Status ValidateScenario(const Scenario& scenario);

// Parses a scenario from YAML text. `source` names it in errors, which read
// "<source>:<line>:<column>: <field path>: <why>" (e.g. "heat.yaml:12:5: acs[0].setpoint_c:
// 35 is outside 16..32"). Unknown keys are errors, with the nearest valid key suggested.
Result<Scenario> ParseScenario(std::string_view yaml, std::string_view source);
// Reads and parses a scenario file; CSV weather paths are resolved against its folder.
Result<Scenario> LoadScenario(const std::string& path);

}  // namespace coolflow::room
