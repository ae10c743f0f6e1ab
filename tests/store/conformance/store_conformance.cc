#include "store/conformance/store_conformance.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace coolflow::store::conformance {
namespace {

using reading::Reading;
using reading::Tag;
using reading::TagSet;

// 2023-11-14T22:07:00Z: a multiple of every step used below (1 s .. 1 min).
constexpr TimeNs kT0 = 1'699'999'620LL * kNanosPerSecond;
constexpr TimeNs kStep = 30 * kNanosPerSecond;

Reading Temp(std::string box, TagSet tags, TimeNs time, double value) {
  return MakeReading(std::move(box), "temp", "temperature", std::move(tags), time, value);
}

// The series' tags as stored: the reading's tags plus box, sorted by key.
TagSet WithBox(std::string box, TagSet tags) {
  tags.push_back({"box", std::move(box)});
  std::sort(tags.begin(), tags.end(), [](const Tag& a, const Tag& b) { return a.key < b.key; });
  return tags;
}

bool SeriesLess(const SeriesId& a, const SeriesId& b) {
  auto tags = [](const SeriesId& s) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const Tag& t : s.tags)
      out.emplace_back(t.key, t.value);
    return out;
  };
  return std::make_tuple(a.measurement, tags(a), a.field) <
         std::make_tuple(b.measurement, tags(b), b.field);
}

size_t TotalPoints(const std::vector<SeriesPoints>& series) {
  size_t n = 0;
  for (const SeriesPoints& s : series)
    n += s.points.size();
  return n;
}

std::vector<TimeNs> Starts(const std::vector<Bucket>& buckets) {
  std::vector<TimeNs> out;
  for (const Bucket& b : buckets)
    out.push_back(b.start);
  return out;
}

std::string GroupText(const std::vector<Tag>& group) {
  std::string out;
  for (const Tag& t : group)
    out += t.key + "=" + t.value + ";";
  return out;
}

// Appends and checks that every reading was stored.
#define APPEND_ALL(batch)                                                 \
  do {                                                                    \
    const std::vector<Reading> append_batch_ = (batch);                   \
    auto appended_ = store().Append(append_batch_);                       \
    ASSERT_TRUE(appended_.ok()) << appended_.status().ToString();         \
    ASSERT_TRUE(appended_->refused.empty()) << appended_->refused[0].why; \
    ASSERT_EQ(appended_->stored, append_batch_.size());                   \
  } while (false)

