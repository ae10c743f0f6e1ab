// Rollups (src/store/block/rollup.h): bucketing, conversion, merging.
#include "store/block/rollup.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

namespace coolflow::store::block {
namespace {

constexpr TimeNs kSecond = kNanosPerSecond;

TEST(RollupTest, LevelsHaveTheirSteps) {
  EXPECT_EQ(RollupStep(RollupLevel::kMinute), 60 * kSecond);
  EXPECT_EQ(RollupStep(RollupLevel::kHour), 3600 * kSecond);
  EXPECT_EQ(RollupLevelName(RollupLevel::kMinute), "1m");
  EXPECT_EQ(RollupLevelName(RollupLevel::kHour), "1h");
}

TEST(RollupTest, BucketStartFloorsNegativeTimes) {
  const TimeNs step = 60 * kSecond;
  EXPECT_EQ(BucketStart(0, step), 0);
  EXPECT_EQ(BucketStart(59 * kSecond, step), 0);
  EXPECT_EQ(BucketStart(60 * kSecond, step), step);
  EXPECT_EQ(BucketStart(-1, step), -step);
  EXPECT_EQ(BucketStart(-step, step), -step);
  EXPECT_EQ(BucketStart(-step - 1, step), -2 * step);
}

TEST(RollupTest, BucketsSkipEmptyOnesAndKeepTheNewestValue) {
  const TimeNs m = 60 * kSecond;
  const std::vector<TimeNs> times = {-m - 1, -5, 0, 10 * kSecond, 59 * kSecond, 5 * m};
  const std::vector<double> values = {7.5, 1.0, 3.0, -2.0, 4.0, 9.0};
  const std::vector<RollupBucket> buckets = ComputeRollup(times, values, m);
  const std::vector<RollupBucket> want = {
      {.start = -2 * m, .count = 1, .min = 7.5, .max = 7.5, .sum = 7.5, .last = 7.5},
      {.start = -m, .count = 1, .min = 1.0, .max = 1.0, .sum = 1.0, .last = 1.0},
      {.start = 0, .count = 3, .min = -2.0, .max = 4.0, .sum = 5.0, .last = 4.0},
      {.start = 5 * m, .count = 1, .min = 9.0, .max = 9.0, .sum = 9.0, .last = 9.0},
  };
  EXPECT_EQ(buckets, want);
}

TEST(RollupTest, OtherTypesReadAsDouble) {
  const std::vector<TimeNs> times = {1, 2, 3};
  EXPECT_EQ(ComputeRollup(times, std::vector<bool>{true, false, true}, kSecond),
            (std::vector<RollupBucket>{{0, 3, 0.0, 1.0, 2.0, 1.0}}));
  EXPECT_EQ(ComputeRollup(times, std::vector<int64_t>{-4, 10, 2}, kSecond),
            (std::vector<RollupBucket>{{0, 3, -4.0, 10.0, 8.0, 2.0}}));
  EXPECT_EQ(ComputeRollup(times, std::vector<uint64_t>{UINT64_MAX, 0, 5}, kSecond),
            (std::vector<RollupBucket>{
                {0, 3, 0.0, 18446744073709551616.0, 18446744073709551616.0 + 5.0, 5.0}}));
  EXPECT_TRUE(ComputeRollup({}, std::vector<double>{}, kSecond).empty());
}

// A day of a 0.1 C temperature at irregular 1-15 s steps.
void MakeSeries(std::vector<TimeNs>& times, std::vector<double>& values, uint64_t seed) {
  std::mt19937_64 random(seed);
  TimeNs t = 1'700'000'000 * kSecond + static_cast<TimeNs>(random() % 1000) * kNanosPerMilli;
  int64_t tenths = 235;
  for (int i = 0; i < 20'000; ++i) {
    t += static_cast<TimeNs>(1 + random() % 15) * kSecond;
    tenths += static_cast<int64_t>(random() % 3) - 1;
    times.push_back(t);
    values.push_back(static_cast<double>(tenths) / 10.0);
  }
}

TEST(RollupTest, AgreesWithABruteForceAggregate) {
  std::vector<TimeNs> times;
  std::vector<double> values;
  MakeSeries(times, values, 1);
  for (const RollupLevel level : kAllRollupLevels) {
    const TimeNs step = RollupStep(level);
    struct Expected {
      uint64_t count = 0;
      double min = INFINITY, max = -INFINITY, sum = 0, last = 0;
    };
    std::map<TimeNs, Expected> brute;
    for (size_t i = 0; i < times.size(); ++i) {
      const TimeNs start = static_cast<TimeNs>(std::floor(static_cast<double>(times[i]) /
                                                          static_cast<double>(step))) *
                           step;
      Expected& e = brute[start];
      ++e.count;
      e.min = std::min(e.min, values[i]);
      e.max = std::max(e.max, values[i]);
      e.sum += values[i];
      e.last = values[i];
    }
    const std::vector<RollupBucket> buckets = ComputeRollup(times, values, step);
    ASSERT_EQ(buckets.size(), brute.size()) << RollupLevelName(level);
    size_t i = 0;
    for (const auto& [start, e] : brute) {
      const RollupBucket& b = buckets[i++];
      EXPECT_EQ(b.start, start);
      EXPECT_EQ(b.count, e.count);
      EXPECT_EQ(b.min, e.min);
      EXPECT_EQ(b.max, e.max);
      EXPECT_EQ(b.last, e.last);
      EXPECT_NEAR(b.sum, e.sum, 1e-9 * static_cast<double>(e.count) * 30);
    }
  }
}

TEST(RollupTest, SumsOfDecimalsAreExact) {
  // 0.1 added ten times naively is 0.9999999999999999.
  const std::vector<TimeNs> times = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(ComputeRollup(times, std::vector<double>(10, 0.1), kSecond).at(0).sum, 1.0);
  // Mixed scales.
  const std::vector<double> mixed = {0.1, 0.02, 23.4, -0.003, 1e9, 0, 0, 0, 0, 0};
  EXPECT_EQ(ComputeRollup(times, mixed, kSecond).at(0).sum, 1000000023.517);
  // Not decimals: the compensated sum.
  const std::vector<double> thirds(10, 1.0 / 3.0);
  EXPECT_NEAR(ComputeRollup(times, thirds, kSecond).at(0).sum, 10.0 / 3.0, 1e-15);
  const std::vector<double> inf = {1, INFINITY, 2, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(ComputeRollup(times, inf, kSecond).at(0).sum, INFINITY);
  // Merging adds decimal sums exactly too.
  std::vector<RollupBucket> into = {{0, 1, 0.1, 0.1, 0.1, 0.1}};
  MergeRollups(into, std::vector<RollupBucket>{{0, 1, 0.2, 0.2, 0.2, 0.2}});
  EXPECT_EQ(into.at(0).sum, 0.3);
}

TEST(RollupTest, MergingASplitSeriesEqualsTheWhole) {
  std::vector<TimeNs> times;
  std::vector<double> values;
  MakeSeries(times, values, 2);
  // Integer values sum exactly, so the merge must equal the whole bit for bit.
  std::vector<int64_t> integers;
  for (const double v : values)
    integers.push_back(static_cast<int64_t>(std::lround(v * 10)));
  for (const RollupLevel level : kAllRollupLevels) {
    const TimeNs step = RollupStep(level);
    for (const std::ptrdiff_t split :
         {std::ptrdiff_t{1}, std::ptrdiff_t{777}, std::ptrdiff_t{10'000},
          static_cast<std::ptrdiff_t>(times.size()) - 1}) {
      SCOPED_TRACE(testing::Message() << RollupLevelName(level) << " split at " << split);
      const std::span<const TimeNs> all(times);
      std::vector<RollupBucket> merged =
          ComputeRollup(all.first(static_cast<size_t>(split)),
                        std::vector<int64_t>(integers.begin(), integers.begin() + split), step);
      MergeRollups(
          merged,
          ComputeRollup(all.subspan(static_cast<size_t>(split)),
                        std::vector<int64_t>(integers.begin() + split, integers.end()), step));
      EXPECT_EQ(merged, ComputeRollup(times, integers, step));

      // Decimals.
      std::vector<RollupBucket> decimals =
          ComputeRollup(all.first(static_cast<size_t>(split)),
                        std::vector<double>(values.begin(), values.begin() + split), step);
      MergeRollups(decimals,
                   ComputeRollup(all.subspan(static_cast<size_t>(split)),
                                 std::vector<double>(values.begin() + split, values.end()), step));
      const std::vector<RollupBucket> whole = ComputeRollup(times, values, step);
      ASSERT_EQ(decimals.size(), whole.size());
      for (size_t i = 0; i < whole.size(); ++i) {
        EXPECT_EQ(decimals[i].start, whole[i].start);
        EXPECT_EQ(decimals[i].count, whole[i].count);
        EXPECT_EQ(decimals[i].min, whole[i].min);
        EXPECT_EQ(decimals[i].max, whole[i].max);
        EXPECT_EQ(decimals[i].last, whole[i].last);
        // Exact decimal sums merge exactly.
        EXPECT_EQ(decimals[i].sum, whole[i].sum);
      }
    }
  }
}

TEST(RollupTest, MergeIntoEmptyAndFromEmpty) {
  std::vector<RollupBucket> into;
  const std::vector<RollupBucket> later = {{0, 1, 1, 1, 1, 1}};
  MergeRollups(into, later);
  EXPECT_EQ(into, later);
  MergeRollups(into, {});
  EXPECT_EQ(into, later);
}

}  // namespace
}  // namespace coolflow::store::block
