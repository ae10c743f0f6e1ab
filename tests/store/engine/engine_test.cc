// The embedded engine's own tests: what the conformance suite cannot see (reopening, replay,
// flush and compaction, rollups against raw data, retention, failures of the file layer,
// line protocol, concurrency).
#include "store/engine/engine.h"

#include <cmath>
#include <map>
#include <random>
#include <thread>

#include "engine_test_util.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "store/wal/fault_injection_file_system.h"

namespace coolflow::store::engine {
namespace {

using reading::Reading;
using testing::MakeReading;
using testing::TempDir;

constexpr TimeNs kT0 = 1'700'000'000LL * kNanosPerSecond;  // 2023-11-14 22:13:20 UTC

#define ASSERT_OK(expr)                              \
  do {                                               \
    const Status status_ = (expr);                   \
    ASSERT_TRUE(status_.ok()) << status_.ToString(); \
  } while (false)

#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                 \
  auto lhs##_result_ = (expr);                                          \
  ASSERT_TRUE(lhs##_result_.ok()) << lhs##_result_.status().ToString(); \
  auto lhs = std::move(*lhs##_result_)

EngineOptions Manual() {
  EngineOptions options;
  options.background = false;
  return options;
}

// Appends and checks every reading was stored.
void AppendAll(Engine& engine, const std::vector<Reading>& batch) {
  auto result = engine.Append(batch);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(result->refused.empty()) << result->refused[0].why;
  ASSERT_EQ(result->stored, batch.size());
}

// A realistic temperature: decimals with two digits, a daily swing and noise.
double Temperature(int series, int64_t step) {
  const double day = static_cast<double>(step % 8640) / 8640.0;
  const double raw = 22 + series + 3 * std::sin(2 * M_PI * day) +
                     0.25 * std::sin(static_cast<double>(step) * 0.7 + series);
  return std::round(raw * 100) / 100;
}

std::vector<Point> AllPoints(Engine& engine, const Selector& selector) {
  auto range = engine.Range(selector, std::numeric_limits<TimeNs>::min(),
                            std::numeric_limits<TimeNs>::max());
  EXPECT_TRUE(range.ok()) << range.status().ToString();
  std::vector<Point> points;
  if (range.ok()) {
    for (const SeriesPoints& s : *range)
      points.insert(points.end(), s.points.begin(), s.points.end());
  }
  return points;
}

TEST(EngineTest, ReopenKeepsEveryTypeAndTheLastValues) {
  TempDir dir("reopen");
  const std::vector<Reading> batch = {
      MakeReading("pi-1", "temp", "temperature", kT0, 23.45, {{"rack", "r01"}}),
      MakeReading("pi-1", "temp", "temperature", kT0 + kNanosPerSecond, 23.5, {{"rack", "r01"}}),
      MakeReading("pi-1", "resource", "mem_total", kT0, int64_t{-7}),
      MakeReading("pi-1", "resource", "net_in", kT0, uint64_t{18'000'000'000'000'000'000u}),
      MakeReading("pi-1", "ac", "compressor", kT0, true),
  };
  {
    ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir.path(), Manual()));
    AppendAll(*engine, batch);
    ASSERT_OK(engine->Close());
    EXPECT_EQ(engine->Close().code(), StatusCode::kUnavailable);
  }
  ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir.path(), Manual()));
  EXPECT_EQ(engine->stats().replayed_points, 0u) << "Close flushed everything to blocks";
  EXPECT_EQ(engine->stats().series, 4u);
  EXPECT_EQ(AllPoints(*engine, {"temp", "", {}}),
            (std::vector<Point>{{kT0, 23.45}, {kT0 + kNanosPerSecond, 23.5}}));
  EXPECT_EQ(AllPoints(*engine, {"resource", "mem_total", {}}),
            (std::vector<Point>{{kT0, int64_t{-7}}}));
  EXPECT_EQ(AllPoints(*engine, {"resource", "net_in", {}}),
            (std::vector<Point>{{kT0, uint64_t{18'000'000'000'000'000'000u}}}));
  EXPECT_EQ(AllPoints(*engine, {"ac", "", {}}), (std::vector<Point>{{kT0, true}}));
  ASSERT_OK_AND_ASSIGN(last, engine->Last({"temp", "temperature", {{"rack", "r01"}}}));
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].points, (std::vector<Point>{{kT0 + kNanosPerSecond, 23.5}}));
}