#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                 \
  auto lhs##_result_ = (expr);                                          \
  ASSERT_TRUE(lhs##_result_.ok()) << lhs##_result_.status().ToString(); \
  auto lhs = std::move(*lhs##_result_)

}  // namespace

void StoreConformanceTest::SetUp() {
  auto made = GetParam().make();
  ASSERT_TRUE(made.ok()) << GetParam().name << ": " << made.status().ToString();
  store_ = std::move(*made);
}

Reading MakeReading(std::string box, std::string measurement, std::string metric, TagSet tags,
                    TimeNs time, reading::Value value) {
  Reading r;
  r.box = std::move(box);
  r.measurement = std::move(measurement);
  r.metric = std::move(metric);
  r.tags = std::move(tags);
  r.time = time;
  r.value = std::move(value);
  return r;
}

std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

TEST_P(StoreConformanceTest, AppendThenLastRangeAndAggregate) {
  APPEND_ALL((std::vector<Reading>{
      Temp("pi-1", {{"rack", "r01"}}, kT0, 21.5),
      Temp("pi-1", {{"rack", "r01"}}, kT0 + kNanosPerSecond, 22.25),
      MakeReading("pi-1", "temp", "humidity", {{"rack", "r01"}}, kT0, 40.0),
  }));
  const SeriesId temperature{"temp", WithBox("pi-1", {{"rack", "r01"}}), "temperature"};
  const SeriesId humidity{"temp", WithBox("pi-1", {{"rack", "r01"}}), "humidity"};

  ASSERT_OK_AND_ASSIGN(last, store().Last({"temp", "temperature", {}}));
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].series, temperature);
  EXPECT_EQ(last[0].series.ToString(), "temp,box=pi-1,rack=r01 temperature");
  ASSERT_EQ(last[0].points.size(), 1u);
  EXPECT_EQ(last[0].points[0], (Point{kT0 + kNanosPerSecond, 22.25}));

  ASSERT_OK_AND_ASSIGN(range, store().Range({"temp", "", {}}, kT0, kT0 + kNanosPerMinute));
  ASSERT_EQ(range.size(), 2u);
  EXPECT_EQ(range[0].series, humidity);  // series order: "humidity" < "temperature"
  EXPECT_EQ(range[0].points, (std::vector<Point>{{kT0, 40.0}}));
  EXPECT_EQ(range[1].series, temperature);
  EXPECT_EQ(range[1].points, (std::vector<Point>{{kT0, 21.5}, {kT0 + kNanosPerSecond, 22.25}}));

  AggregateQuery query;
  query.selector = {"temp", "temperature", {}};
  query.from = kT0;
  query.to = kT0 + kNanosPerMinute;
  query.step = kNanosPerMinute;
  ASSERT_OK_AND_ASSIGN(groups, store().Aggregate(query));
  ASSERT_EQ(groups.size(), 1u);
  ASSERT_TRUE(groups[0].series.has_value());
  EXPECT_EQ(*groups[0].series, temperature);
  EXPECT_TRUE(groups[0].group.empty());
  ASSERT_EQ(groups[0].buckets.size(), 1u);
  EXPECT_EQ(groups[0].buckets[0].start, kT0);
  EXPECT_DOUBLE_EQ(groups[0].buckets[0].value, (21.5 + 22.25) / 2);
  EXPECT_EQ(groups[0].buckets[0].count, 2u);
}

TEST_P(StoreConformanceTest, EveryAggregateFunction) {
  // Bucket [kT0, kT0+30s): 1.5, 4, 2.5 (newest 2.5); bucket [kT0+30s, kT0+60s): -1, 3.
  const std::vector<std::pair<TimeNs, double>> points = {
      {0, 1.5}, {20, 2.5}, {10, 4.0}, {30, -1.0}, {40, 3.0}};
  std::vector<Reading> batch;
  for (const auto& [seconds, value] : points) {
    batch.push_back(Temp("pi-1", {}, kT0 + seconds * kNanosPerSecond, value));
  }
  APPEND_ALL(batch);
  struct Expected {
    AggregateFunction function;
    double first;
    double second;
  };
  const std::vector<Expected> expectations = {
      {AggregateFunction::kMean, 8.0 / 3, 1.0}, {AggregateFunction::kMin, 1.5, -1.0},
      {AggregateFunction::kMax, 4.0, 3.0},      {AggregateFunction::kCount, 3.0, 2.0},
      {AggregateFunction::kLast, 2.5, 3.0},     {AggregateFunction::kSum, 8.0, 2.0},
  };
  for (const Expected& e : expectations) {
    SCOPED_TRACE(static_cast<int>(e.function));
    AggregateQuery query{{"temp", "temperature", {}}, kT0, kT0 + 2 * kStep, kStep, e.function, {}};
    ASSERT_OK_AND_ASSIGN(groups, store().Aggregate(query));
    ASSERT_EQ(groups.size(), 1u);
    ASSERT_EQ(groups[0].buckets.size(), 2u);
    EXPECT_EQ(Starts(groups[0].buckets), (std::vector<TimeNs>{kT0, kT0 + kStep}));
    EXPECT_DOUBLE_EQ(groups[0].buckets[0].value, e.first);
    EXPECT_DOUBLE_EQ(groups[0].buckets[1].value, e.second);
    EXPECT_EQ(groups[0].buckets[0].count, 3u);
    EXPECT_EQ(groups[0].buckets[1].count, 2u);
  }
}

