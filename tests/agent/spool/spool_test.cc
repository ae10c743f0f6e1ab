// The spool's contract (spool.h) on real files: order, acknowledgement, restart, the bound,
// sequence numbers, options and I/O failures.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "agent/spool/checkpoint.h"
#include "agent/spool/spool_format.h"
#include "agent/spool/spool_test_util.h"

namespace coolflow::agent::testing {
namespace {

using SpoolTest = SpoolFixture;

TEST_F(SpoolTest, HandsOutRecordsInAppendOrderAndCountsThem) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_FALSE(spool->Next().has_value());
  AppendRange(*spool, 1, 5);
  const auto records = Drain(*spool);
  EXPECT_EQ(Ids(records), Range(1, 5));
  for (size_t i = 0; i < records.size(); ++i)
    EXPECT_EQ(records[i].message, TestMessage(i + 1));
  EXPECT_FALSE(spool->Next().has_value());

  SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.appended, 5u);
  EXPECT_EQ(stats.depth, 5u);
  EXPECT_EQ(stats.acknowledged, 0u);
  EXPECT_EQ(stats.bytes, TotalSegmentBytes(dir_));

  for (uint64_t id = 1; id <= 5; ++id)
    spool->Acknowledge(id);
  stats = spool->stats();
  EXPECT_EQ(stats.acknowledged, 5u);
  EXPECT_EQ(stats.depth, 0u);

  // A record appended after Next ran dry is handed out next.
  ASSERT_TRUE(spool->Append(TestMessage(6)).ok());
  auto next = spool->Next();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->id, 6u);
  EXPECT_EQ(next->message, TestMessage(6));
}

TEST_F(SpoolTest, RestartKeepsUnacknowledgedRecordsAndForgetsAcknowledgedOnes) {
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool);
    AppendRange(*spool, 1, 10);
    EXPECT_EQ(Ids(Drain(*spool)), Range(1, 10));
    for (uint64_t id = 1; id <= 4; ++id)
      spool->Acknowledge(id);
  }
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->stats().depth, 6u);
  const auto records = Drain(*spool);
  ASSERT_EQ(Ids(records), Range(5, 10));
  for (const auto& record : records)
    EXPECT_EQ(record.message, TestMessage(record.id));
  // Ids go on from where they were.
  ASSERT_TRUE(spool->Append(TestMessage(11)).ok());
  EXPECT_EQ(spool->Next()->id, 11u);
}

TEST_F(SpoolTest, OutOfOrderAcknowledgementsMoveTheCheckpointOverTheOldestRun) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  AppendRange(*spool, 1, 6);
  EXPECT_EQ(Ids(Drain(*spool)), Range(1, 6));
  for (uint64_t id : {2u, 3u, 5u})
    spool->Acknowledge(id);
  EXPECT_EQ(spool->stats().depth, 3u);

  // A rewind skips what was acknowledged out of order.
  spool->Rewind();
  EXPECT_EQ(Ids(Drain(*spool)), (std::vector<uint64_t>{1, 4, 6}));

  // Acknowledging 1 moves the floor over 1..3; 4 stays the oldest unacknowledged record.
  spool->Acknowledge(1);
  ASSERT_TRUE(spool->Sync().ok());
  auto checkpoint = spool::ReadCheckpoint(dir_ / spool::kCheckpointFileName);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
  ASSERT_TRUE(checkpoint->has_value());
  EXPECT_EQ((*checkpoint)->floor, 4u);
  spool.reset();

  // After a restart the floor is what counts: 5 was acknowledged above it and comes again
  // (at least once); 1..3 do not.
  spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_EQ(Ids(Drain(*spool)), (std::vector<uint64_t>{4, 5, 6}));
}

