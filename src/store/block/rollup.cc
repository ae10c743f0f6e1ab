#include "store/block/rollup.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <variant>

namespace coolflow::store::block {
namespace {

// Neumaier's compensated sum: `sum + compensation` is the running total.
struct CompensatedSum {
  double sum = 0;
  double compensation = 0;
  void Add(double v) {
    const double t = sum + v;
    if (std::fabs(sum) >= std::fabs(v)) {
      compensation += (sum - t) + v;
    } else {
      compensation += (v - t) + sum;
    }
    sum = t;
  }
  // A non-finite total has no meaningful compensation (inf - inf is NaN).
  double Total() const { return std::isfinite(sum) ? sum + compensation : sum; }
};

// The largest scale, and what 10^scale must stay within to be exact in a double.
constexpr int kMaxDecimalScale = 9;
constexpr double kExactLimit = 9007199254740992.0;  // 2^53
constexpr std::array<int64_t, kMaxDecimalScale + 1> kPowersOf10 = {
    1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000, 1'000'000'000};

// The smallest scale k <= 9 at which v == n / 10^k exactly (one correctly rounded division),
// with n; -1 when there is none (1/3, NaN, infinities, huge values).
int DecimalScale(double v, int64_t& n) {
  for (int k = 0; k <= kMaxDecimalScale; ++k) {
    const auto p = static_cast<double>(kPowersOf10[static_cast<size_t>(k)]);
    const double x = v * p;
    if (!(std::fabs(x) < kExactLimit)) return -1;
    n = std::llround(x);
    if (static_cast<double>(n) / p == v) return k;
  }
  return -1;
}

// A sum of decimals (sensor readings at a fixed resolution) computed exactly, as scaled
// integers, so a bucket of readings sums to the decimal itself (23.4 + 23.5 = 46.9, not
// 46.900000000000006): exact, and stored compactly by the chunk codec's decimal encoding.
// Falls back to the compensated sum for anything else.
class DecimalSum {
 public:
  void Add(double v) {
    fallback_.Add(v);
    if (!exact_) return;
    int64_t n = 0;
    const int k = DecimalScale(v, n);
    if (k < 0) {
      exact_ = false;
      return;
    }
    if (k > scale_) {
      exact_ =
          !__builtin_mul_overflow(total_, kPowersOf10[static_cast<size_t>(k - scale_)], &total_);
      scale_ = k;
    } else if (k < scale_) {
      exact_ = !__builtin_mul_overflow(n, kPowersOf10[static_cast<size_t>(scale_ - k)], &n);
    }
    exact_ = exact_ && !__builtin_add_overflow(total_, n, &total_);
  }
  double Total() const {
    if (exact_ && std::fabs(static_cast<double>(total_)) < kExactLimit) {
      return static_cast<double>(total_) /
             static_cast<double>(kPowersOf10[static_cast<size_t>(scale_)]);
    }
    return fallback_.Total();
  }

 private:
  CompensatedSum fallback_;
  bool exact_ = true;
  int scale_ = 0;
  int64_t total_ = 0;
};

template <typename T>
double AsDouble(const std::vector<T>& column, size_t i) {
  if constexpr (std::is_same_v<T, bool>) {
    return column[i] ? 1.0 : 0.0;
  } else {
    return static_cast<double>(column[i]);
  }
}

}  // namespace

TimeNs RollupStep(RollupLevel level) {
  return level == RollupLevel::kMinute ? kNanosPerMinute : kNanosPerHour;
}

std::string_view RollupLevelName(RollupLevel level) {
  return level == RollupLevel::kMinute ? "1m" : "1h";
}

TimeNs BucketStart(TimeNs t, TimeNs step) {
  TimeNs remainder = t % step;
  if (remainder < 0) remainder += step;
  return t - remainder;
}

std::vector<RollupBucket> ComputeRollup(std::span<const TimeNs> times,
                                        const codec::ValueColumn& values, TimeNs step) {
  std::vector<RollupBucket> buckets;
  std::visit(
      [&](const auto& column) {
        const size_t n = std::min(times.size(), column.size());
        DecimalSum sum;
        for (size_t i = 0; i < n; ++i) {
          const double v = AsDouble(column, i);
          const TimeNs start = BucketStart(times[i], step);
          if (buckets.empty() || buckets.back().start != start) {
            if (!buckets.empty()) buckets.back().sum = sum.Total();
            buckets.push_back(
                {.start = start, .count = 0, .min = v, .max = v, .sum = 0, .last = v});
            sum = {};
          }
          RollupBucket& bucket = buckets.back();
          ++bucket.count;
          if (v < bucket.min) bucket.min = v;
          if (v > bucket.max) bucket.max = v;
          bucket.last = v;
          sum.Add(v);
        }
        if (!buckets.empty()) buckets.back().sum = sum.Total();
      },
      values);
  return buckets;
}

void MergeRollups(std::vector<RollupBucket>& into, std::span<const RollupBucket> later) {
  size_t i = 0;
  if (!into.empty() && !later.empty() && into.back().start == later.front().start) {
    RollupBucket& bucket = into.back();
    const RollupBucket& next = later.front();
    bucket.count += next.count;
    DecimalSum sum;
    sum.Add(bucket.sum);
    sum.Add(next.sum);
    bucket.sum = sum.Total();
    if (next.min < bucket.min) bucket.min = next.min;
    if (next.max > bucket.max) bucket.max = next.max;
    bucket.last = next.last;
    i = 1;
  }
  into.insert(into.end(), later.begin() + static_cast<std::ptrdiff_t>(i), later.end());
}

}  // namespace coolflow::store::block