TEST(EngineTest, ReplaysTheWalWhenTheProcessDiedWithoutClosing) {
  TempDir dir("replay");
  constexpr int kBatches = 20;
  {
    ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir.path(), Manual()));
    for (int b = 0; b < kBatches; ++b) {
      std::vector<Reading> batch;
      for (int i = 0; i < 100; ++i) {
        batch.push_back(MakeReading(fmt::format("pi-{}", i % 10), "temp", "temperature",
                                    kT0 + (b * 100 + i) * kNanosPerSecond, Temperature(i % 10, b)));
      }
      AppendAll(*engine, batch);
      if (b == kBatches / 2) ASSERT_OK(engine->Flush());  // half in blocks, half in the WAL
    }
    // No Close: the destructor stops without flushing, as a killed process would.
  }
  ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir.path(), Manual()));
  EXPECT_EQ(engine->stats().replayed_points, (kBatches / 2 - 1) * 100u);
  EXPECT_EQ(AllPoints(*engine, {"temp", "", {}}).size(), kBatches * 100u);
}

TEST(EngineTest, LastWriteWinsAcrossBlocksMemtableAndCompaction) {
  TempDir dir("lww");
  ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir.path(), Manual()));
  AppendAll(*engine, {MakeReading("pi-1", "temp", "t", kT0, 1.0),
                      MakeReading("pi-1", "temp", "t", kT0 + 10, 1.5)});
  ASSERT_OK(engine->Flush());
  AppendAll(*engine, {MakeReading("pi-1", "temp", "t", kT0, 2.0)});
  const std::vector<Point> want = {{kT0, 2.0}, {kT0 + 10, 1.5}};
  EXPECT_EQ(AllPoints(*engine, {"temp", "t", {}}), want) << "memtable over block";
  ASSERT_OK(engine->Flush());
  EXPECT_EQ(AllPoints(*engine, {"temp", "t", {}}), want) << "newer block over older";
  ASSERT_OK(engine->Compact());
  EXPECT_EQ(engine->stats().blocks, 1u);
  EXPECT_EQ(AllPoints(*engine, {"temp", "t", {}}), want) << "after compaction";
  ASSERT_OK_AND_ASSIGN(mean, engine->Aggregate({{"temp", "t", {}},
                                                kT0 - kT0 % kNanosPerHour,
                                                kT0 + kNanosPerHour,
                                                kNanosPerHour,
                                                AggregateFunction::kMean,
                                                {}}));
  ASSERT_EQ(mean.size(), 1u);
  ASSERT_EQ(mean[0].buckets.size(), 1u);
  EXPECT_DOUBLE_EQ(mean[0].buckets[0].value, 1.75);
  EXPECT_EQ(mean[0].buckets[0].count, 2u);
}

TEST(EngineTest, RefusesTypeConflictsAndKeepsTheRest) {
  TempDir dir("types");
  ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir.path(), Manual()));
  AppendAll(*engine, {MakeReading("pi-1", "temp", "t", kT0, 1.0)});
  ASSERT_OK_AND_ASSIGN(result,
                       engine->Append(std::vector<Reading>{
                           MakeReading("pi-1", "temp", "t", kT0 + 1, int64_t{3}),
                           MakeReading("pi-1", "temp", "t", kT0 + 2, 2.0),
                           MakeReading("pi-1", "temp", "t", kT0 + 3, std::nan("")),
                           MakeReading("pi-1", "temp", "t", kT0 + 4, 3.0, {{"box", "pi-2"}}),
                       }));
  EXPECT_EQ(result.stored, 1u);
  ASSERT_EQ(result.refused.size(), 3u);
  EXPECT_EQ(result.refused[0].index, 0u);
  EXPECT_NE(result.refused[0].why.find("field type conflict"), std::string::npos)
      << result.refused[0].why;
  EXPECT_EQ(result.refused[1].index, 2u);
  EXPECT_NE(result.refused[1].why.find("finite"), std::string::npos) << result.refused[1].why;
  EXPECT_EQ(result.refused[2].index, 3u);
  EXPECT_EQ(AllPoints(*engine, {"temp", "t", {}}).size(), 2u);
}

