// `coolflow store check`: finds each kind of damage, repairs what it can, and the repaired
// store opens with every point that was not in a damaged chunk.
#include "store/engine/check.h"

#include "engine_test_util.h"
#include "gtest/gtest.h"
#include "store/engine/engine.h"
#include "store/wal/fault_injection_file_system.h"

namespace coolflow::store::engine {
namespace {

constexpr TimeNs kT0 = 1'700'000'000LL * kNanosPerSecond;

// A store in "/db" with two blocks (two series each) and records in the WAL.
void MakeStore(wal::FaultInjectionFileSystem& fs) {
  EngineOptions options;
  options.background = false;
  options.fs = &fs;
  auto engine = Engine::Open("/db", options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  for (int part = 0; part < 3; ++part) {
    std::vector<reading::Reading> batch;
    for (int i = 0; i < 500; ++i) {
      for (const char* box : {"pi-1", "pi-2"}) {
        batch.push_back(testing::MakeReading(
            box, "temp", "t", kT0 + (part * 500 + i) * kNanosPerMinute, 20.0 + i % 50 / 10.0));
      }
    }
    ASSERT_TRUE((*engine)->Append(batch).ok());
    if (part < 2) {
      ASSERT_TRUE((*engine)->Flush().ok());
    }
  }
  // No Close: the last batch stays in the WAL only.
}

size_t CountPoints(Engine& engine) {
  auto range = engine.Range({"temp", "t", {}}, 0, std::numeric_limits<TimeNs>::max());
  EXPECT_TRUE(range.ok()) << range.status().ToString();
  size_t n = 0;
  if (range.ok()) {
    for (const auto& s : *range)
      n += s.points.size();
  }
  return n;
}

TEST(StoreCheckTest, ASoundStoreIsReportedClean) {
  wal::FaultInjectionFileSystem fs;
  MakeStore(fs);
  auto report = CheckStore("/db", false, fs);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->clean()) << FormatCheckReport(*report);
  EXPECT_EQ(report->problems, 0u);
  EXPECT_GE(report->blocks, 2u);
  EXPECT_EQ(report->block_points, 2000u);
  EXPECT_GE(report->wal_records, 1u);
}

TEST(StoreCheckTest, ADamagedBlockIsSalvagedAndTheRestOfTheStoreKept) {
  wal::FaultInjectionFileSystem fs;
  MakeStore(fs);
  auto names = fs.ListDir("/db/blocks");
  ASSERT_TRUE(names.ok());
  std::sort(names->begin(), names->end());
  const std::string victim = "/db/blocks/" + names->front();
  auto bytes = fs.ReadWhole(victim);
  ASSERT_TRUE(bytes.ok());
  (*bytes)[40] ^= 0x01;  // inside the first chunk
  fs.WriteDurably(victim, *bytes);

  auto found = CheckStore("/db", false, fs);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->clean());
  EXPECT_EQ(found->problems, 1u) << FormatCheckReport(*found);
  EXPECT_NE(FormatCheckReport(*found).find(victim), std::string::npos);

  auto repaired = CheckStore("/db", true, fs);
  ASSERT_TRUE(repaired.ok());
  EXPECT_TRUE(repaired->clean()) << FormatCheckReport(*repaired);
  EXPECT_TRUE(fs.ReadWhole("/db/damaged/" + names->front()).ok()) << "kept, not deleted";

  auto again = CheckStore("/db", false, fs);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->problems, 0u) << FormatCheckReport(*again);

  EngineOptions options;
  options.background = false;
  options.fs = &fs;
  auto engine = Engine::Open("/db", options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  const size_t points = CountPoints(**engine);
  EXPECT_LT(points, 3000u) << "the damaged chunk is gone";
  EXPECT_GE(points, 2500u) << "only the damaged chunk is gone";
}

TEST(StoreCheckTest, ATornWalTailIsTruncated) {
  wal::FaultInjectionFileSystem fs;
  MakeStore(fs);
  auto names = fs.ListDir("/db/wal");
  ASSERT_TRUE(names.ok());
  std::sort(names->begin(), names->end());
  const std::string segment = "/db/wal/" + names->back();
  auto bytes = fs.ReadWhole(segment);
  ASSERT_TRUE(bytes.ok());
  fs.WriteDurably(segment, bytes->substr(0, bytes->size() - 7));  // a cut-short write

  auto repaired = CheckStore("/db", true, fs);
  ASSERT_TRUE(repaired.ok());
  EXPECT_EQ(repaired->problems, 1u) << FormatCheckReport(*repaired);
  EXPECT_TRUE(repaired->clean()) << FormatCheckReport(*repaired);
}

TEST(StoreCheckTest, AMissingDirectoryIsAnError) {
  wal::FaultInjectionFileSystem fs;
  EXPECT_FALSE(CheckStore("/nowhere", false, fs).ok());
}

}  // namespace
}  // namespace coolflow::store::engine