TEST_F(SpoolTest, RewindStartsAgainAtTheOldestUnacknowledgedRecord) {
  options_.segment_bytes = 300;  // a few records per segment, so a rewind crosses segments
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  AppendRange(*spool, 1, 12);
  for (uint64_t id = 1; id <= 7; ++id)
    EXPECT_EQ(spool->Next()->id, id);
  spool->Acknowledge(1);
  spool->Acknowledge(2);
  spool->Rewind();
  EXPECT_EQ(Ids(Drain(*spool)), Range(3, 12));
  spool->Rewind();
  EXPECT_EQ(spool->Next()->id, 3u);
  EXPECT_EQ(spool->Next()->id, 4u);
}

TEST_F(SpoolTest, AcknowledgementsOfUnknownIdsChangeNothing) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  AppendRange(*spool, 1, 3);
  spool->Acknowledge(0);
  spool->Acknowledge(4);
  spool->Acknowledge(999);
  spool->Acknowledge(2);
  spool->Acknowledge(2);
  const SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.acknowledged, 1u);
  EXPECT_EQ(stats.depth, 2u);
  EXPECT_EQ(Ids(Drain(*spool)), (std::vector<uint64_t>{1, 3}));
}

TEST_F(SpoolTest, AcknowledgedSegmentsAreDeletedAndIdsAreNeverReused) {
  options_.segment_bytes = 1000;
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  AppendRange(*spool, 1, 50);
  EXPECT_GT(SegmentFiles(dir_).size(), 4u);
  for (const auto& record : Drain(*spool))
    spool->Acknowledge(record.id);
  ASSERT_TRUE(spool->Sync().ok());
  // The newest segment stays for the appends to come.
  ASSERT_EQ(SegmentFiles(dir_).size(), 1u);
  EXPECT_EQ(spool->stats().bytes, TotalSegmentBytes(dir_));
  EXPECT_EQ(spool->stats().depth, 0u);
  spool.reset();

  spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_FALSE(spool->Next().has_value());
  ASSERT_TRUE(spool->Append(TestMessage(51)).ok());
  EXPECT_EQ(spool->Next()->id, 51u);

  // Even with every segment file gone, the checkpoint keeps ids going up.
  spool.reset();
  for (const auto& file : SegmentFiles(dir_))
    std::filesystem::remove(file);
  spool = OpenSpool();
  ASSERT_TRUE(spool);
  ASSERT_TRUE(spool->Append(TestMessage(52)).ok());
  EXPECT_EQ(spool->Next()->id, 52u);
}

TEST_F(SpoolTest, LargeRecordsGetASegmentOfTheirOwn) {
  options_.segment_bytes = 64 * 1024;
  options_.max_bytes = 8 << 20;
  constexpr size_t kLarge = 3 << 20;
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  AppendRange(*spool, 1, 1);
  AppendRange(*spool, 2, 2, kLarge);
  AppendRange(*spool, 3, 3, 200 * 1024);
  AppendRange(*spool, 4, 4);
  EXPECT_GE(SegmentFiles(dir_).size(), 3u);

  // A record that could never fit the bound is refused, and nothing else changes.
  const Status refused = spool->Append(TestMessage(5, 9 << 20));
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused.ToString();
  EXPECT_NE(refused.message().find("max_bytes"), std::string::npos) << refused.message();
  AppendRange(*spool, 6, 6);
  spool.reset();

  spool = OpenSpool();
  ASSERT_TRUE(spool);
  const auto records = Drain(*spool);
  ASSERT_EQ(Ids(records), Range(1, 5));
  EXPECT_EQ(records[1].message, TestMessage(2, kLarge));
  EXPECT_EQ(records[2].message, TestMessage(3, 200 * 1024));
  EXPECT_EQ(records[4].message, TestMessage(6));
}

