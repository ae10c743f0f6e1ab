// A rolling min/max/mean over a fixed time window in bounded memory: a ring of per-bucket
// aggregates (count, sum, min, max), never the points. A window of N buckets of width W
// covers the current bucket and the N - 1 before it, so its span is between (N - 1) x W and
// N x W: the quantisation docs/live-state.md documents.
//
// Thread safety: none; the owner serialises access.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "common/clock.h"

namespace coolflow::hub::live {

struct WindowAggregate {
  uint64_t count = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
};

template <size_t kBuckets>
class RollingWindow {
 public:
  explicit RollingWindow(TimeNs bucket_width = kNanosPerSecond) : width_(bucket_width) {}

  // Adds a finite value at `time`. A value older than the ring reaches is dropped.
  void Add(TimeNs time, double value) {
    // Most readings land in the bucket of the one before: no division then.
    if (time < last_start_ || time - last_start_ >= width_) {
      last_number_ = BucketNumber(time);
      last_start_ = last_number_ * width_;
    }
    const int64_t number = last_number_;
    Bucket& b = buckets_[Slot(number)];
    if (b.number != number) {
      if (b.number > number) return;  // the slot holds a newer bucket: too old
      b = Bucket{};
      b.number = number;
    }
    ++b.agg.count;
    b.agg.sum += value;
    b.agg.min = std::min(b.agg.min, value);
    b.agg.max = std::max(b.agg.max, value);
  }

  // The aggregate of the buckets in the window that ends with the bucket holding `now`.
  WindowAggregate Aggregate(TimeNs now) const {
    const int64_t newest = BucketNumber(now);
    const int64_t oldest = newest - static_cast<int64_t>(kBuckets) + 1;
    WindowAggregate out;
    for (const Bucket& b : buckets_) {
      if (b.number < oldest || b.number > newest || b.agg.count == 0) continue;
      out.count += b.agg.count;
      out.sum += b.agg.sum;
      out.min = std::min(out.min, b.agg.min);
      out.max = std::max(out.max, b.agg.max);
    }
    return out;
  }

 private:
  struct Bucket {
    int64_t number = std::numeric_limits<int64_t>::min();
    WindowAggregate agg;
  };

  int64_t BucketNumber(TimeNs t) const {
    // Floor division, so times before the epoch bucket the same way.
    int64_t n = t / width_;
    if (t % width_ != 0 && t < 0) --n;
    return n;
  }
  static size_t Slot(int64_t number) {
    const int64_t m = number % static_cast<int64_t>(kBuckets);
    return static_cast<size_t>(m < 0 ? m + static_cast<int64_t>(kBuckets) : m);
  }

  TimeNs width_;
  int64_t last_number_ = 0;  // the bucket of the latest Add, starting at last_start_
  TimeNs last_start_ = std::numeric_limits<TimeNs>::max() / 2;
  std::array<Bucket, kBuckets> buckets_{};
};

}  // namespace coolflow::hub::live