TEST(EngineTest, LineProtocolStoresEveryFieldAndNamesRefusedLines) {
  TempDir dir("lp");
  ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir.path(), Manual()));
  const std::string body =
      "temp,box=pi-1,rack=r01 temperature=23.45,humidity=41.5 1700000000\n"
      "temp,rack=r01,box=pi-2 temperature=24 1700000000\n"
      "bad line\n"
      "note,box=pi-1 text=\"hello\",n=3i 1700000000\n"
      "we\\ ird,t\\,ag=v\\ 1 f\\=x=1 1700000000\n";
  ASSERT_OK_AND_ASSIGN(result, engine->AppendLineProtocol(body, Precision::kSeconds, 0));
  EXPECT_EQ(result.stored, 5u);
  ASSERT_EQ(result.refused.size(), 2u);
  EXPECT_EQ(result.refused[0].index, 3u);
  EXPECT_EQ(result.refused[1].index, 4u);
  EXPECT_NE(result.refused[1].why.find("string values"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(temps, engine->Last({"temp", "temperature", {}}));
  ASSERT_EQ(temps.size(), 2u);
  EXPECT_EQ(temps[0].series.ToString(), "temp,box=pi-1,rack=r01 temperature");
  EXPECT_EQ(temps[1].points[0], (Point{kT0, 24.0}));
  ASSERT_OK_AND_ASSIGN(weird, engine->Last({"we ird", "f=x", {{"t,ag", "v 1"}}}));
  ASSERT_EQ(weird.size(), 1u);
  EXPECT_EQ(AllPoints(*engine, {"note", "n", {}}), (std::vector<Point>{{kT0, int64_t{3}}}));

  // Series seen before, spelled as before or not, and a type conflict on a known series.
  ASSERT_OK_AND_ASSIGN(
      again, engine->AppendLineProtocol("temp,box=pi-1,rack=r01 temperature=23.5 1700000001\n"
                                        "temp,rack=r01,box=pi-1 temperature=23.6 1700000002\n"
                                        "temp,box=pi-1,rack=r01 temperature=7i 1700000003\n",
                                        Precision::kSeconds, 0));
  EXPECT_EQ(again.stored, 2u);
  ASSERT_EQ(again.refused.size(), 1u);
  EXPECT_EQ(again.refused[0].index, 3u);
  EXPECT_NE(again.refused[0].why.find("field type conflict"), std::string::npos);
  EXPECT_EQ(engine->stats().series, 5u);
  EXPECT_EQ(AllPoints(*engine, {"temp", "temperature", {{"box", "pi-1"}}}).size(), 3u);
}

// Rollups and raw points must give the same aggregates, whatever mix of blocks, memtables and
// late writes holds the data.
TEST(EngineTest, RollupsAgreeWithAggregatesOfRawPoints) {
  TempDir dir("rollups");
  EngineOptions options = Manual();
  options.partition = 6 * kNanosPerHour;
  ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir.path(), options));
  constexpr int kSeries = 4;
  constexpr int64_t kSteps = 3 * 8640;  // three days at 10 s
  const TimeNs start = kT0 - kT0 % kNanosPerDay;
  std::mt19937_64 random(7);
  std::vector<std::map<TimeNs, double>> truth(kSeries);
  std::vector<Reading> batch;
  for (int64_t step = 0; step < kSteps; ++step) {
    for (int s = 0; s < kSeries; ++s) {
      const TimeNs t = start + step * 10 * kNanosPerSecond + s;
      const double v = Temperature(s, step);
      batch.push_back(MakeReading(fmt::format("pi-{}", s), "temp", "temperature", t, v,
                                  {{"rack", s < 2 ? "r01" : "r02"}}));
      truth[static_cast<size_t>(s)][t] = v;
    }
    if (batch.size() >= 2000) {
      AppendAll(*engine, batch);
      batch.clear();
      if (random() % 4 == 0) ASSERT_OK(engine->Flush());
    }
  }
  AppendAll(*engine, batch);
  ASSERT_OK(engine->Flush());
  // Late writes into flushed time, a rewrite and a new point: the sources of series 1 now
  // overlap.
  AppendAll(*engine, {MakeReading("pi-1", "temp", "temperature", start + kNanosPerHour + 1, 99.0,
                                  {{"rack", "r01"}}),
                      MakeReading("pi-1", "temp", "temperature", start + kNanosPerHour + 3, -5.0,
                                  {{"rack", "r01"}})});
  truth[1][start + kNanosPerHour + 1] = 99.0;
  truth[1][start + kNanosPerHour + 3] = -5.0;

  const auto check = [&](const std::string& when) {
    for (TimeNs step :
         {kNanosPerMinute, 5 * kNanosPerMinute, kNanosPerHour, kNanosPerDay, 7 * kNanosPerSecond}) {
      for (AggregateFunction f :
           {AggregateFunction::kMean, AggregateFunction::kMin, AggregateFunction::kMax,
            AggregateFunction::kCount, AggregateFunction::kLast, AggregateFunction::kSum}) {
        const TimeNs from = start + 90 * kNanosPerMinute;
        const TimeNs to = start + 2 * kNanosPerDay + 17 * kNanosPerMinute + 3;
        AggregateQuery query{{"temp", "temperature", {}}, from, to, step, f, {}};
        auto got = engine->Aggregate(query);
        ASSERT_TRUE(got.ok()) << got.status().ToString();
        ASSERT_EQ(got->size(), static_cast<size_t>(kSeries));
        for (int s = 0; s < kSeries; ++s) {
          // Brute force from the truth.
          std::map<TimeNs, std::vector<double>> buckets;
          const TimeNs aligned = from - ((from % step) + step) % step;
          for (const auto& [t, v] : truth[static_cast<size_t>(s)]) {
            if (t >= aligned && t < to) buckets[aligned + (t - aligned) / step * step].push_back(v);
          }
          const auto& have = (*got)[static_cast<size_t>(s)].buckets;
          ASSERT_EQ(have.size(), buckets.size()) << when << " series " << s << " step " << step;
          size_t i = 0;
          for (const auto& [bucket_start, values] : buckets) {
            double want = 0;
            switch (f) {
              case AggregateFunction::kMean:
              case AggregateFunction::kSum: {
                double sum = 0;
                for (double v : values)
                  sum += v;
                want =
                    f == AggregateFunction::kSum ? sum : sum / static_cast<double>(values.size());
                break;
              }
              case AggregateFunction::kMin:
                want = *std::min_element(values.begin(), values.end());
                break;
              case AggregateFunction::kMax:
                want = *std::max_element(values.begin(), values.end());
                break;
              case AggregateFunction::kCount:
                want = static_cast<double>(values.size());
                break;
              case AggregateFunction::kLast:
                want = values.back();
                break;
            }
            EXPECT_EQ(have[i].start, bucket_start);
            EXPECT_EQ(have[i].count, values.size());
            EXPECT_NEAR(have[i].value, want, 1e-9 * std::max(1.0, std::abs(want)))
                << when << " series " << s << " step " << step << " function "
                << static_cast<int>(f) << " bucket " << bucket_start;
            ++i;
          }
        }
      }
    }
  };
  check("blocks, overlapping memtable");
  ASSERT_OK(engine->Compact());
  check("compacted");
  // Group by rack: the mean of a rack's buckets is the mean of its series' points.
  AggregateQuery grouped{{"temp", "temperature", {}}, start,   start + kNanosPerDay, kNanosPerHour,
                         AggregateFunction::kCount,   {"rack"}};
  ASSERT_OK_AND_ASSIGN(groups, engine->Aggregate(grouped));
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].group, (std::vector<reading::Tag>{{"rack", "r01"}}));
  ASSERT_EQ(groups[0].buckets.size(), 24u);
  EXPECT_EQ(groups[0].buckets[0].value, 2 * 360.0);
  EXPECT_EQ(groups[0].buckets[1].value, 2 * 360.0 + 1) << "the late point, not the rewrite";
}