TEST_P(StoreConformanceTest, IntegerAggregates) {
  APPEND_ALL((std::vector<Reading>{
      MakeReading("pi-1", "resource", "memory", {}, kT0, int64_t{7}),
      MakeReading("pi-1", "resource", "memory", {}, kT0 + kNanosPerSecond, int64_t{-2}),
      MakeReading("pi-1", "resource", "memory", {}, kT0 + 2 * kNanosPerSecond, int64_t{4}),
  }));
  AggregateQuery query{{"resource", "memory", {}}, kT0, kT0 + kStep, kStep,
                       AggregateFunction::kSum,    {}};
  ASSERT_OK_AND_ASSIGN(sum, store().Aggregate(query));
  ASSERT_EQ(sum.size(), 1u);
  ASSERT_EQ(sum[0].buckets.size(), 1u);
  EXPECT_DOUBLE_EQ(sum[0].buckets[0].value, 9.0);
  query.function = AggregateFunction::kMean;
  ASSERT_OK_AND_ASSIGN(mean, store().Aggregate(query));
  ASSERT_EQ(mean.size(), 1u);
  EXPECT_DOUBLE_EQ(mean[0].buckets[0].value, 3.0);
  query.function = AggregateFunction::kMin;
  ASSERT_OK_AND_ASSIGN(min, store().Aggregate(query));
  EXPECT_DOUBLE_EQ(min[0].buckets[0].value, -2.0);
}

TEST_P(StoreConformanceTest, BooleansAggregateAsZeroAndOne) {
  APPEND_ALL((std::vector<Reading>{
      MakeReading("pi-1", "fan", "on", {}, kT0, true),
      MakeReading("pi-1", "fan", "on", {}, kT0 + kNanosPerSecond, false),
      MakeReading("pi-1", "fan", "on", {}, kT0 + 2 * kNanosPerSecond, true),
  }));
  const std::vector<std::pair<AggregateFunction, double>> expectations = {
      {AggregateFunction::kMean, 2.0 / 3}, {AggregateFunction::kSum, 2.0},
      {AggregateFunction::kMin, 0.0},      {AggregateFunction::kMax, 1.0},
      {AggregateFunction::kCount, 3.0},    {AggregateFunction::kLast, 1.0}};
  for (const auto& [function, expected] : expectations) {
    SCOPED_TRACE(static_cast<int>(function));
    AggregateQuery query{{"fan", "on", {}}, kT0, kT0 + kStep, kStep, function, {}};
    ASSERT_OK_AND_ASSIGN(groups, store().Aggregate(query));
    ASSERT_EQ(groups.size(), 1u);
    ASSERT_EQ(groups[0].buckets.size(), 1u);
    EXPECT_DOUBLE_EQ(groups[0].buckets[0].value, expected);
    EXPECT_EQ(groups[0].buckets[0].count, 3u);
  }
  ASSERT_OK_AND_ASSIGN(last, store().Last({"fan", "on", {}}));
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].points, (std::vector<Point>{{kT0 + 2 * kNanosPerSecond, true}}));
}

TEST_P(StoreConformanceTest, GroupByOneTag) {
  // Rack r01: 20 and 22 (mean 21); rack r02: 30; a box without a rack: 10.
  APPEND_ALL((std::vector<Reading>{
      Temp("pi-1", {{"rack", "r01"}}, kT0, 20.0),
      Temp("pi-2", {{"rack", "r01"}}, kT0 + kNanosPerSecond, 22.0),
      Temp("pi-3", {{"rack", "r02"}}, kT0, 30.0),
      Temp("pi-4", {}, kT0, 10.0),
  }));
  AggregateQuery query{{"temp", "temperature", {}}, kT0,     kT0 + kStep, kStep,
                       AggregateFunction::kMean,    {"rack"}};
  ASSERT_OK_AND_ASSIGN(groups, store().Aggregate(query));
  ASSERT_EQ(groups.size(), 3u);
  std::map<std::string, std::pair<double, uint64_t>> by_group;
  for (const GroupBuckets& g : groups) {
    EXPECT_FALSE(g.series.has_value());
    ASSERT_EQ(g.buckets.size(), 1u) << GroupText(g.group);
    by_group[GroupText(g.group)] = {g.buckets[0].value, g.buckets[0].count};
  }
  EXPECT_DOUBLE_EQ(by_group["rack=r01;"].first, 21.0);
  EXPECT_EQ(by_group["rack=r01;"].second, 2u);
  EXPECT_DOUBLE_EQ(by_group["rack=r02;"].first, 30.0);
  EXPECT_DOUBLE_EQ(by_group["rack=;"].first, 10.0);  // "" for a series without the tag
  // Group order: by the group's tag values.
  EXPECT_EQ(GroupText(groups[0].group), "rack=;");
  EXPECT_EQ(GroupText(groups[1].group), "rack=r01;");
  EXPECT_EQ(GroupText(groups[2].group), "rack=r02;");
}

