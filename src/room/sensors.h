// What the room's sensors report: the true values of the model seen through the parts'
// noise, resolution and failures, and through the scenario's sensor faults.
#pragma once

#include <optional>
#include <vector>

#include "room/rng.h"
#include "room/room_model.h"

namespace coolflow::room {

// One read of a rack's inlet temperature/humidity sensor. A failed read (a DHT22's EIO or
// checksum error, a dead sensor) has no value.
struct InletSample {
  std::optional<double> temperature_c;
  std::optional<double> humidity_rh;
};

// The 14 items coolflow polls from each server over SNMP, as net-snmp reports them
// (UCD-SNMP-MIB ssCpuRaw*, laLoad, mem*, dskPercent; IF-MIB ifHC*Octets), plus sysUpTime.
// Counters count from the server's boot and only grow (the agent handles 32-bit wrap).
struct SnmpSample {
  uint64_t cpu_user_ticks = 0;  // 1/100 s of CPU time, summed over cores
  uint64_t cpu_system_ticks = 0;
  uint64_t cpu_idle_ticks = 0;
  double load1 = 0, load5 = 0, load15 = 0;  // run-queue length, whole machine
  uint64_t memory_total_kb = 0;
  uint64_t memory_available_kb = 0;
  uint64_t memory_buffers_kb = 0;
  uint64_t memory_cached_kb = 0;
  uint64_t swap_available_kb = 0;
  double disk_used_percent = 0;  // of /
  uint64_t net_in_octets = 0;
  uint64_t net_out_octets = 0;
  uint64_t uptime_ticks = 0;  // sysUpTime, 1/100 s
};

class SensorBank {
 public:
  explicit SensorBank(const Scenario& scenario);

  // Reads rack `r`'s inlet sensor now.
  InletSample ReadInlet(size_t r, const RoomModel& model);
  // Reads only its temperature channel: what a controller polls every interval.
  std::optional<double> ReadInletTemperature(size_t r, const RoomModel& model);

  // The rack's power meter (W, 1 % noise, 1 W resolution) and a server fan's tachometer
  // (rpm, 1 % noise, 60 rpm resolution: two pulses per turn counted over a second).
  double ReadRackPower(size_t r, const RoomModel& model);
  double ReadFanRpm(size_t r, const RoomModel& model);
  // An AC unit's electric power meter (W, 1 % noise).
  double ReadAcPower(size_t a, const RoomModel& model);

  // SNMP values of server `s` (0-based) of rack `r`, consistent with the rack's load.
  SnmpSample ReadSnmp(size_t r, int s, const RoomModel& model) const;

 private:
  struct Sensor {
    Rng rng;
    double bias_c = 0;   // the part's own calibration offset, fixed per sensor
    InletSample last{};  // the last good read, repeated by a stuck sensor
  };
  InletSample Read(size_t r, const RoomModel& model, bool with_humidity);

  SensorConfig config_;
  double resolution_c_;
  Rng meter_rng_;
  std::vector<Sensor> sensors_;
};

}  // namespace coolflow::room
