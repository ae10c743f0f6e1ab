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

class SensorBank {
 public:
  explicit SensorBank(const Scenario& scenario);

  // Reads rack `r`'s inlet sensor now.
  InletSample ReadInlet(size_t r, const RoomModel& model);
  // Reads only its temperature channel: what a controller polls every interval.
  std::optional<double> ReadInletTemperature(size_t r, const RoomModel& model);

 private:
  struct Sensor {
    Rng rng;
    double bias_c = 0;   // the part's own calibration offset, fixed per sensor
    InletSample last{};  // the last good read, repeated by a stuck sensor
  };
  InletSample Read(size_t r, const RoomModel& model, bool with_humidity);

  SensorConfig config_;
  double resolution_c_;
  std::vector<Sensor> sensors_;
};

}  // namespace coolflow::room