TEST_P(StoreConformanceTest, GroupByTwoTags) {
  APPEND_ALL((std::vector<Reading>{
      Temp("pi-1", {{"rack", "r01"}, {"zone", "cold"}}, kT0, 18.0),
      Temp("pi-2", {{"rack", "r01"}, {"zone", "cold"}}, kT0, 20.0),
      Temp("pi-3", {{"rack", "r01"}, {"zone", "hot"}}, kT0, 35.0),
      Temp("pi-4", {{"rack", "r02"}, {"zone", "hot"}}, kT0, 33.0),
  }));
  AggregateQuery query{{"temp", "temperature", {}},
                       kT0,
                       kT0 + kStep,
                       kStep,
                       AggregateFunction::kMax,
                       {"zone", "rack"}};
  ASSERT_OK_AND_ASSIGN(groups, store().Aggregate(query));
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(GroupText(groups[0].group), "zone=cold;rack=r01;");
  EXPECT_DOUBLE_EQ(groups[0].buckets.at(0).value, 20.0);
  EXPECT_EQ(groups[0].buckets.at(0).count, 2u);
  EXPECT_EQ(GroupText(groups[1].group), "zone=hot;rack=r01;");
  EXPECT_DOUBLE_EQ(groups[1].buckets.at(0).value, 35.0);
  EXPECT_EQ(GroupText(groups[2].group), "zone=hot;rack=r02;");
  EXPECT_DOUBLE_EQ(groups[2].buckets.at(0).value, 33.0);
}

TEST_P(StoreConformanceTest, SelectorFieldTagsAndMissingTags) {
  APPEND_ALL((std::vector<Reading>{
      Temp("pi-1", {{"rack", "r01"}}, kT0, 20.0),
      MakeReading("pi-1", "temp", "humidity", {{"rack", "r01"}}, kT0, 45.0),
      Temp("pi-2", {{"rack", "r02"}}, kT0, 25.0),
      Temp("pi-3", {}, kT0, 27.0),
      MakeReading("pi-1", "power", "watts", {{"rack", "r01"}}, kT0, 300.0),
  }));
  const TimeNs to = kT0 + kNanosPerSecond;
  // Empty field: every field of the measurement, and only that measurement.
  ASSERT_OK_AND_ASSIGN(all, store().Range({"temp", "", {}}, kT0, to));
  EXPECT_EQ(all.size(), 4u);
  for (const SeriesPoints& s : all)
    EXPECT_EQ(s.series.measurement, "temp");
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return SeriesLess(a.series, b.series);
  }));
  // Tag equality.
  ASSERT_OK_AND_ASSIGN(r01, store().Range({"temp", "", {{"rack", "r01"}}}, kT0, to));
  ASSERT_EQ(r01.size(), 2u);
  EXPECT_EQ(r01[0].series.field, "humidity");
  EXPECT_EQ(r01[1].series.field, "temperature");
  // Two tags, both must hold.
  ASSERT_OK_AND_ASSIGN(both,
                       store().Last({"temp", "temperature", {{"rack", "r02"}, {"box", "pi-2"}}}));
  ASSERT_EQ(both.size(), 1u);
  EXPECT_EQ(both[0].points.at(0).value, Value(25.0));
  ASSERT_OK_AND_ASSIGN(none,
                       store().Last({"temp", "temperature", {{"rack", "r02"}, {"box", "pi-1"}}}));
  EXPECT_TRUE(none.empty());
  // An empty value matches series without the tag.
  ASSERT_OK_AND_ASSIGN(missing, store().Range({"temp", "temperature", {{"rack", ""}}}, kT0, to));
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].series.tags, WithBox("pi-3", {}));
  // Unknown measurement, field or tag value: nothing, not an error.
  ASSERT_OK_AND_ASSIGN(unknown, store().Last({"nosuch", "", {}}));
  EXPECT_TRUE(unknown.empty());
  ASSERT_OK_AND_ASSIGN(unknown_field, store().Range({"temp", "nosuch", {}}, kT0, to));
  EXPECT_TRUE(unknown_field.empty());
  ASSERT_OK_AND_ASSIGN(unknown_tag, store().Last({"temp", "", {{"rack", "r99"}}}));
  EXPECT_TRUE(unknown_tag.empty());
}

