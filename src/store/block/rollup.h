// Rollups: per-bucket aggregates (count, min, max, sum, last) of one series at a fixed step,
// stored in the block files next to the points so that a query over a long range reads a
// few buckets instead of every point. Two levels: 1 minute and 1 hour.
//
// Thread safety: every function is safe to call from any thread concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "store/codec/chunk.h"

namespace coolflow::store::block {

enum class RollupLevel : uint8_t { kMinute = 0, kHour = 1 };
inline constexpr size_t kRollupLevels = 2;
inline constexpr std::array<RollupLevel, kRollupLevels> kAllRollupLevels = {RollupLevel::kMinute,
                                                                            RollupLevel::kHour};

// The bucket width of a level: 60 s, 3600 s.
TimeNs RollupStep(RollupLevel level);
// "1m", "1h".
std::string_view RollupLevelName(RollupLevel level);

// The aggregates of the points in [start, start + step).
struct RollupBucket {
  TimeNs start = 0;
  uint64_t count = 0;  // >= 1
  double min = 0, max = 0, sum = 0;
  double last = 0;  // the value of the bucket's newest point
  friend bool operator==(const RollupBucket&, const RollupBucket&) = default;
};

// The start of the bucket of width `step` (> 0) holding t: floor(t / step) * step, also for
// negative t.
TimeNs BucketStart(TimeNs t, TimeNs step);

// Buckets [k*step, (k+1)*step) (aligned since the epoch; negative times floor correctly) of
// sorted, unique times; values read as double (bool 0/1, int64/uint64 converted). Empty
// buckets are left out. `last` is the value of the bucket's newest point. `sum` is exact for
// decimals of up to 9 places (summed as scaled integers, so 0.1 + 0.2 gives 0.3: the exact
// decimal, which the chunk codec also stores compactly) and a compensated (Neumaier) sum
// otherwise. `values` holds as many values as `times`; step > 0.
std::vector<RollupBucket> ComputeRollup(std::span<const TimeNs> times,
                                        const codec::ValueColumn& values, TimeNs step);

// Appends `later`'s buckets to `into` (both sorted; every point of `later` is newer than every
// point of `into`): a bucket present in both is combined (count and sum add, min/max, last
// from `later`). Sums of decimals add exactly, as in ComputeRollup.
void MergeRollups(std::vector<RollupBucket>& into, std::span<const RollupBucket> later);

}  // namespace coolflow::store::block
