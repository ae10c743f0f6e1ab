// Outdoor conditions over time: a daily sinusoid with heat waves, or a CSV weather file.
#pragma once

#include <vector>

#include "common/status.h"
#include "room/scenario.h"

namespace coolflow::room {

struct OutdoorConditions {
  double temperature_c;
  double humidity_rh;
};

class Weather {
 public:
  // Loads the CSV file when the config names one (time,temperature_c[,humidity_rh], a
  // header line allowed); errors name the file and line.
  static Result<Weather> Create(const WeatherConfig& config, TimeNs scenario_start);

  // Conditions at absolute time `t`: CSV samples are interpolated linearly and held
  // constant beyond the first and last.
  OutdoorConditions At(TimeNs t) const;

 private:
  struct Sample {
    TimeNs time;
    double temperature_c;
    double humidity_rh;
  };
  WeatherConfig config_;
  TimeNs start_ = 0;
  std::vector<Sample> samples_;  // from the CSV file, sorted by time
};

}  // namespace coolflow::room