TEST_P(StoreConformanceTest, BucketsAlignToStepAndEmptyOnesAreLeftOut) {
  // Points at +10 s, +50 s, +200 s; step 60 s; from +45 s aligns down to kT0.
  APPEND_ALL((std::vector<Reading>{
      Temp("pi-1", {}, kT0 + 10 * kNanosPerSecond, 1.0),
      Temp("pi-1", {}, kT0 + 50 * kNanosPerSecond, 2.0),
      Temp("pi-1", {}, kT0 + 200 * kNanosPerSecond, 4.0),
  }));
  AggregateQuery query{{"temp", "temperature", {}}, kT0 + 45 * kNanosPerSecond,
                       kT0 + 5 * kNanosPerMinute,   kNanosPerMinute,
                       AggregateFunction::kSum,     {}};
  ASSERT_OK_AND_ASSIGN(groups, store().Aggregate(query));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(Starts(groups[0].buckets), (std::vector<TimeNs>{kT0, kT0 + 3 * kNanosPerMinute}));
  EXPECT_DOUBLE_EQ(groups[0].buckets.at(0).value, 3.0);  // +10 s included: from aligned down
  EXPECT_EQ(groups[0].buckets.at(0).count, 2u);
  EXPECT_DOUBLE_EQ(groups[0].buckets.at(1).value, 4.0);
  // `to` is exclusive: a bucket whose points all lie at or past `to` is not there.
  query.to = kT0 + 200 * kNanosPerSecond;
  ASSERT_OK_AND_ASSIGN(cut, store().Aggregate(query));
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(Starts(cut[0].buckets), (std::vector<TimeNs>{kT0}));
}

TEST_P(StoreConformanceTest, LastWriteWinsOnSameSeriesAndTime) {
  APPEND_ALL((std::vector<Reading>{Temp("pi-1", {}, kT0, 1.0), Temp("pi-1", {}, kT0 + 1, 5.0)}));
  APPEND_ALL((std::vector<Reading>{Temp("pi-1", {}, kT0, 2.0)}));
  // Twice in one batch: the later one wins.
  APPEND_ALL(
      (std::vector<Reading>{Temp("pi-1", {}, kT0 + 1, 6.0), Temp("pi-1", {}, kT0 + 1, 7.0)}));
  ASSERT_OK_AND_ASSIGN(range, store().Range({"temp", "temperature", {}}, kT0, kT0 + 2));
  ASSERT_EQ(range.size(), 1u);
  EXPECT_EQ(range[0].points, (std::vector<Point>{{kT0, 2.0}, {kT0 + 1, 7.0}}));
}

TEST_P(StoreConformanceTest, RefusesStringValuesAndKeepsTheRest) {
  const std::vector<Reading> batch = {
      Temp("pi-1", {}, kT0, 1.0),
      MakeReading("pi-1", "temp", "note", {}, kT0, std::string("hello")),
      MakeReading("pi-1", "temp", "", {}, kT0, 3.0),         // empty field
      MakeReading("pi-1", "", "temperature", {}, kT0, 3.0),  // empty measurement
      Temp("pi-2", {}, kT0, 2.0),
  };
  auto appended = store().Append(batch);
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_EQ(appended->stored, 2u);
  ASSERT_EQ(appended->refused.size(), 3u);
  EXPECT_EQ(appended->refused[0].index, 1u);
  EXPECT_FALSE(appended->refused[0].why.empty());
  EXPECT_EQ(appended->refused[1].index, 2u);
  EXPECT_EQ(appended->refused[2].index, 3u);
  ASSERT_OK_AND_ASSIGN(range, store().Range({"temp", "", {}}, kT0, kT0 + 1));
  ASSERT_EQ(range.size(), 2u);
  EXPECT_EQ(TotalPoints(range), 2u);
}

