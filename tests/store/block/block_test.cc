// Block files (src/store/block/block.h): round trips, chunk cutting, rollups, crash safety,
// damage detection and salvage, on the real file system and on the fault-injecting one.
#include "store/block/block.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "fmt/format.h"
#include "store/block/block_format.h"
#include "store/wal/fault_injection_file_system.h"
#include "store/wal/file_system.h"

namespace coolflow::store::block {
namespace {

using codec::ValueColumn;
using wal::FaultInjectionFileSystem;

constexpr TimeNs kSecond = kNanosPerSecond;
constexpr TimeNs kDayStart = 19'700 * kNanosPerDay;  // 2023-12-09, a partition boundary

struct Series {
  uint32_t id = 0;
  std::vector<TimeNs> times;
  ValueColumn values;
};

// `n` points of one type every `step` from `start`, with a little jitter (up to 1 us on a
// third of the points) unless told otherwise.
Series MakeSeries(uint32_t id, size_t n, TimeNs start, TimeNs step, int type, uint64_t seed,
                  bool jitter = true) {
  std::mt19937_64 random(seed);
  Series s;
  s.id = id;
  TimeNs t = start;
  for (size_t i = 0; i < n; ++i) {
    s.times.push_back(t);
    t += step + static_cast<TimeNs>(jitter && random() % 3 == 0 ? random() % 1000 : 0);
  }
  switch (type % 4) {
    case 0: {  // a temperature in 0.1 C, drifting
      std::vector<double> v;
      int64_t tenths = 200 + static_cast<int64_t>(random() % 100);
      for (size_t i = 0; i < n; ++i) {
        tenths += static_cast<int64_t>(random() % 3) - 1;
        v.push_back(static_cast<double>(tenths) / 10.0);
      }
      s.values = std::move(v);
      break;
    }
    case 1: {
      std::vector<int64_t> v;
      int64_t x = -1'000'000;
      for (size_t i = 0; i < n; ++i)
        v.push_back(x += static_cast<int64_t>(random() % 4000) - 1000);
      s.values = std::move(v);
      break;
    }
    case 2: {
      std::vector<uint64_t> v;
      uint64_t x = UINT64_MAX / 2;
      for (size_t i = 0; i < n; ++i)
        v.push_back(x += random() % 100'000);
      s.values = std::move(v);
      break;
    }
    default: {
      std::vector<bool> v;
      for (size_t i = 0; i < n; ++i)
        v.push_back(random() % 5 == 0);
      s.values = std::move(v);
      break;
    }
  }
  return s;
}

BlockWriterOptions Options(uint32_t chunk_points, uint32_t min_points_per_bucket = 8) {
  BlockWriterOptions options;
  options.chunk_points = chunk_points;
  options.min_points_per_bucket = min_points_per_bucket;
  return options;
}

enum class FsKind { kPosix, kFault };

class BlockTest : public testing::TestWithParam<FsKind> {
 protected:
  void SetUp() override {
    if (GetParam() == FsKind::kPosix) {
      dir_ = testing::TempDir() +
             fmt::format("block_test_{}_{}", ::getpid(),
                         testing::UnitTest::GetInstance()->current_test_info()->name());
      std::replace(dir_.begin() + static_cast<std::ptrdiff_t>(testing::TempDir().size()),
                   dir_.end(), '/', '_');
      std::filesystem::remove_all(dir_);
      fs_ = &wal::PosixFileSystem::Instance();
    } else {
      dir_ = "/blocks";
      fault_ = std::make_unique<FaultInjectionFileSystem>();
      fs_ = fault_.get();
    }
    ASSERT_TRUE(fs_->CreateDir(dir_).ok());
    path_ = dir_ + "/000001.block";
  }
  void TearDown() override {
    if (GetParam() == FsKind::kPosix) std::filesystem::remove_all(dir_);
  }

  Result<BlockInfo> Write(const std::vector<Series>& all, const BlockWriterOptions& options = {}) {
    auto writer = BlockWriter::Create(*fs_, path_, options);
    if (!writer.ok()) return writer.status();
    for (const Series& s : all) {
      if (Status st = (*writer)->Add(s.id, s.times, s.values); !st.ok()) return st;
    }
    return (*writer)->Finish();
  }

  std::shared_ptr<const Block> OpenOk() {
    auto block = Block::Open(*fs_, path_);
    EXPECT_TRUE(block.ok()) << block.status().ToString();
    return block.ok() ? *block : nullptr;
  }

  // Every point of `entry`, decoded chunk by chunk.
  static Series ReadAll(const Block& block, const SeriesEntry& entry) {
    Series s;
    s.id = entry.id;
    codec::DecodedChunk chunk;
    for (const ChunkRef& ref : entry.chunks) {
      const Status st = block.ReadChunk(entry, ref, chunk);
      EXPECT_TRUE(st.ok()) << st.ToString();
      if (!st.ok()) return s;
      s.times.insert(s.times.end(), chunk.times.begin(), chunk.times.end());
      if (s.times.size() == chunk.times.size()) {
        s.values = chunk.values;
      } else {
        std::visit(
            [&](auto& column) {
              using Vector = std::decay_t<decltype(column)>;
              const auto& more = std::get<Vector>(chunk.values);
              column.insert(column.end(), more.begin(), more.end());
            },
            s.values);
      }
    }
    return s;
  }

  std::string ReadFile() {
    auto mapped = fs_->Map(path_);
    EXPECT_TRUE(mapped.ok()) << mapped.status().ToString();
    return mapped.ok() ? std::string((*mapped)->data()) : std::string();
  }
  void WriteFile(const std::string& bytes) {
    if (fault_ != nullptr) {
      fault_->WriteDurably(path_, bytes);
      return;
    }
    std::filesystem::remove(path_);
    auto file = fs_->Open(path_, wal::OpenMode::kCreateExclusive);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->WriteAt(0, bytes).ok());
  }

  std::string dir_;
  std::string path_;
  wal::FileSystem* fs_ = nullptr;
  std::unique_ptr<FaultInjectionFileSystem> fault_;
};

TEST_P(BlockTest, RoundTripsManySeriesOfEveryType) {
  std::vector<Series> all;
  for (uint32_t i = 0; i < 24; ++i) {
    all.push_back(MakeSeries(i * 3 + 1, 1 + i * 97, kDayStart + i * kSecond, 10 * kSecond,
                             static_cast<int>(i), i));
  }
  // A series with negative times and a single point.
  all.push_back(MakeSeries(1000, 500, -3 * kNanosPerHour, 7 * kSecond, 0, 99));
  all.push_back(MakeSeries(1001, 1, 5, kSecond, 3, 100));
  auto info = Write(all, Options(300));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  uint64_t points = 0;
  for (const Series& s : all)
    points += s.times.size();
  EXPECT_EQ(info->points, points);
  EXPECT_EQ(info->series, all.size());
  EXPECT_EQ(info->min_time, -3 * kNanosPerHour);
  EXPECT_EQ(info->path, path_);

  auto block = OpenOk();
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(block->bytes(), info->bytes);
  EXPECT_EQ(block->points(), points);
  EXPECT_EQ(block->min_time(), info->min_time);
  EXPECT_EQ(block->max_time(), info->max_time);
  ASSERT_EQ(block->series().size(), all.size());
  for (const Series& s : all) {
    const SeriesEntry* entry = block->Find(s.id);
    ASSERT_NE(entry, nullptr) << s.id;
    EXPECT_EQ(entry->type, codec::ColumnType(s.values));
    EXPECT_EQ(entry->count, s.times.size());
    EXPECT_EQ(entry->first_time, s.times.front());
    EXPECT_EQ(entry->last_time, s.times.back());
    const Series back = ReadAll(*block, *entry);
    EXPECT_EQ(back.times, s.times) << s.id;
    EXPECT_EQ(back.values, s.values) << s.id;
  }
  EXPECT_EQ(block->Find(0), nullptr);
  EXPECT_EQ(block->Find(2), nullptr);
  EXPECT_EQ(block->Find(5000), nullptr);
  EXPECT_TRUE(block->Verify().ok()) << block->Verify().ToString();
}

TEST_P(BlockTest, CutsSeriesIntoChunksOfChunkPoints) {
  const Series s = MakeSeries(7, 2500, kDayStart, kSecond, 0, 1);
  ASSERT_TRUE(Write({s}, Options(1000)).ok());
  auto block = OpenOk();
  ASSERT_NE(block, nullptr);
  const SeriesEntry& entry = block->series().at(0);
  ASSERT_EQ(entry.chunks.size(), 3u);
  EXPECT_EQ(entry.chunks[0].count, 1000u);
  EXPECT_EQ(entry.chunks[1].count, 1000u);
  EXPECT_EQ(entry.chunks[2].count, 500u);
  EXPECT_EQ(entry.chunks[0].first_time, s.times[0]);
  EXPECT_EQ(entry.chunks[0].last_time, s.times[999]);
  EXPECT_EQ(entry.chunks[1].first_time, s.times[1000]);
  EXPECT_EQ(entry.chunks[2].last_time, s.times[2499]);
  EXPECT_EQ(entry.chunks[1].offset, entry.chunks[0].offset + entry.chunks[0].size);
  codec::DecodedChunk chunk;
  ASSERT_TRUE(block->ReadChunk(entry, entry.chunks[1], chunk).ok());
  EXPECT_EQ(chunk.times, std::vector<TimeNs>(s.times.begin() + 1000, s.times.begin() + 2000));
}

TEST_P(BlockTest, StoredRollupsEqualTheComputedOnes) {
  // 1 s for two hours: both levels dense enough.
  const Series s = MakeSeries(3, 7200, kDayStart + 17 * kSecond, kSecond, 0, 5);
  const Series counter = MakeSeries(4, 7200, kDayStart, kSecond, 2, 6);
  ASSERT_TRUE(Write({s, counter}, Options(1000)).ok());
  auto block = OpenOk();
  ASSERT_NE(block, nullptr);
  for (const Series* series : {&s, &counter}) {
    const SeriesEntry* entry = block->Find(series->id);
    ASSERT_NE(entry, nullptr);
    for (const RollupLevel level : kAllRollupLevels) {
      ASSERT_TRUE(entry->has_rollup(level)) << RollupLevelName(level);
      auto stored = block->ReadRollup(*entry, level);
      ASSERT_TRUE(stored.ok()) << stored.status().ToString();
      EXPECT_EQ(*stored, ComputeRollup(series->times, series->values, RollupStep(level)));
      uint64_t total = 0;
      for (const RollupBucket& b : *stored)
        total += b.count;
      EXPECT_EQ(total, series->times.size());
    }
  }
  // Brute force: the first minute of the temperature.
  auto minute = block->ReadRollup(*block->Find(3), RollupLevel::kMinute);
  ASSERT_TRUE(minute.ok());
  const auto& v = std::get<std::vector<double>>(s.values);
  double sum = 0, lo = INFINITY, hi = -INFINITY;
  size_t n = 0;
  for (size_t i = 0; i < s.times.size() && s.times[i] < kDayStart + kNanosPerMinute; ++i, ++n) {
    sum += v[i];
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
  const RollupBucket& first = minute->front();
  EXPECT_EQ(first.start, kDayStart);
  EXPECT_EQ(first.count, n);
  EXPECT_EQ(first.min, lo);
  EXPECT_EQ(first.max, hi);
  EXPECT_EQ(first.last, v[n - 1]);
  EXPECT_NEAR(first.sum, sum, 1e-9);
}

TEST_P(BlockTest, StoresARollupOnlyWhenBucketsAreDenseEnough) {
  // 10 s: 6 points a minute (< 8, no 1m rollup), 360 an hour (1h rollup).
  const Series sparse = MakeSeries(1, 1000, kDayStart, 10 * kSecond, 0, 1);
  // 1 s: 60 a minute.
  const Series dense = MakeSeries(2, 1000, kDayStart, kSecond, 0, 2);
  ASSERT_TRUE(Write({sparse, dense}).ok());
  auto block = OpenOk();
  ASSERT_NE(block, nullptr);
  EXPECT_FALSE(block->Find(1)->has_rollup(RollupLevel::kMinute));
  EXPECT_TRUE(block->Find(1)->has_rollup(RollupLevel::kHour));
  EXPECT_TRUE(block->Find(2)->has_rollup(RollupLevel::kMinute));
  EXPECT_TRUE(block->Find(2)->has_rollup(RollupLevel::kHour));
  auto missing = block->ReadRollup(*block->Find(1), RollupLevel::kMinute);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);

  // 0: always.
  ASSERT_TRUE(Write({sparse}, Options(8192, 0)).ok());
  block = OpenOk();
  ASSERT_NE(block, nullptr);
  EXPECT_TRUE(block->Find(1)->has_rollup(RollupLevel::kMinute));
  // Very demanding: never.
  ASSERT_TRUE(Write({dense}, Options(8192, 100'000)).ok());
  block = OpenOk();
  ASSERT_NE(block, nullptr);
  EXPECT_FALSE(block->Find(2)->has_rollup(RollupLevel::kMinute));
  EXPECT_FALSE(block->Find(2)->has_rollup(RollupLevel::kHour));
  EXPECT_TRUE(block->Verify().ok());
}

TEST_P(BlockTest, RefusesBadSeriesNamingTheId) {
  auto writer = BlockWriter::Create(*fs_, path_);
  ASSERT_TRUE(writer.ok());
  const std::vector<TimeNs> times = {1, 2, 3};
  const std::vector<double> values = {1, 2, 3};
  ASSERT_TRUE((*writer)->Add(10, times, values).ok());
  const auto refused = [&](uint32_t id, std::span<const TimeNs> t, const ValueColumn& v,
                           std::string_view why) {
    const Status s = (*writer)->Add(id, t, v);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find(fmt::format("series {}", id)), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
  };
  refused(10, times, values, "ids must increase");
  refused(9, times, values, "ids must increase");
  refused(11, {}, std::vector<double>{}, "no points");
  refused(12, times, std::vector<double>{1, 2}, "3 times but 2 values");
  const std::vector<TimeNs> unsorted = {1, 3, 3};
  refused(13, unsorted, values, "does not follow");
  // Still usable.
  ASSERT_TRUE((*writer)->Add(14, times, std::vector<bool>{true, false, true}).ok());
  auto info = (*writer)->Finish();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->series, 2u);
  EXPECT_EQ((*writer)->Finish().status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BlockWriter::Create(*fs_, path_ + "x", Options(0)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(BlockTest, AnEmptyBlockIsValid) {
  auto info = Write({});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->series, 0u);
  auto block = OpenOk();
  ASSERT_NE(block, nullptr);
  EXPECT_TRUE(block->series().empty());
  EXPECT_TRUE(block->Verify().ok());
}

TEST_P(BlockTest, AnUnfinishedWriterLeavesNothingAndAStaleTmpIsReplaced) {
  const Series s = MakeSeries(1, 100, kDayStart, kSecond, 0, 1);
  {
    auto writer = BlockWriter::Create(*fs_, path_);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Add(1, s.times, s.values).ok());
  }
  auto names = fs_->ListDir(dir_);
  ASSERT_TRUE(names.ok());
  EXPECT_TRUE(names->empty());
  // A stale .tmp, as a killed writer leaves it.
  {
    auto stale = fs_->Open(path_ + ".tmp", wal::OpenMode::kCreateExclusive);
    ASSERT_TRUE(stale.ok());
    ASSERT_TRUE((*stale)->WriteAt(0, "junk").ok());
  }
  ASSERT_TRUE(Write({s}).ok());
  names = fs_->ListDir(dir_);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"000001.block"});
  EXPECT_EQ(Block::Open(*fs_, dir_ + "/missing.block").status().code(), StatusCode::kNotFound);
}

TEST_P(BlockTest, MapsFilesReadOnly) {
  {
    auto file = fs_->Open(dir_ + "/empty", wal::OpenMode::kCreateExclusive);
    ASSERT_TRUE(file.ok());
    auto other = fs_->Open(dir_ + "/full", wal::OpenMode::kCreateExclusive);
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE((*other)->WriteAt(0, "hello").ok());
  }
  auto empty = fs_->Map(dir_ + "/empty");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE((*empty)->data().empty());
  EXPECT_EQ((*empty)->path(), dir_ + "/empty");
  auto full = fs_->Map(dir_ + "/full");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ((*full)->data(), "hello");
  EXPECT_EQ(fs_->Map(dir_ + "/none").status().code(), StatusCode::kNotFound);
}

// Damage: every single-byte change and every truncation of a small block is caught.
TEST_P(BlockTest, EverySingleByteCorruptionIsCaught) {
  std::vector<Series> all = {MakeSeries(1, 40, kDayStart, kSecond, 0, 1),
                             MakeSeries(2, 30, kDayStart, kSecond, 1, 2),
                             MakeSeries(5, 20, kDayStart, kSecond, 3, 3)};
  ASSERT_TRUE(Write(all, Options(16, 0)).ok());
  const std::string good = ReadFile();
  ASSERT_GT(good.size(), 200u);
  for (size_t i = 0; i < good.size(); ++i) {
    for (const uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
      std::string bad = good;
      bad[i] = static_cast<char>(static_cast<uint8_t>(bad[i]) ^ mask);
      WriteFile(bad);
      auto block = Block::Open(*fs_, path_);
      Status status = block.status();
      if (block.ok()) status = (*block)->Verify();
      ASSERT_EQ(status.code(), StatusCode::kCorruption)
          << "byte " << i << " mask " << int{mask} << ": " << status.ToString();
      EXPECT_TRUE(status.message().starts_with("block " + path_ + ": ")) << status.message();
      EXPECT_NE(status.message().find(", at byte "), std::string::npos) << status.message();
    }
  }
}

TEST_P(BlockTest, EveryTruncationIsCaught) {
  ASSERT_TRUE(Write({MakeSeries(1, 50, kDayStart, kSecond, 0, 1),
                     MakeSeries(2, 50, kDayStart, kSecond, 2, 2)},
                    Options(20, 0))
                  .ok());
  const std::string good = ReadFile();
  for (size_t n = 0; n < good.size(); ++n) {
    WriteFile(good.substr(0, n));
    const Status status = Block::Open(*fs_, path_).status();
    ASSERT_EQ(status.code(), StatusCode::kCorruption) << n << ": " << status.ToString();
  }
  // And appended garbage.
  WriteFile(good + "x");
  EXPECT_EQ(Block::Open(*fs_, path_).status().code(), StatusCode::kCorruption);
}

TEST_P(BlockTest, ReadChunkNamesTheSeriesAndOffsetOfADamagedChunk) {
  const Series s = MakeSeries(42, 100, kDayStart, kSecond, 0, 1);
  ASSERT_TRUE(Write({s}, Options(50)).ok());
  std::string bytes = ReadFile();
  auto block = OpenOk();
  ASSERT_NE(block, nullptr);
  const ChunkRef second = block->series()[0].chunks[1];
  // Damage the second chunk's value section.
  const size_t at = second.offset + second.size - 10;
  bytes[at] = static_cast<char>(bytes[at] ^ 0x10);
  WriteFile(bytes);
  block = OpenOk();  // the index is intact
  ASSERT_NE(block, nullptr);
  codec::DecodedChunk chunk;
  EXPECT_TRUE(block->ReadChunk(block->series()[0], block->series()[0].chunks[0], chunk).ok());
  const Status status = block->ReadChunk(block->series()[0], second, chunk);
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_NE(status.message().find("series 42"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("checksum"), std::string::npos) << status.message();
  EXPECT_EQ(block->Verify().code(), StatusCode::kCorruption);
}

TEST_P(BlockTest, SalvageRecoversEveryIntactChunkWithoutIndexOrFooter) {
  std::vector<Series> all;
  for (uint32_t i = 0; i < 6; ++i)
    all.push_back(MakeSeries(i + 1, 300 + i * 50, kDayStart, kSecond, static_cast<int>(i), i));
  ASSERT_TRUE(Write(all, Options(64, 0)).ok());
  const std::string good = ReadFile();
  auto block = OpenOk();
  ASSERT_NE(block, nullptr);
  const uint64_t index_offset =
      block->series().back().rollups[1].offset + block->series().back().rollups[1].size;

  // An intact block salvages completely, with no damage.
  auto whole = SalvageBlock(*fs_, path_);
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(whole->damage.empty()) << whole->damage.front();
  ASSERT_EQ(whole->series.size(), all.size());

  // Index and footer destroyed.
  std::string bad = good;
  for (size_t i = index_offset; i < bad.size(); ++i)
    bad[i] = static_cast<char>(0x5a);
  WriteFile(bad);
  EXPECT_EQ(Block::Open(*fs_, path_).status().code(), StatusCode::kCorruption);
  auto salvage = SalvageBlock(*fs_, path_);
  ASSERT_TRUE(salvage.ok());
  EXPECT_FALSE(salvage->damage.empty());
  ASSERT_EQ(salvage->series.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(salvage->series[i].id, all[i].id);
    EXPECT_EQ(salvage->series[i].times, all[i].times);
    EXPECT_EQ(salvage->series[i].values, all[i].values);
  }

  // Also one chunk of series 3 damaged: everything before it is kept, the chunk and the rest
  // of that series are dropped (they would leave a gap), the other series are whole.
  const ChunkRef hit = block->Find(3)->chunks[2];
  bad[hit.offset + 20] = static_cast<char>(bad[hit.offset + 20] ^ 0x40);
  WriteFile(bad);
  salvage = SalvageBlock(*fs_, path_);
  ASSERT_TRUE(salvage.ok());
  ASSERT_EQ(salvage->series.size(), all.size());
  const SalvagedSeries& third = salvage->series[2];
  EXPECT_EQ(third.id, 3u);
  ASSERT_GE(third.times.size(), 2u * 64);
  EXPECT_EQ(std::vector<TimeNs>(third.times.begin(), third.times.begin() + 128),
            std::vector<TimeNs>(all[2].times.begin(), all[2].times.begin() + 128));
  EXPECT_EQ(third.times.size(), all[2].times.size() - 64);
  bool named = false;
  for (const std::string& d : salvage->damage)
    named = named || d.find(fmt::format("at byte {}", hit.offset)) != std::string::npos;
  EXPECT_TRUE(named);
  for (const size_t i : {size_t{0}, size_t{1}, size_t{3}, size_t{4}, size_t{5}})
    EXPECT_EQ(salvage->series[i].times, all[i].times);

  // Arbitrary junk: no series, no crash.
  WriteFile("garbage");
  salvage = SalvageBlock(*fs_, path_);
  ASSERT_TRUE(salvage.ok());
  EXPECT_TRUE(salvage->series.empty());
  EXPECT_FALSE(salvage->damage.empty());
}

INSTANTIATE_TEST_SUITE_P(FileSystems, BlockTest, testing::Values(FsKind::kPosix, FsKind::kFault),
                         [](const testing::TestParamInfo<FsKind>& param) {
                           return param.param == FsKind::kPosix ? "Posix" : "FaultInjection";
                         });

// Crash safety on the fault-injecting file system.
TEST(BlockCrashTest, ACrashBeforeFinishLeavesNoBlockAndAfterKeepsIt) {
  FaultInjectionFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("/b").ok());
  const Series s = MakeSeries(1, 5000, kDayStart, kSecond, 0, 1);
  for (const auto mode : {FaultInjectionFileSystem::CrashMode::kDropUnsynced,
                          FaultInjectionFileSystem::CrashMode::kKeepUnsyncedPrefix,
                          FaultInjectionFileSystem::CrashMode::kZeroFillUnsynced}) {
    {
      auto writer = BlockWriter::Create(fs, "/b/1.block", Options(100));
      ASSERT_TRUE(writer.ok());
      ASSERT_TRUE((*writer)->Add(1, s.times, s.values).ok());
      fs.Crash(mode, 7);
    }
    auto names = fs.ListDir("/b");
    ASSERT_TRUE(names.ok());
    EXPECT_TRUE(names->empty());
    EXPECT_EQ(Block::Open(fs, "/b/1.block").status().code(), StatusCode::kNotFound);
  }
  {
    auto writer = BlockWriter::Create(fs, "/b/1.block", Options(100));
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Add(1, s.times, s.values).ok());
    ASSERT_TRUE((*writer)->Finish().ok());
  }
  fs.Crash(FaultInjectionFileSystem::CrashMode::kKeepUnsyncedPrefix, 3);
  auto block = Block::Open(fs, "/b/1.block");
  ASSERT_TRUE(block.ok()) << block.status().ToString();
  EXPECT_TRUE((*block)->Verify().ok());
  EXPECT_EQ((*block)->points(), s.times.size());
}

TEST(BlockCrashTest, FailedSyncOrFullDiskLeavesNoBlock) {
  FaultInjectionFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("/b").ok());
  const Series s = MakeSeries(1, 5000, kDayStart, kSecond, 0, 1);
  {
    fs.FailNext(FaultInjectionFileSystem::Op::kSync, EIO);
    auto writer = BlockWriter::Create(fs, "/b/1.block");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Add(1, s.times, s.values).ok());
    auto info = (*writer)->Finish();
    EXPECT_EQ(info.status().code(), StatusCode::kIOError);
    EXPECT_NE(info.status().message().find("1.block.tmp"), std::string::npos);
    // Sticky.
    EXPECT_EQ((*writer)->Add(2, s.times, s.values).code(), StatusCode::kIOError);
  }
  auto names = fs.ListDir("/b");
  ASSERT_TRUE(names.ok());
  EXPECT_TRUE(names->empty());
  {
    fs.SetCapacity(1000);
    auto writer = BlockWriter::Create(fs, "/b/1.block");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Add(1, s.times, s.values).ok());
    EXPECT_EQ((*writer)->Finish().status().code(), StatusCode::kResourceExhausted);
  }
  names = fs.ListDir("/b");
  ASSERT_TRUE(names.ok());
  EXPECT_TRUE(names->empty());
}

