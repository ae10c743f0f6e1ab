// A small room built in code for the physics tests: 4 racks of 8 servers, 2 ACs.
#pragma once

#include "room/scenario.h"

namespace coolflow::room::testing {

inline Scenario SmallRoom() {
  Scenario s;
  s.name = "small";
  s.seed = 11;
  s.step = 10 * kNanosPerSecond;
  s.duration = 24 * 3600 * kNanosPerSecond;
  s.room.volume_m3 = 60;
  s.room.thermal_mass_j_per_k = 1.5e6;
  s.room.wall_ua_w_per_k = 100;
  s.room.infiltration_ach = 0.3;
  s.room.initial_temperature_c = 24;
  for (int r = 0; r < 4; ++r) {
    RackConfig rack;
    rack.id = "r0" + std::to_string(r + 1);
    rack.x = 0.6 * r;
    rack.servers = 8;
    rack.recirculation = r == 0 || r == 3 ? 0.12 : 0.05;
    s.racks.push_back(rack);
  }
  for (int a = 0; a < 2; ++a) {
    AcConfig ac;
    ac.id = "ac" + std::to_string(a + 1);
    ac.rated_capacity_w = 8000;
    ac.airflow_m3_per_s = 0.5;
    s.acs.push_back(ac);
  }
  s.weather.mean_c = 22;
  s.weather.amplitude_k = 5;
  return s;
}

// The same room with nothing that varies: constant load and weather.
inline Scenario SteadyRoom() {
  Scenario s = SmallRoom();
  s.load.daily_amplitude = 0;
  s.load.bursts_per_day = 0;
  s.load.weekend_factor = 1;
  s.weather.amplitude_k = 0;
  return s;
}

}  // namespace coolflow::room::testing