TEST_P(StoreConformanceTest, ValueTypesRoundTrip) {
  const std::vector<double> doubles = {
      0.1, 23.45, -1e-300, 1.7976931348623157e308, 123456.789012345678, 4.9e-324};
  const std::vector<int64_t> ints = {0, -1, 9'007'199'254'740'993,  // 2^53 + 1: not a double
                                     std::numeric_limits<int64_t>::max(),
                                     std::numeric_limits<int64_t>::min() + 1};
  std::vector<Reading> batch;
  TimeNs t = kT0;
  for (double d : doubles)
    batch.push_back(MakeReading("pi-1", "v", "d", {}, t++, d));
  for (int64_t i : ints)
    batch.push_back(MakeReading("pi-1", "v", "i", {}, t++, i));
  batch.push_back(MakeReading("pi-1", "v", "b", {}, t++, true));
  batch.push_back(MakeReading("pi-1", "v", "b", {}, t++, false));
  APPEND_ALL(batch);
  ASSERT_OK_AND_ASSIGN(range, store().Range({"v", "", {}}, kT0, t));
  ASSERT_EQ(range.size(), 3u);  // fields b, d, i in series order
  std::vector<Value> bools, ds, is;
  for (const Point& p : range[0].points)
    bools.push_back(p.value);
  for (const Point& p : range[1].points)
    ds.push_back(p.value);
  for (const Point& p : range[2].points)
    is.push_back(p.value);
  EXPECT_EQ(bools, (std::vector<Value>{true, false}));
  ASSERT_EQ(ds.size(), doubles.size());
  for (size_t k = 0; k < doubles.size(); ++k)
    EXPECT_EQ(ds[k], Value(doubles[k])) << k;
  ASSERT_EQ(is.size(), ints.size());
  for (size_t k = 0; k < ints.size(); ++k)
    EXPECT_EQ(is[k], Value(ints[k])) << k;
}

TEST_P(StoreConformanceTest, UnsignedRoundTrip) {
  if (!GetParam().capabilities.unsigned_integers) {
    GTEST_SKIP() << GetParam().name << " has no unsigned integers (see its own tests)";
  }
  const uint64_t big = std::numeric_limits<uint64_t>::max();
  APPEND_ALL((std::vector<Reading>{MakeReading("pi-1", "net", "rx", {}, kT0, big),
                                   MakeReading("pi-1", "net", "rx", {}, kT0 + 1, uint64_t{7})}));
  ASSERT_OK_AND_ASSIGN(range, store().Range({"net", "rx", {}}, kT0, kT0 + 2));
  ASSERT_EQ(range.size(), 1u);
  EXPECT_EQ(range[0].points, (std::vector<Point>{{kT0, big}, {kT0 + 1, uint64_t{7}}}));
}