TEST(EngineTest, RetentionDropsExpiredPointsOfItsMeasurementOnly) {
  TempDir dir("retention");
  ManualClock clock(kT0 + 10 * kNanosPerDay);
  EngineOptions options = Manual();
  options.clock = &clock;
  options.retention = {{"temp", 2 * kNanosPerDay}};
  ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir.path(), options));
  std::vector<Reading> batch;
  for (int day = 0; day < 10; ++day) {
    const TimeNs t = kT0 + day * kNanosPerDay;
    batch.push_back(MakeReading("pi-1", "temp", "t", t, 20.0 + day));
    batch.push_back(MakeReading("pi-1", "power", "w", t, 100.0 + day));
  }
  AppendAll(*engine, batch);
  ASSERT_OK(engine->Compact());
  EXPECT_EQ(AllPoints(*engine, {"temp", "t", {}}).size(), 2u);
  EXPECT_EQ(AllPoints(*engine, {"power", "w", {}}).size(), 10u);
  EXPECT_EQ(engine->stats().points_expired, 8u);
  clock.Advance(5 * kNanosPerDay);
  ASSERT_OK(engine->Compact());
  EXPECT_TRUE(AllPoints(*engine, {"temp", "t", {}}).empty());
  EXPECT_EQ(AllPoints(*engine, {"power", "w", {}}).size(), 10u);
}

