// IT utilisation over time: a daily cycle, a weekly cycle (quieter weekends), random
// bursts per rack, and per-rack offsets. Stateful only in the bursts, so it must be asked
// at non-decreasing times.
#pragma once

#include <vector>

#include "room/rng.h"
#include "room/scenario.h"

namespace coolflow::room {

class LoadProfile {
 public:
  LoadProfile(const LoadConfig& config, const std::vector<RackConfig>& racks, uint64_t seed);

  // Moves to absolute time `t` (>= the previous call's) and returns the room's utilisation
  // before per-rack terms: base x weekday factor + the daily cycle.
  double Advance(TimeNs t);

  // Utilisation 0..1 of rack `r` at the time of the last Advance, bursts included.
  double Rack(size_t r) const { return racks_[r].utilisation; }

 private:
  // Bursts start as a Poisson process (exponential gaps); each lasts burst_duration, and
  // overlapping ones merge.
  struct RackLoad {
    double offset = 0;
    Rng rng;
    TimeNs next_burst = 0;  // start of the next burst
    TimeNs burst_end = 0;   // end of the current (or last) burst
    double utilisation = 0;
  };
  TimeNs NextBurstGap(Rng& rng) const;

  bool started_ = false;

  LoadConfig config_;
  std::vector<RackLoad> racks_;
};

}  // namespace coolflow::room