TEST_F(SpoolTest, RefusesBadOptionsNamingTheField) {
  options_.max_bytes = 0;
  auto spool = FileSpool::Open(options_, clock_);
  ASSERT_FALSE(spool.ok());
  EXPECT_EQ(spool.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(spool.status().message().find("max_bytes"), std::string::npos);

  options_ = SpoolOptions{.dir = dir_, .segment_bytes = 0};
  spool = FileSpool::Open(options_, clock_);
  ASSERT_FALSE(spool.ok());
  EXPECT_NE(spool.status().message().find("segment_bytes"), std::string::npos);

  options_ = SpoolOptions{.dir = dir_, .sync_interval = -1};
  EXPECT_FALSE(FileSpool::Open(options_, clock_).ok());

  options_ = SpoolOptions{};
  EXPECT_FALSE(FileSpool::Open(options_, clock_).ok());
}

TEST_F(SpoolTest, FailsToOpenInAFolderThatCannotExist) {
  WriteAll(root_ / "plain-file", "not a folder");
  options_.dir = root_ / "plain-file" / "spool";
  auto spool = Spool::Open(options_, clock_);
  ASSERT_FALSE(spool.ok());
  EXPECT_EQ(spool.status().code(), StatusCode::kIOError);
  EXPECT_NE(spool.status().message().find("plain-file"), std::string::npos)
      << spool.status().message();
}

TEST_F(SpoolTest, ASecondOpenOfTheSameFolderIsRefused) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  auto second = FileSpool::Open(options_, clock_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("LOCK"), std::string::npos);
  spool.reset();
  EXPECT_TRUE(FileSpool::Open(options_, clock_).ok());
}

TEST_F(SpoolTest, AppendsFailForGoodOnceTheFolderIsGone) {
  options_.segment_bytes = 500;
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  AppendRange(*spool, 1, 2);
  std::filesystem::remove_all(dir_);
  Status status;
  uint64_t index = 3;
  for (; index < 100 && status.ok(); ++index)
    status = spool->Append(TestMessage(index));
  ASSERT_FALSE(status.ok()) << "a new segment cannot be created in a removed folder";
  EXPECT_EQ(status.code(), StatusCode::kIOError);
  EXPECT_NE(status.message().find(dir_.string()), std::string::npos) << status.message();
  // The folder is back, but a hole stays a hole: appends keep failing, Sync reports it.
  std::filesystem::create_directories(dir_);
  EXPECT_FALSE(spool->Append(TestMessage(index)).ok());
  EXPECT_FALSE(spool->Sync().ok());
  // The records went with the folder: Next finds their files gone and counts them.
  EXPECT_FALSE(spool->Next().has_value());
  EXPECT_EQ(spool->stats().torn, 4u);
  EXPECT_EQ(spool->stats().depth, 0u);
}

TEST_F(SpoolTest, SyncsAndCheckpointsOnTheIntervalOnly) {
  options_.sync_interval = 5 * kNanosPerSecond;
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  const auto checkpoint_floor = [&]() -> uint64_t {
    auto checkpoint = spool::ReadCheckpoint(dir_ / spool::kCheckpointFileName);
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
    return checkpoint.ok() && checkpoint->has_value() ? (*checkpoint)->floor : 0;
  };
  AppendRange(*spool, 1, 4);
  for (uint64_t id = 1; id <= 3; ++id)
    spool->Acknowledge(spool->Next()->id);
  AppendRange(*spool, 5, 5);
  EXPECT_EQ(checkpoint_floor(), 0u) << "no checkpoint before the interval passed";

  clock_.Advance(4 * kNanosPerSecond);
  AppendRange(*spool, 6, 6);
  EXPECT_EQ(checkpoint_floor(), 0u);

  clock_.Advance(kNanosPerSecond);
  AppendRange(*spool, 7, 7);
  EXPECT_EQ(checkpoint_floor(), 4u);

  spool->Acknowledge(4);
  AppendRange(*spool, 8, 8);
  EXPECT_EQ(checkpoint_floor(), 4u);
  ASSERT_TRUE(spool->Sync().ok());
  EXPECT_EQ(checkpoint_floor(), 5u);
}