TEST(EngineTest, AFailedFsyncMakesTheStoreReadOnlyAndReadsGoOn) {
  wal::FaultInjectionFileSystem fs;
  EngineOptions options = Manual();
  options.fs = &fs;
  ASSERT_OK_AND_ASSIGN(engine, Engine::Open("/db", options));
  AppendAll(*engine, {MakeReading("pi-1", "temp", "t", kT0, 1.0)});
  fs.FailNext(wal::FaultInjectionFileSystem::Op::kSync, EIO);
  auto failed =
      engine->Append(std::vector<Reading>{MakeReading("pi-1", "temp", "t", kT0 + 1, 2.0)});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kIOError) << failed.status().ToString();
  EXPECT_FALSE(engine->health().ok());
  auto later = engine->Append(std::vector<Reading>{MakeReading("pi-1", "temp", "t", kT0 + 2, 3.0)});
  EXPECT_FALSE(later.ok()) << "read-only for good";
  EXPECT_EQ(AllPoints(*engine, {"temp", "t", {}}), (std::vector<Point>{{kT0, 1.0}}));
}

TEST(EngineTest, ADiskFullFailsTheBatchOnlyAndLosesNothingAcknowledged) {
  wal::FaultInjectionFileSystem fs;
  EngineOptions options = Manual();
  options.fs = &fs;
  ASSERT_OK_AND_ASSIGN(engine, Engine::Open("/db", options));
  AppendAll(*engine, {MakeReading("pi-1", "temp", "t", kT0, 1.0)});
  fs.FailNext(wal::FaultInjectionFileSystem::Op::kWrite, ENOSPC);
  auto full = engine->Append(std::vector<Reading>{MakeReading("pi-1", "temp", "t", kT0 + 1, 2.0)});
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), StatusCode::kResourceExhausted) << full.status().ToString();
  EXPECT_TRUE(engine->health().ok());
  AppendAll(*engine, {MakeReading("pi-1", "temp", "t", kT0 + 3, 4.0)});
  // A flush that hits the full disk fails and leaves everything in place.
  fs.FailNext(wal::FaultInjectionFileSystem::Op::kWrite, ENOSPC);
  EXPECT_FALSE(engine->Flush().ok());
  ASSERT_OK(engine->Flush());
  fs.Crash();
  engine.reset();
  ASSERT_OK_AND_ASSIGN(reopened, Engine::Open("/db", options));
  EXPECT_EQ(AllPoints(*reopened, {"temp", "t", {}}),
            (std::vector<Point>{{kT0, 1.0}, {kT0 + 3, 4.0}}));
}

// The fsync discipline: after a power cut that drops everything unsynced, every acknowledged
// point is there, whether it was in the WAL, a block or both, and reads never fail.
TEST(EngineTest, APowerCutKeepsEveryAcknowledgedPoint) {
  for (auto mode : {wal::FaultInjectionFileSystem::CrashMode::kDropUnsynced,
                    wal::FaultInjectionFileSystem::CrashMode::kKeepUnsyncedPrefix,
                    wal::FaultInjectionFileSystem::CrashMode::kZeroFillUnsynced}) {
    wal::FaultInjectionFileSystem fs;
    EngineOptions options = Manual();
    options.fs = &fs;
    options.partition = kNanosPerHour;
    std::map<TimeNs, double> acknowledged;
    std::mt19937_64 random(static_cast<uint64_t>(mode) + 1);
    for (int life = 0; life < 6; ++life) {
      SCOPED_TRACE(::testing::Message() << "mode " << static_cast<int>(mode) << " life " << life);
      ASSERT_OK_AND_ASSIGN(engine, Engine::Open("/db", options));
      std::vector<Point> want;
      for (const auto& [t, v] : acknowledged)
        want.push_back({t, v});
      ASSERT_EQ(AllPoints(*engine, {"temp", "t", {}}), want);
      for (int b = 0; b < 10; ++b) {
        std::vector<Reading> batch;
        for (int i = 0; i < 50; ++i) {
          const TimeNs t = kT0 + static_cast<TimeNs>(random() % 1000) * kNanosPerMinute;
          batch.push_back(
              MakeReading("pi-1", "temp", "t", t, static_cast<double>(life * 1000 + b)));
        }
        AppendAll(*engine, batch);
        for (const Reading& r : batch)
          acknowledged[r.time] = std::get<double>(r.value);
        if (random() % 3 == 0) ASSERT_OK(engine->Flush());
        if (random() % 5 == 0) ASSERT_OK(engine->Compact());
      }
      fs.Crash(mode, random());
    }
  }
}

