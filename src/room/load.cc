#include "room/load.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace coolflow::room {
namespace {

constexpr TimeNs kDay = 86400 * kNanosPerSecond;
// 1970-01-01 was a Thursday: (days + 4) % 7 is 0 on Sundays and 6 on Saturdays.
constexpr int64_t kEpochWeekday = 4;
constexpr TimeNs kNever = std::numeric_limits<TimeNs>::max();
constexpr uint64_t kLoadStream = 1000;  // Rng stream ids of the racks' loads

bool IsWeekend(TimeNs t) {
  const int64_t weekday = ((t / kDay) + kEpochWeekday) % 7;
  return weekday == 0 || weekday == 6;
}

}  // namespace

LoadProfile::LoadProfile(const LoadConfig& config, const std::vector<RackConfig>& racks,
                         uint64_t seed)
    : config_(config) {
  racks_.reserve(racks.size());
  for (size_t r = 0; r < racks.size(); ++r) {
    racks_.push_back(RackLoad{racks[r].load_offset, Rng::For(seed, kLoadStream + r)});
  }
}

TimeNs LoadProfile::NextBurstGap(Rng& rng) const {
  if (config_.bursts_per_day <= 0) return kNever;
  const double mean_gap = static_cast<double>(kDay) / config_.bursts_per_day;
  return std::max<TimeNs>(1, static_cast<TimeNs>(rng.Exponential(mean_gap)));
}

double LoadProfile::Advance(TimeNs t) {
  const double hours =
      static_cast<double>((t % kDay + kDay) % kDay) / static_cast<double>(3600 * kNanosPerSecond);
  const double daily =
      config_.daily_amplitude * std::cos(2 * std::numbers::pi * (hours - config_.peak_hour) / 24);
  const double room = config_.base * (IsWeekend(t) ? config_.weekend_factor : 1.0) + daily;
  for (RackLoad& rack : racks_) {
    if (!started_) {
      const TimeNs gap = NextBurstGap(rack.rng);
      rack.next_burst = gap == kNever ? kNever : t + gap;
    }
    while (rack.next_burst <= t) {
      rack.burst_end = std::max(rack.burst_end, rack.next_burst + config_.burst_duration);
      const TimeNs gap = NextBurstGap(rack.rng);
      rack.next_burst = gap == kNever ? kNever : rack.next_burst + gap;
    }
    const bool bursting = t < rack.burst_end;
    rack.utilisation =
        std::clamp(room + rack.offset + (bursting ? config_.burst_extra : 0.0), 0.0, 1.0);
  }
  started_ = true;
  return room;
}

}  // namespace coolflow::room
