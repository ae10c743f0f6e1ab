#include "hub/live/live_state.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "hub/live/live_json.h"

namespace coolflow::hub::live {
namespace {

constexpr TimeNs kT0 = 1'764'000'000'000'000'000;  // 2025-11-24T16:00:00Z
constexpr TimeNs kSecond = kNanosPerSecond;

reading::Reading Make(std::string box, std::string measurement, std::string metric,
                      std::string rack, TimeNs time, reading::Value value) {
  reading::Reading r;
  r.box = std::move(box);
  r.measurement = std::move(measurement);
  r.metric = std::move(metric);
  if (!rack.empty()) r.tags = {{"rack", std::move(rack)}};
  r.time = time;
  r.value = std::move(value);
  return r;
}

reading::Reading Temp(std::string box, std::string rack, TimeNs time, double value) {
  return Make(std::move(box), "temp", "temperature", std::move(rack), time, value);
}

LiveOptions Immediate() {
  LiveOptions o;
  o.publish_interval = 0;
  return o;
}

TEST(LiveStateTest, KeepsTheLatestValueOfEachSeriesWithItsLabels) {
  LiveState state(Immediate());
  std::vector<reading::Reading> batch = {Temp("pi-1", "r01", kT0, 21.5),
                                         Temp("pi-1", "r01", kT0 + 10 * kSecond, 22.0),
                                         Temp("pi-2", "r02", kT0 + 10 * kSecond, 19.0)};
  state.Apply(batch, kT0 + 10 * kSecond);
  auto s = state.snapshot();
  ASSERT_EQ(s->series_count(), 2u);
  auto i = s->Find("pi-1", "temperature");
  ASSERT_TRUE(i);
  EXPECT_DOUBLE_EQ(s->state(*i).value, 22.0);
  EXPECT_EQ(s->state(*i).time, kT0 + 10 * kSecond);
  EXPECT_EQ(s->state(*i).count, 2u);
  EXPECT_EQ(s->Age(*i, kT0 + 15 * kSecond), 5 * kSecond);
  const SeriesInfo& info = s->info(*i);
  EXPECT_EQ(info.box, "pi-1");
  EXPECT_EQ(info.rack, "r01");
  EXPECT_EQ(info.key, "temp,box=pi-1,rack=r01 temperature");
  const reading::TagSet want = {
      {"box", "pi-1"}, {"measurement", "temp"}, {"metric", "temperature"}, {"rack", "r01"}};
  EXPECT_EQ(info.labels, want);
  ASSERT_NE(s->FindBox("pi-1"), nullptr);
  EXPECT_EQ(s->FindBox("pi-1")->series, 1u);
  EXPECT_EQ(s->FindBox("pi-1")->last_seen, kT0 + 10 * kSecond);
  EXPECT_EQ(s->counters().readings, 3u);
}

TEST(LiveStateTest, RoomMeansAverageTheLatestNonStaleValues) {
  LiveState state(Immediate());
  // Two boxes report every 10 s; a third went silent long ago.
  std::vector<reading::Reading> batch;
  for (int k = 0; k < 3; ++k) {
    const TimeNs t = kT0 + k * 10 * kSecond;
    batch.push_back(Temp("pi-3", "r03", t, 40.0));
  }
  for (int k = 0; k < 30; ++k) {
    const TimeNs t = kT0 + k * 10 * kSecond;
    batch.push_back(Temp("pi-1", "r01", t, 20.0 + k * 0.0));
    batch.push_back(Temp("pi-2", "r02", t, 24.0));
    batch.push_back(Make("pi-1", "temp", "humidity", "r01", t, 40.0));
    batch.push_back(Make("s1", "resource", "memory_available", "r01", t, uint64_t{1'000'000}));
    batch.push_back(Make("s2", "resource", "memory_available", "r01", t, uint64_t{3'000'000}));
  }
  const TimeNs now = kT0 + 290 * kSecond;
  state.Apply(batch, now);
  auto s = state.snapshot();
  const RoomMean* temperature = s->FindMean("temperature");
  ASSERT_NE(temperature, nullptr);
  EXPECT_DOUBLE_EQ(temperature->value, 22.0);  // pi-3's 40 is stale
  EXPECT_EQ(temperature->series, 2u);
  EXPECT_DOUBLE_EQ(s->FindMean("humidity")->value, 40.0);
  EXPECT_DOUBLE_EQ(s->FindMean("memory")->value, 2'000'000.0);
  EXPECT_TRUE(std::isnan(s->FindMean("disk")->value));
  EXPECT_EQ(s->FindMean("disk")->series, 0u);
}

TEST(LiveStateTest, RollingWindowsPerRackAndRoom) {
  LiveState state(Immediate());
  std::vector<reading::Reading> batch;
  // One reading a second for 10 minutes: rack r01 holds 20 then (last 30 s) 30;
  // rack r02 always 10.
  const TimeNs end = kT0 + 600 * kSecond;
  for (TimeNs t = kT0 + kSecond; t <= end; t += kSecond) {
    batch.push_back(Temp("pi-1", "r01", t, t > end - 30 * kSecond ? 30.0 : 20.0));
    batch.push_back(Temp("pi-2", "r02", t, 10.0));
  }
  state.Apply(batch, end);
  auto s = state.snapshot();
  const GroupStats* r01 = s->FindGroup("temperature", "r01");
  ASSERT_NE(r01, nullptr);
  const WindowStats& m1 = r01->at(Window::k1m);
  EXPECT_EQ(m1.count, 60u);
  EXPECT_DOUBLE_EQ(m1.min, 20.0);
  EXPECT_DOUBLE_EQ(m1.max, 30.0);
  EXPECT_DOUBLE_EQ(m1.mean, 25.0);
  const WindowStats& m5 = r01->at(Window::k5m);
  // 5-s buckets: the window is the current bucket (which holds only the reading at `end`)
  // and the 59 before it, so it reaches back 295 s.
  EXPECT_EQ(m5.count, 296u);
  EXPECT_DOUBLE_EQ(m5.mean, (266 * 20.0 + 30 * 30.0) / 296);
  const WindowStats& h1 = r01->at(Window::k1h);
  EXPECT_EQ(h1.count, 600u);
  EXPECT_DOUBLE_EQ(h1.mean, (570 * 20.0 + 30 * 30.0) / 600);

  const GroupStats* room = s->FindGroup("temperature", "");
  ASSERT_NE(room, nullptr);
  EXPECT_EQ(room->at(Window::k1m).count, 120u);
  EXPECT_DOUBLE_EQ(room->at(Window::k1m).min, 10.0);
  EXPECT_DOUBLE_EQ(room->at(Window::k1m).max, 30.0);

  // Two minutes later with no readings, the 1-minute window is empty.
  state.Publish(end + 120 * kSecond);
  s = state.snapshot();
  EXPECT_EQ(s->FindGroup("temperature", "r01")->at(Window::k1m).count, 0u);
  EXPECT_TRUE(std::isnan(s->FindGroup("temperature", "r01")->at(Window::k1m).mean));
  EXPECT_GT(s->FindGroup("temperature", "r01")->at(Window::k5m).count, 0u);
}

TEST(LiveStateTest, RateOfChangeByLeastSquares) {
  LiveState state(Immediate());
  std::vector<reading::Reading> batch;
  // 2 degC per minute, a reading every 10 s.
  for (int k = 0; k < 12; ++k)
    batch.push_back(Temp("pi-1", "r01", kT0 + k * 10 * kSecond, 20.0 + k * 10.0 * 2.0 / 60.0));
  batch.push_back(Temp("pi-2", "r02", kT0, 20.0));  // one point: no rate
  state.Apply(batch, kT0 + 110 * kSecond);
  auto s = state.snapshot();
  EXPECT_NEAR(s->state(*s->Find("pi-1", "temperature")).rate_per_minute, 2.0, 1e-9);
  EXPECT_TRUE(std::isnan(s->state(*s->Find("pi-2", "temperature")).rate_per_minute));
}

TEST(LiveStateTest, StalenessFollowsEachSeriesTypicalInterval) {
  LiveState state(Immediate());
  std::vector<reading::Reading> batch;
  for (int k = 0; k < 10; ++k)
    batch.push_back(Temp("pi-1", "r01", kT0 + k * 10 * kSecond, 21.0));
  for (int k = 0; k < 10; ++k)
    batch.push_back(Temp("pi-2", "r02", kT0 + k * 60 * kSecond, 21.0));
  state.Apply(batch, kT0);
  auto s = state.snapshot();
  const size_t fast = *s->Find("pi-1", "temperature");
  const size_t slow = *s->Find("pi-2", "temperature");
  EXPECT_EQ(s->Interval(fast), 10 * kSecond);
  EXPECT_EQ(s->Interval(slow), 60 * kSecond);
  const TimeNs last_fast = kT0 + 90 * kSecond;
  EXPECT_FALSE(s->Stale(fast, last_fast + 30 * kSecond));
  EXPECT_TRUE(s->Stale(fast, last_fast + 31 * kSecond));
  const TimeNs last_slow = kT0 + 540 * kSecond;
  EXPECT_FALSE(s->Stale(slow, last_slow + 170 * kSecond));
  EXPECT_TRUE(s->Stale(slow, last_slow + 181 * kSecond));
}

TEST(LiveStateTest, BoxStatusFromLastWillAndBirth) {
  LiveState state(Immediate());
  state.SetBoxStatus("pi-1", false, kT0 + 5 * kSecond);
  state.SetBoxStatus("pi-1", true, kT0 + 2 * kSecond);  // older: ignored
  state.Publish(kT0 + 6 * kSecond);
  auto s = state.snapshot();
  ASSERT_NE(s->FindBox("pi-1"), nullptr);
  EXPECT_EQ(s->FindBox("pi-1")->online, false);
  EXPECT_EQ(s->FindBox("pi-1")->status_time, kT0 + 5 * kSecond);
  state.SetBoxStatus("pi-1", true, kT0 + 9 * kSecond);
  state.Publish(kT0 + 10 * kSecond);
  EXPECT_EQ(state.snapshot()->FindBox("pi-1")->online, true);
  EXPECT_EQ(s->FindBox("pi-1")->online, false) << "a published snapshot never changes";
}

TEST(LiveStateTest, NaNStringsAndOutOfOrderReadings) {
  LiveState state(Immediate());
  std::vector<reading::Reading> batch = {
      Temp("pi-1", "r01", kT0, 20.0),
      Temp("pi-1", "r01", kT0 + 10 * kSecond, std::nan("")),
      Make("pi-1", "status", "state", "", kT0, std::string("ok")),
      Temp("pi-2", "r02", kT0 + 20 * kSecond, 22.0),
      Temp("pi-2", "r02", kT0 + 10 * kSecond, 99.0),  // late
  };
  state.Apply(batch, kT0 + 20 * kSecond);
  auto s = state.snapshot();
  const size_t nan_series = *s->Find("pi-1", "temperature");
  EXPECT_TRUE(std::isnan(s->state(nan_series).value));
  EXPECT_EQ(s->state(nan_series).time, kT0 + 10 * kSecond);
  EXPECT_TRUE(std::isnan(s->state(*s->Find("pi-1", "state")).value));
  EXPECT_DOUBLE_EQ(s->state(*s->Find("pi-2", "temperature")).value, 22.0);
  EXPECT_EQ(s->counters().non_numeric, 1u);
  EXPECT_EQ(s->counters().out_of_order, 1u);
  // The NaN never reaches the windows; the late reading does.
  const GroupStats* r01 = s->FindGroup("temperature", "r01");
  EXPECT_EQ(r01->at(Window::k1h).count, 1u);
  EXPECT_EQ(s->FindGroup("temperature", "r02")->at(Window::k1h).max, 99.0);
}

TEST(LiveStateTest, BoundedSeriesAreDroppedAndCounted) {
  LiveOptions options = Immediate();
  options.max_series = 3;
  LiveState state(options);
  std::vector<reading::Reading> batch;
  for (int b = 0; b < 5; ++b)
    batch.push_back(Temp("pi-" + std::to_string(b), "r01", kT0, 20.0));
  state.Apply(batch, kT0);
  auto s = state.snapshot();
  EXPECT_EQ(s->series_count(), 3u);
  EXPECT_EQ(s->counters().dropped_series, 2u);
}

TEST(LiveStateTest, PublishesAtMostEveryPublishInterval) {
  LiveOptions options;
  options.publish_interval = 1 * kSecond;
  LiveState state(options);
  std::vector<reading::Reading> one = {Temp("pi-1", "r01", kT0, 20.0)};
  state.Apply(one, kT0);  // the first batch always publishes
  EXPECT_EQ(state.snapshot()->series_count(), 1u);
  std::vector<reading::Reading> two = {Temp("pi-2", "r01", kT0, 20.0)};
  state.Apply(two, kT0 + 500 * kNanosPerMilli);
  EXPECT_EQ(state.snapshot()->series_count(), 1u);
  state.Apply({}, kT0 + kSecond);
  EXPECT_EQ(state.snapshot()->series_count(), 2u);
}

TEST(LiveStateTest, JsonForTheControlRoom) {
  LiveState state(Immediate());
  std::vector<reading::Reading> batch = {Temp("pi-1", "r01", kT0, 21.5),
                                         Temp("pi-1", "r01", kT0 + 10 * kSecond, std::nan(""))};
  state.Apply(batch, kT0 + 10 * kSecond);
  state.SetBoxStatus("pi-1", true, kT0);
  state.Publish(kT0 + 10 * kSecond);
  const nlohmann::json j = ToJson(*state.snapshot(), kT0 + 12 * kSecond);
  EXPECT_EQ(j["time"], "2025-11-24T16:00:10Z");
  ASSERT_EQ(j["series"].size(), 1u);
  EXPECT_EQ(j["series"][0]["key"], "temp,box=pi-1,rack=r01 temperature");
  EXPECT_TRUE(j["series"][0]["value"].is_null());
  EXPECT_DOUBLE_EQ(j["series"][0]["age_s"].get<double>(), 2.0);
  EXPECT_EQ(j["series"][0]["stale"], false);
  EXPECT_EQ(j["boxes"][0]["online"], true);
  EXPECT_TRUE(j["means"].contains("temperature"));
  EXPECT_EQ(j["groups"].size(), 2u);  // rack r01 and the room
  EXPECT_EQ(j["groups"][0]["1m"]["count"], 1);
}

// Readers take snapshots while the writer applies: each snapshot is internally consistent.
TEST(LiveStateTest, ReadersSeeConsistentSnapshotsWhileTheWriterApplies) {
  LiveState state(Immediate());
  std::atomic<bool> done{false};
  std::atomic<uint64_t> checked{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto s = state.snapshot();
      for (size_t i = 0; i < s->series_count(); ++i) {
        ASSERT_FALSE(s->info(i).box.empty());
        ASSERT_EQ(s->info(i).metric, "temperature");
      }
      checked.fetch_add(1);
    }
  });
  for (int k = 0; k < 200; ++k) {
    std::vector<reading::Reading> batch;
    for (int b = 0; b < 50; ++b)
      batch.push_back(Temp("pi-" + std::to_string(k * 50 + b), "r01", kT0 + k, 20.0));
    state.Apply(batch, kT0 + k);
  }
  done = true;
  reader.join();
  EXPECT_EQ(state.snapshot()->series_count(), 10'000u);
  EXPECT_GT(checked.load(), 0u);
}

}  // namespace
}  // namespace coolflow::hub::live