TEST_F(SpoolTest, AppendsCheckpointAtMostOncePerCheckpointInterval) {
  options_.sync_interval = kNanosPerSecond;
  options_.checkpoint_interval = 10 * kNanosPerSecond;
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  const auto checkpoint_floor = [&]() -> uint64_t {
    auto checkpoint = spool::ReadCheckpoint(dir_ / spool::kCheckpointFileName);
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
    return checkpoint.ok() && checkpoint->has_value() ? (*checkpoint)->floor : 0;
  };
  AppendRange(*spool, 1, 2);
  spool->Acknowledge(spool->Next()->id);
  clock_.Advance(kNanosPerSecond);
  AppendRange(*spool, 3, 3);
  const uint64_t first = checkpoint_floor();
  EXPECT_EQ(first, 2u) << "the first sync writes the checkpoint";

  // Data syncs every second; the floor moves, the checkpoint waits for its interval.
  spool->Acknowledge(spool->Next()->id);
  for (int second = 1; second < 10; ++second) {
    clock_.Advance(kNanosPerSecond);
    AppendRange(*spool, 3 + static_cast<uint64_t>(second), 3 + static_cast<uint64_t>(second));
    EXPECT_EQ(checkpoint_floor(), first) << "second " << second;
  }
  clock_.Advance(kNanosPerSecond);
  AppendRange(*spool, 13, 13);
  EXPECT_EQ(checkpoint_floor(), 3u);
  // An explicit Sync writes it at once.
  spool->Acknowledge(spool->Next()->id);
  ASSERT_TRUE(spool->Sync().ok());
  EXPECT_EQ(checkpoint_floor(), 4u);
}

TEST_F(SpoolTest, ZeroIntervalsCheckpointOnEveryAppend) {
  options_.sync_interval = 0;
  options_.checkpoint_interval = 0;
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  AppendRange(*spool, 1, 2);
  spool->Acknowledge(spool->Next()->id);
  AppendRange(*spool, 3, 3);
  auto checkpoint = spool::ReadCheckpoint(dir_ / spool::kCheckpointFileName);
  ASSERT_TRUE(checkpoint.ok() && checkpoint->has_value());
  EXPECT_EQ((*checkpoint)->floor, 2u);
}

TEST_F(SpoolTest, ACrashRedeliversOnlyWhatFollowsTheLastCheckpoint) {
  const int code = RunInChild([&] {
    auto spool = FileSpool::Open(options_, clock_);
    if (!spool.ok()) Crash(10);
    for (uint64_t i = 1; i <= 10; ++i) {
      if (!(*spool)->Append(TestMessage(i)).ok()) Crash(11);
    }
    for (uint64_t id = 1; id <= 5; ++id)
      (*spool)->Acknowledge(id);
    if (!(*spool)->Sync().ok()) Crash(12);
    // Acknowledgements 6..8 never reach the checkpoint: no sync, no close.
    for (uint64_t id = 6; id <= 8; ++id)
      (*spool)->Acknowledge(id);
    Crash(0);
  });
  ASSERT_EQ(code, 0);
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_EQ(Ids(Drain(*spool)), Range(6, 10));
}

TEST_F(SpoolTest, AProducerAndAConsumerOnTwoThreadsSeeEveryRecordOnceInOrder) {
  constexpr uint64_t kRecords = 3000;
  options_.segment_bytes = 16 * 1024;
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  std::thread producer([&] {
    for (uint64_t i = 1; i <= kRecords; ++i) {
      clock_.Advance(kNanosPerMilli);  // syncs now and then, under the consumer's feet
      if (!spool->Append(TestMessage(i)).ok()) return;
    }
  });
  std::vector<uint64_t> seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (seen.size() < kRecords && std::chrono::steady_clock::now() < deadline) {
    auto record = spool->Next();
    if (!record) {
      std::this_thread::yield();
      continue;
    }
    EXPECT_EQ(record->message, TestMessage(record->id));
    seen.push_back(record->id);
    spool->Acknowledge(record->id);
  }
  producer.join();
  EXPECT_EQ(seen, Range(1, kRecords));
  EXPECT_EQ(spool->stats().depth, 0u);
  ASSERT_TRUE(spool->Sync().ok());
  EXPECT_EQ(SegmentFiles(dir_).size(), 1u);
}