TEST(EngineTest, ConcurrentWritersAndReaders) {
  TempDir dir("concurrent");
  EngineOptions options;
  options.memtable_points = 5'000;  // flushes and compactions run while they work
  options.compaction_trigger = 2;
  options.fsync = wal::FsyncPolicy::kNone;
  ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir.path(), options));
  constexpr int kWriters = 4;
  constexpr int kBatches = 60;
  constexpr int kPerBatch = 100;
  std::atomic<bool> done{false};
  std::atomic<int> read_failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<Reading> batch;
        for (int i = 0; i < kPerBatch; ++i) {
          const TimeNs t = kT0 + (b * kPerBatch + i) * kNanosPerSecond;
          batch.push_back(MakeReading(fmt::format("pi-{}", w), "temp", "t", t, Temperature(w, b)));
        }
        auto result = engine->Append(batch);
        EXPECT_TRUE(result.ok() && result->stored == batch.size());
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (!done.load()) {
        if (!engine->Last({"temp", "t", {}}).ok()) ++read_failures;
        if (!engine->Range({"temp", "t", {}}, kT0, kT0 + kNanosPerHour).ok()) ++read_failures;
        if (!engine
                 ->Aggregate({{"temp", "t", {}},
                              kT0,
                              kT0 + 2 * kNanosPerHour,
                              kNanosPerMinute,
                              AggregateFunction::kMean,
                              {}})
                 .ok()) {
          ++read_failures;
        }
      }
    });
  }
  for (int w = 0; w < kWriters; ++w)
    threads[static_cast<size_t>(w)].join();
  done.store(true);
  for (size_t i = kWriters; i < threads.size(); ++i)
    threads[i].join();
  EXPECT_EQ(read_failures.load(), 0);
  EXPECT_EQ(AllPoints(*engine, {"temp", "t", {}}).size(),
            static_cast<size_t>(kWriters * kBatches * kPerBatch));
  ASSERT_OK(engine->Close());
  EXPECT_GT(engine->stats().flushes, 0u);
}

TEST(EngineTest, RefusesBadOptions) {
  EngineOptions options;
  options.memtable_points = 0;
  EXPECT_EQ(Engine::Open("/nonexistent", options).status().code(), StatusCode::kInvalidArgument);
  options = {};
  options.partition = kNanosPerMinute;
  EXPECT_NE(ValidateEngineOptions(options).message().find("partition"), std::string::npos);
  options = {};
  options.retention = {{"temp", 0}};
  EXPECT_NE(ValidateEngineOptions(options).message().find("temp"), std::string::npos);
}

TEST(EngineTest, ACorruptSeriesSnapshotFailsTheOpenNamingTheFile) {
  wal::FaultInjectionFileSystem fs;
  EngineOptions options = Manual();
  options.fs = &fs;
  {
    ASSERT_OK_AND_ASSIGN(engine, Engine::Open("/db", options));
    AppendAll(*engine, {MakeReading("pi-1", "temp", "t", kT0, 1.0)});
    ASSERT_OK(engine->Close());
  }
  ASSERT_OK_AND_ASSIGN(bytes, fs.ReadWhole("/db/series"));
  bytes[bytes.size() / 2] ^= 0x20;
  fs.WriteDurably("/db/series", bytes);
  auto reopened = Engine::Open("/db", options);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kCorruption);
  EXPECT_NE(reopened.status().message().find("/db/series"), std::string::npos)
      << reopened.status().ToString();
}

}  // namespace
}  // namespace coolflow::store::engine