TEST_P(StoreConformanceTest, ManySeries) {
  constexpr int kSeries = 500;
  constexpr int kPointsEach = 4;
  std::vector<Reading> batch;
  for (int s = 0; s < kSeries; ++s) {
    char box[16];
    std::snprintf(box, sizeof box, "box-%03d", s);
    for (int p = 0; p < kPointsEach; ++p) {
      batch.push_back(Temp(box, {{"rack", s % 2 == 0 ? "even" : "odd"}}, kT0 + p * kNanosPerSecond,
                           s + p * 0.25));
    }
  }
  APPEND_ALL(batch);
  ASSERT_OK_AND_ASSIGN(last, store().Last({"temp", "temperature", {}}));
  ASSERT_EQ(last.size(), static_cast<size_t>(kSeries));
  EXPECT_EQ(last[0].series.tags, WithBox("box-000", {{"rack", "even"}}));
  EXPECT_EQ(last[kSeries - 1].series.tags, WithBox("box-499", {{"rack", "odd"}}));
  EXPECT_EQ(last[123].points.at(0), (Point{kT0 + 3 * kNanosPerSecond, 123.75}));
  ASSERT_OK_AND_ASSIGN(range, store().Range({"temp", "temperature", {}}, kT0, kT0 + kStep));
  EXPECT_EQ(TotalPoints(range), static_cast<size_t>(kSeries * kPointsEach));
  AggregateQuery query{{"temp", "temperature", {}}, kT0,     kT0 + kStep, kStep,
                       AggregateFunction::kCount,   {"rack"}};
  ASSERT_OK_AND_ASSIGN(groups, store().Aggregate(query));
  ASSERT_EQ(groups.size(), 2u);
  for (const GroupBuckets& g : groups) {
    ASSERT_EQ(g.buckets.size(), 1u);
    EXPECT_EQ(g.buckets[0].count, static_cast<uint64_t>(kSeries * kPointsEach / 2));
  }
}

TEST_P(StoreConformanceTest, ManyPoints) {
  constexpr int kPoints = 20'000;
  std::vector<Reading> batch;
  for (int p = 0; p < kPoints; ++p) {
    batch.push_back(Temp("pi-1", {}, kT0 + p * kNanosPerSecond / 100, 20.0 + (p % 100) * 0.01));
  }
  APPEND_ALL(batch);
  ASSERT_OK_AND_ASSIGN(range, store().Range({"temp", "temperature", {}}, kT0,
                                            kT0 + kPoints * kNanosPerSecond / 100));
  ASSERT_EQ(range.size(), 1u);
  ASSERT_EQ(range[0].points.size(), static_cast<size_t>(kPoints));
  EXPECT_TRUE(std::is_sorted(range[0].points.begin(), range[0].points.end(),
                             [](const Point& a, const Point& b) { return a.time < b.time; }));
  EXPECT_EQ(range[0].points[kPoints - 1].value, Value(20.99));
  // 100 points a second: each 1 s bucket holds 100, the mean of 20.00 .. 20.99.
  AggregateQuery query{{"temp", "temperature", {}}, kT0,
                       kT0 + 200 * kNanosPerSecond, kNanosPerSecond,
                       AggregateFunction::kMean,    {}};
  ASSERT_OK_AND_ASSIGN(groups, store().Aggregate(query));
  ASSERT_EQ(groups.size(), 1u);
  ASSERT_EQ(groups[0].buckets.size(), 200u);
  for (const Bucket& b : groups[0].buckets) {
    EXPECT_EQ(b.count, 100u);
    EXPECT_NEAR(b.value, 20.495, 1e-9);
  }
}

TEST_P(StoreConformanceTest, TimeRangeEdges) {
  const TimeNs from = kT0 + kNanosPerSecond;
  const TimeNs to = kT0 + 2 * kNanosPerSecond;
  APPEND_ALL((std::vector<Reading>{Temp("pi-1", {}, from - 1, 1.0), Temp("pi-1", {}, from, 2.0),
                                   Temp("pi-1", {}, to - 1, 3.0), Temp("pi-1", {}, to, 4.0)}));
  ASSERT_OK_AND_ASSIGN(range, store().Range({"temp", "temperature", {}}, from, to));
  ASSERT_EQ(range.size(), 1u);
  EXPECT_EQ(range[0].points, (std::vector<Point>{{from, 2.0}, {to - 1, 3.0}}));
  ASSERT_OK_AND_ASSIGN(empty, store().Range({"temp", "temperature", {}}, to + 1, to + 2));
  EXPECT_TRUE(empty.empty());
  ASSERT_OK_AND_ASSIGN(reversed, store().Range({"temp", "temperature", {}}, to, from));
  EXPECT_TRUE(reversed.empty());
}

}  // namespace coolflow::store::conformance