// ---- The bound ----

// Records of exactly 100 bytes (24 of framing, 22 of topic, 4 of key, 50 of payload); a
// segment of at most 1000 bytes then holds 9 of them (24 + 9 × 100 = 924 bytes), and
// 4000 bytes hold four full segments and the start of a fifth.
class SpoolBoundTest : public SpoolFixture {
 protected:
  static constexpr size_t kPayload = 50;
  static constexpr uint64_t kPerSegment = 9;

  void SetUp() override {
    SpoolFixture::SetUp();
    options_.segment_bytes = 1000;
    options_.max_bytes = 4000;
    ASSERT_EQ(spool::EncodedRecordSize(TestMessage(1, kPayload)), 100u);
  }
};

TEST_F(SpoolBoundTest, AFullSpoolDropsItsOldestSegmentAndCountsExactly) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  // 38 records: four full segments (3696 bytes) and two in a fifth (224): 3920 bytes.
  AppendRange(*spool, 1, 38, kPayload);
  EXPECT_EQ(spool->stats().dropped, 0u);
  EXPECT_EQ(spool->stats().bytes, 3920u);
  // The 39th would make 4020: the oldest segment (1..9) goes.
  AppendRange(*spool, 39, 39, kPayload);
  SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.dropped, kPerSegment);
  EXPECT_EQ(stats.depth, 30u);
  EXPECT_EQ(stats.bytes, 3096u);
  EXPECT_EQ(stats.bytes, TotalSegmentBytes(dir_));
  EXPECT_FALSE(std::filesystem::exists(dir_ / spool::SegmentFileName(1)));

  for (uint64_t i = 40; i <= 200; ++i) {
    AppendRange(*spool, i, i, kPayload);
    stats = spool->stats();
    ASSERT_LE(stats.bytes, options_.max_bytes) << i;
    ASSERT_EQ(stats.dropped + stats.depth, stats.appended) << i;
    ASSERT_EQ(stats.dropped % kPerSegment, 0u) << i;
  }
  EXPECT_EQ(stats.bytes, TotalSegmentBytes(dir_));
  // What is left is contiguous and starts right after what was dropped.
  const auto records = Drain(*spool);
  EXPECT_EQ(Ids(records), Range(stats.dropped + 1, 200));
  for (const auto& record : records)
    EXPECT_EQ(record.message, TestMessage(record.id, kPayload));
}

TEST_F(SpoolBoundTest, DroppingCountsOnlyUnacknowledgedRecords) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  AppendRange(*spool, 1, 38, kPayload);
  for (uint64_t id : {1u, 2u, 3u, 4u, 5u, 8u})
    spool->Acknowledge(id);
  AppendRange(*spool, 39, 39, kPayload);
  const SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.dropped, 3u);  // 6, 7 and 9
  EXPECT_EQ(stats.depth, 30u);
  EXPECT_EQ(stats.acknowledged, 6u);
}

TEST_F(SpoolBoundTest, DroppingMovesTheReadCursorToTheOldestRecordLeft) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  AppendRange(*spool, 1, 38, kPayload);
  EXPECT_EQ(spool->Next()->id, 1u);
  EXPECT_EQ(spool->Next()->id, 2u);
  AppendRange(*spool, 39, 39, kPayload);
  EXPECT_EQ(spool->Next()->id, 10u);
  // Acknowledging a dropped record is a no-op.
  spool->Acknowledge(2);
  EXPECT_EQ(spool->stats().acknowledged, 0u);
  spool->Rewind();
  EXPECT_EQ(spool->Next()->id, 10u);
}

