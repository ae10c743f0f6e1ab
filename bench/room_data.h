// Deterministic benchmark input: what a server room sends coolflow, in every wire format.
// The room has kRacks racks with kSensorsPerRack temperature/humidity boxes each (the seed's
// Raspberry Pis) and kServers servers whose SNMP resource counters are polled every tick.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/clock.h"

namespace coolflow::bench {

inline constexpr int kRacks = 20;
inline constexpr int kSensorsPerRack = 4;
inline constexpr int kServers = 100;
inline constexpr TimeNs kTick = 10 * kNanosPerSecond;
inline constexpr TimeNs kFirstTick = 1'764'000'000'000'000'000;  // 2025-11-24T16:00:00Z

// One input per format, each at least `min_bytes` long (whole ticks of the room).
struct RoomInputs {
  // Line protocol, each tick's temp points then its resource points:
  //   temp,box=pi-07,rack=r07 temperature=23.41,humidity=41.2 1764000000123456789
  //   resource,box=srv-042,ip=10.0.1.42,rack=r03 cpu_user=1234567i,...(12 fields) <ns>
  std::string line_protocol;
  std::string line_protocol_temp;      // only the temp points (2 fields each)
  std::string line_protocol_resource;  // only the resource points (12 fields each)
  std::string temp_csv;                // the seed's x,id,humidity,temperature; x in epoch ms
  std::string resource_json;           // the seed's resource record, one per line
  std::string coolflow_readings;       // coolflow JSON, one reading object per line
  std::string coolflow_batches;        // coolflow JSON, one batch per box and tick
  TimeNs last_time = 0;                // the latest time in any input
};

// Builds the inputs from a fixed pseudo-random `seed`: equal seeds give equal bytes.
RoomInputs GenerateRoom(size_t min_bytes, uint64_t seed);

}  // namespace coolflow::bench
