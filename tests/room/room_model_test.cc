#include "room/room_model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "room/psychrometrics.h"
#include "room/sensors.h"
#include "room/weather.h"
#include "room_test_util.h"

namespace coolflow::room {
namespace {

using testing::SmallRoom;
using testing::SteadyRoom;

std::unique_ptr<RoomModel> Make(const Scenario& s) {
  auto model = RoomModel::Create(s);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return std::move(*model);
}

double Seconds(TimeNs t) {
  return static_cast<double>(t) / 1e9;
}

// The energy balance, integrated here from the state the model exposes step by step (not
// from its own ledger), closes over a day of a varying room with cycling compressors.
TEST(RoomModel, EnergyBalanceClosesOverADay) {
  const Scenario s = SmallRoom();
  auto model = Make(s);
  const double dt = Seconds(s.step);
  const double start_c = model->state().air_c;
  double heat_in = 0;
  double it = 0;
  while (model->now() < model->end()) {
    const double before_c = model->state().air_c;
    model->Step();
    const RoomState& st = model->state();
    double fans = 0;
    double removed = 0;
    for (size_t a = 0; a < st.acs.size(); ++a) {
      if (st.acs[a].power_on) fans += s.acs[a].fan_w;
      removed += st.acs[a].sensible_w;
    }
    const double exchange_flow = s.room.infiltration_ach * s.room.volume_m3 / 3600;
    const double outside_k = st.outdoor_c - before_c;
    heat_in += dt * (st.it_power_w + fans + s.room.wall_ua_w_per_k * outside_k +
                     kAirDensity * kAirHeatCapacity * exchange_flow * outside_k - removed);
    it += dt * st.it_power_w;
  }
  const double stored = s.room.thermal_mass_j_per_k * (model->state().air_c - start_c);
  EXPECT_LT(std::abs(stored - heat_in), 0.01 * it) << "stored " << stored << " J, in " << heat_in;
  const EnergyLedger& ledger = model->ledger();
  EXPECT_NEAR(ledger.it, it, 1e-6 * it);
  EXPECT_GT(ledger.removed_sensible, 0.5 * it);  // the ACs did most of the work
}

// With every AC off and the room sealed, the air warms at IT power / thermal mass.
TEST(RoomModel, WithTheAcsOffTheRoomWarmsAtItPowerOverThermalMass) {
  Scenario s = SteadyRoom();
  s.room.wall_ua_w_per_k = 0;
  s.room.infiltration_ach = 0;
  s.room.initial_temperature_c = 15;  // inlets stay below the server fans' reference
  for (AcConfig& ac : s.acs) {
    ac.power_on = false;
    ac.fan_w = 0;
  }
  auto model = Make(s);
  const double per_server =
      s.racks[0].idle_w + (s.racks[0].max_w - s.racks[0].idle_w) * s.load.base;
  const double it_w = 4 * 8 * per_server;
  const int steps = 30;  // 5 minutes: inlets stay below 22 C
  for (int i = 0; i < steps; ++i)
    model->Step();
  const double expected_k = it_w * steps * Seconds(s.step) / s.room.thermal_mass_j_per_k;
  EXPECT_NEAR(model->state().air_c - 15, expected_k, 0.01 * expected_k);
  EXPECT_NEAR(model->state().it_power_w, it_w, 1e-6 * it_w);
}

// At steady load the room cycles around the setpoint, and each rack's mean inlet is where
// the mixing model puts it: room air less what the coils remove, spread over the units'
// airflow, plus the rack's own recirculated exhaust rise.
TEST(RoomModel, AtSteadyLoadInletsSettleWhereTheModelSays) {
  const Scenario s = SteadyRoom();
  auto model = Make(s);
  const TimeNs warmup = 8 * 3600 * kNanosPerSecond;
  while (model->now() < s.start_time + warmup)
    model->Step();
  double room_sum = 0, removed_sum = 0;
  std::vector<double> inlet_sum(s.racks.size()), rise_sum(s.racks.size());
  int n = 0;
  while (model->now() < model->end()) {
    model->Step();
    const RoomState& st = model->state();
    room_sum += st.air_c;
    for (const AcState& ac : st.acs)
      removed_sum += ac.sensible_w;
    for (size_t r = 0; r < s.racks.size(); ++r) {
      inlet_sum[r] += st.racks[r].inlet_c;
      rise_sum[r] += st.racks[r].exhaust_c - st.racks[r].inlet_c;
    }
    ++n;
  }
  const double room_c = room_sum / n;
  EXPECT_NEAR(room_c, s.acs[0].setpoint_c, s.acs[0].hysteresis_k / 2 + 0.3);
  const double ac_flow = s.acs[0].airflow_m3_per_s + s.acs[1].airflow_m3_per_s;
  const double cold_c = room_c - (removed_sum / n) / (kAirDensity * kAirHeatCapacity * ac_flow);
  for (size_t r = 0; r < s.racks.size(); ++r) {
    const double expected = cold_c + s.racks[r].recirculation * rise_sum[r] / n;
    EXPECT_NEAR(inlet_sum[r] / n, expected, 0.2) << s.racks[r].id;
  }
}

// A higher setpoint raises the evaporating temperature and with it the COP: less electric
// power for the same heat, while the room stays within the units' capacity.
TEST(RoomModel, RaisingTheSetpointLowersAcPower) {
  double electric_at[2] = {0, 0};
  const double setpoints[2] = {22, 26};
  for (int k = 0; k < 2; ++k) {
    Scenario s = SteadyRoom();
    for (AcConfig& ac : s.acs)
      ac.setpoint_c = setpoints[k];
    s.room.initial_temperature_c = setpoints[k];
    auto model = Make(s);
    while (model->now() < model->end())
      model->Step();
    electric_at[k] = model->ledger().cooling_electric;
    EXPECT_NEAR(model->state().air_c, setpoints[k], 1.5);
  }
  EXPECT_LT(electric_at[1], 0.9 * electric_at[0])
      << "22 C: " << electric_at[0] / 3.6e6 << " kWh, 26 C: " << electric_at[1] / 3.6e6 << " kWh";
}

// Capacity lost to a fault shows as a room that no longer holds its setpoint.
TEST(RoomModel, ACapacityFaultMakesTemperaturesClimb) {
  Scenario s = SteadyRoom();
  for (const AcConfig& ac : s.acs) {
    s.faults.push_back({FaultKind::kAcDegraded, ac.id, 2 * 3600 * kNanosPerSecond, 0, 0.8});
  }
  auto model = Make(s);
  while (model->now() < s.start_time + 2 * 3600 * kNanosPerSecond)
    model->Step();
  const double before_c = model->state().air_c;
  EXPECT_NEAR(before_c, 24, 1);
  double last_c = before_c;
  for (int hour = 0; hour < 3; ++hour) {
    for (int i = 0; i < 360; ++i)
      model->Step();
    EXPECT_GT(model->state().air_c, last_c) << "hour " << hour;
    last_c = model->state().air_c;
  }
  EXPECT_GT(last_c, before_c + 3);
}

TEST(RoomModel, AcFailureStopsCoolingButNotTheFan) {
  Scenario s = SteadyRoom();
  s.faults.push_back({FaultKind::kAcFailure, "ac1", 0, 0, 1});
  auto model = Make(s);
  for (int i = 0; i < 100; ++i)
    model->Step();
  const AcState& ac = model->state().acs[0];
  EXPECT_EQ(ac.cooling_w, 0);
  EXPECT_EQ(ac.electric_w, s.acs[0].fan_w);
  EXPECT_GT(model->state().acs[1].cooling_w + model->ledger().removed_sensible, 0);
}

TEST(RoomModel, InfraredCommandsAreObeyedOrLost) {
  Scenario s = SteadyRoom();
  s.faults.push_back({FaultKind::kAcIgnoresIr, "ac2", 0, 0, 1.0});
  auto model = Make(s);
  model->SendIr(0, {true, 27});
  model->SendIr(1, {true, 27});
  EXPECT_EQ(model->state().acs[0].setpoint_c, 27);
  EXPECT_EQ(model->state().acs[1].setpoint_c, 24);
  EXPECT_EQ(model->state().acs[1].commands_lost, 1u);
  model->SendIr(0, {false, 40});
  EXPECT_FALSE(model->state().acs[0].power_on);
  EXPECT_EQ(model->state().acs[0].setpoint_c, 32);  // clamped to what the unit can do
}

TEST(Weather, SeasonalCycleWarmsSummerAndCoolsWinter) {
  WeatherConfig config;
  config.mean_c = 14;
  config.amplitude_k = 0;
  config.seasonal_amplitude_k = 10;
  config.warmest_day = 200;
  auto weather = Weather::Create(config, 0);
  ASSERT_TRUE(weather.ok());
  const TimeNs day = 86400 * kNanosPerSecond;
  const TimeNs year_2025 = 1'735'689'600LL * kNanosPerSecond;  // 2025-01-01T00:00:00Z
  EXPECT_NEAR(weather->At(year_2025 + 200 * day).temperature_c, 24, 0.1);
  EXPECT_NEAR(weather->At(year_2025 + 17 * day).temperature_c, 4, 0.1);
  EXPECT_NEAR(weather->At(year_2025 + 109 * day).temperature_c, 14, 0.3);
}

TEST(RoomModel, HumidityStaysPhysical) {
  auto model = Make(SmallRoom());
  while (model->now() < model->end()) {
    model->Step();
    ASSERT_GE(model->state().humidity_rh, 0);
    ASSERT_LE(model->state().humidity_rh, 100);
  }
  // Dry indoor air in a cooled room with 60 % outdoor humidity: somewhere in between.
  EXPECT_GT(model->state().humidity_rh, 20);
  EXPECT_LT(model->state().humidity_rh, 80);
}

TEST(Sensors, NoiseResolutionFailuresAndFaults) {
  Scenario s = SteadyRoom();
  s.faults.push_back({FaultKind::kSensorDead, "r02", 0, 0, 1});
  s.faults.push_back({FaultKind::kSensorStuck, "r03", 60 * kNanosPerSecond, 0, 1});
  s.faults.push_back({FaultKind::kSensorDrift, "r04", 0, 0, 2.0});
  auto model = Make(s);
  SensorBank sensors(s);
  int reads = 0, failures = 0;
  double error_sum = 0;
  std::optional<double> stuck_value;
  for (int i = 0; i < 2000; ++i) {
    model->Step();
    const InletSample a = sensors.ReadInlet(0, *model);
    ++reads;
    if (!a.temperature_c) {
      ++failures;
    } else {
      const double tenths = *a.temperature_c * 10;
      EXPECT_NEAR(tenths, std::round(tenths), 1e-6);  // 0.1 C resolution
      error_sum += std::abs(*a.temperature_c - model->state().racks[0].inlet_c);
    }
    EXPECT_FALSE(sensors.ReadInlet(1, *model).temperature_c);
    const InletSample stuck = sensors.ReadInlet(2, *model);
    if (model->now() > s.start_time + 2 * kNanosPerMinute && stuck.temperature_c) {
      if (!stuck_value) stuck_value = stuck.temperature_c;
      EXPECT_EQ(*stuck.temperature_c, *stuck_value);
    }
  }
  EXPECT_NEAR(static_cast<double>(failures) / reads, s.sensors.read_failure_rate, 0.015);
  EXPECT_LT(error_sum / (reads - failures), 0.5);  // DHT22: +-0.5 C
  // 2000 steps of 10 s at 2 K/h: the drifting sensor reads about 11 K high.
  std::optional<double> drifted;
  while (!drifted)
    drifted = sensors.ReadInlet(3, *model).temperature_c;
  EXPECT_NEAR(*drifted - model->state().racks[3].inlet_c, 2.0 * 2000 * 10 / 3600, 1.0);
}

// SNMP values agree with the load the model ran: the busy share of CPU ticks between two
// polls is the mean utilisation, load averages follow it, counters only grow.
TEST(Sensors, SnmpFollowsTheLoad) {
  Scenario s = SteadyRoom();
  s.racks[1].load_offset = 0.4;  // a busier rack
  auto model = Make(s);
  SensorBank sensors(s);
  for (int i = 0; i < 360; ++i)
    model->Step();  // an hour: load averages settle
  const SnmpSample a = sensors.ReadSnmp(0, 3, *model);
  const SnmpSample busy_a = sensors.ReadSnmp(1, 3, *model);
  double utilisation_sum = 0;
  for (int i = 0; i < 60; ++i) {
    model->Step();
    utilisation_sum += model->state().racks[0].utilisation;
  }
  const SnmpSample b = sensors.ReadSnmp(0, 3, *model);
  const SnmpSample busy_b = sensors.ReadSnmp(1, 3, *model);
  const double busy = static_cast<double>((b.cpu_user_ticks - a.cpu_user_ticks) +
                                          (b.cpu_system_ticks - a.cpu_system_ticks));
  const double idle = static_cast<double>(b.cpu_idle_ticks - a.cpu_idle_ticks);
  EXPECT_NEAR(busy / (busy + idle), utilisation_sum / 60, 0.01);
  EXPECT_NEAR(b.load1, 16 * model->state().racks[0].utilisation, 0.5);
  EXPECT_EQ(b.uptime_ticks - a.uptime_ticks, 60u * 10 * 100);
  EXPECT_GT(b.net_in_octets, a.net_in_octets);
  EXPECT_GT(busy_b.net_out_octets - busy_a.net_out_octets, b.net_out_octets - a.net_out_octets);
  EXPECT_LT(busy_b.memory_available_kb, b.memory_available_kb);
  EXPECT_GT(busy_b.load5, b.load5);
  EXPECT_LE(b.memory_available_kb, b.memory_total_kb);
  EXPECT_GT(b.disk_used_percent, 0);
  EXPECT_LE(b.disk_used_percent, 99);
  // The same server read twice at the same time gives the same values.
  const SnmpSample again = sensors.ReadSnmp(0, 3, *model);
  EXPECT_EQ(again.net_in_octets, b.net_in_octets);
  EXPECT_EQ(again.cpu_idle_ticks, b.cpu_idle_ticks);
}

TEST(Sensors, MetersReadTheTrueValuesWithinTheirNoise) {
  auto model = Make(SteadyRoom());
  SensorBank sensors(model->scenario());
  for (int i = 0; i < 100; ++i)
    model->Step();
  double power = 0, rpm = 0, ac = 0;
  const int reads = 400;
  for (int i = 0; i < reads; ++i) {
    power += sensors.ReadRackPower(0, *model);
    rpm += sensors.ReadFanRpm(0, *model);
    ac += sensors.ReadAcPower(0, *model);
  }
  const RoomState& st = model->state();
  EXPECT_NEAR(power / reads, st.racks[0].it_power_w, 0.003 * st.racks[0].it_power_w);
  EXPECT_NEAR(rpm / reads, st.racks[0].fan_rpm, 0.005 * st.racks[0].fan_rpm + 30);
  EXPECT_NEAR(ac / reads, st.acs[0].electric_w, 0.003 * st.acs[0].electric_w + 1);
}

}  // namespace
}  // namespace coolflow::room