// Not a pass/fail measurement alone: prints bytes per point, and checks the decimal data stays
// under the 1.0 byte a point with its rollups.
TEST(BlockSizeTest, BytesPerPointOfDecimalSensorData) {
  FaultInjectionFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("/b").ok());
  struct Case {
    const char* name;
    TimeNs step;
  };
  for (const Case c : {Case{"10 s", 10 * kSecond}, Case{"1 s", kSecond}}) {
    const size_t n = static_cast<size_t>(kNanosPerDay / c.step);
    std::vector<Series> all;
    for (uint32_t i = 0; i < 8; ++i) {
      Series s = MakeSeries(i + 1, n, kDayStart, c.step, 0, i, /*jitter=*/false);
      all.push_back(std::move(s));
    }
    uint64_t points = 0;
    for (const Series& s : all)
      points += s.times.size();
    const auto size_with = [&](uint32_t min_points_per_bucket) -> uint64_t {
      auto writer = BlockWriter::Create(fs, "/b/size.block", Options(8192, min_points_per_bucket));
      EXPECT_TRUE(writer.ok());
      for (const Series& s : all)
        EXPECT_TRUE((*writer)->Add(s.id, s.times, s.values).ok());
      auto info = (*writer)->Finish();
      EXPECT_TRUE(info.ok());
      return info.ok() ? info->bytes : 0;
    };
    const uint64_t plain = size_with(std::numeric_limits<uint32_t>::max());
    const uint64_t rolled = size_with(8);
    const uint64_t all_levels = size_with(0);
    const double per_point = static_cast<double>(rolled) / static_cast<double>(points);
    std::cout << fmt::format(
        "[ size ] {} day of 0.1 C temperature, 8 series, {} points: {:.3f} B/pt without "
        "rollups, {:.3f} with (default rule), {:.3f} with both levels always\n",
        c.name, points, static_cast<double>(plain) / static_cast<double>(points), per_point,
        static_cast<double>(all_levels) / static_cast<double>(points));
    EXPECT_LT(per_point, 1.0);
  }
}

}  // namespace
}  // namespace coolflow::store::block