TEST_F(SpoolBoundTest, ASmallerBoundAtOpenIsEnforcedByTheNextAppend) {
  options_.max_bytes = 1 << 20;
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool);
    AppendRange(*spool, 1, 90, kPayload);
  }
  options_.max_bytes = 4000;
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->stats().depth, 90u);
  AppendRange(*spool, 91, 91, kPayload);
  const SpoolStats stats = spool->stats();
  EXPECT_LE(stats.bytes, options_.max_bytes);
  EXPECT_EQ(stats.dropped + stats.depth, 91u);
  EXPECT_EQ(Ids(Drain(*spool)), Range(stats.dropped + 1, 91));
}

TEST_F(SpoolBoundTest, ABoundBelowTheSegmentSizeStillHoldsOneRecordAtLeast) {
  options_.segment_bytes = 1 << 20;
  options_.max_bytes = 250;  // header + two records
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  AppendRange(*spool, 1, 5, kPayload);
  const SpoolStats stats = spool->stats();
  EXPECT_LE(stats.bytes, 250u);
  EXPECT_EQ(stats.dropped + stats.depth, 5u);
  EXPECT_GE(stats.depth, 1u);
  EXPECT_EQ(Ids(Drain(*spool)), Range(stats.dropped + 1, 5));
}

// ---- Sequence numbers ----

using SpoolSeqTest = SpoolFixture;

TEST_F(SpoolSeqTest, NumbersStartAtOneAndIncreasePerBox) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->ReserveSeq("pi-1", 3), 1u);
  EXPECT_EQ(spool->ReserveSeq("pi-1", 2), 4u);
  EXPECT_EQ(spool->ReserveSeq("srv-02", 14), 1u);
  EXPECT_EQ(spool->ReserveSeq("pi-1", 0), 6u);
  EXPECT_EQ(spool->ReserveSeq("pi-1", 1), 6u);
  EXPECT_EQ(spool->ReserveSeq("srv-02", 14), 15u);
  // Across block boundaries.
  uint64_t expected = 29;
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(spool->ReserveSeq("srv-02", 14), expected);
    expected += 14;
  }
}

TEST_F(SpoolSeqTest, ACleanRestartContinuesExactly) {
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool);
    EXPECT_EQ(spool->ReserveSeq("pi-1", 5), 1u);
    EXPECT_EQ(spool->ReserveSeq("srv-02", 2500), 1u);
  }
  for (int restart = 0; restart < 3; ++restart) {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool);
    EXPECT_EQ(spool->ReserveSeq("pi-1", 1), 6u + static_cast<uint64_t>(restart));
  }
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->ReserveSeq("srv-02", 1), 2501u);
}

TEST_F(SpoolSeqTest, ACrashSkipsToTheEndOfTheReservedBlockNeverRepeating) {
  uint64_t highest = 0;
  for (int crash = 0; crash < 3; ++crash) {
    // The child hands out numbers one by one, across a block boundary, then dies.
    const int code = RunInChild([&] {
      auto spool = FileSpool::Open(options_, clock_);
      if (!spool.ok()) Crash(10);
      uint64_t last = 0;
      for (int i = 0; i < 1500; ++i) {
        const uint64_t seq = (*spool)->ReserveSeq("pi-1", 1);
        if (seq <= last) Crash(11);
        last = seq;
      }
      Crash(last == highest + 1500 ? 0 : 12);
    });
    ASSERT_EQ(code, 0) << "crash " << crash;
    highest += 1500;
    auto spool = OpenSpool();
    ASSERT_TRUE(spool);
    const uint64_t next = spool->ReserveSeq("pi-1", 1);
    // Past the last number handed out, with a gap (the rest of the block): never a repeat.
    EXPECT_GT(next, highest + 1) << "crash " << crash;
    EXPECT_LE(next, highest + kSeqReserveBlock + 1) << "crash " << crash;
    // Continue the count from here in the next round.
    highest = next;
    spool.reset();
    // The clean close recorded next + 1 exactly.
    spool = OpenSpool();
    ASSERT_TRUE(spool);
    EXPECT_EQ(spool->ReserveSeq("pi-1", 0), highest + 1);
  }
}

}  // namespace
}  // namespace coolflow::agent::testing
