// The WAL's behaviour on a healthy disk: round trips, segments, RemoveThrough, reopening,
// policies and concurrent appenders (on the in-memory file layer, and one test on real files).
#include "store/wal/wal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "store/wal/fault_injection_file_system.h"
#include "store/wal/wal_format.h"
#include "wal_test_util.h"

namespace coolflow::store::wal {
namespace {

using testing::Payload;
using testing::Records;
using testing::ReplayInto;

constexpr char kDir[] = "/data/wal";

WalOptions SmallSegments(FsyncPolicy policy = FsyncPolicy::kPerBatch) {
  WalOptions options;
  options.fsync = policy;
  options.segment_size = 1024;  // a few records per segment
  return options;
}

std::unique_ptr<Wal> MustOpen(FileSystem& fs, const WalOptions& options) {
  auto wal = Wal::Open(kDir, options, fs);
  EXPECT_TRUE(wal.ok()) << wal.status().ToString();
  return wal.ok() ? std::move(*wal) : nullptr;
}

TEST(WalTest, RoundTripInOrderWithConsecutiveSeqs) {
  FaultInjectionFileSystem fs;
  auto wal = MustOpen(fs, WalOptions{});
  ASSERT_NE(wal, nullptr);
  for (uint64_t i = 1; i <= 50; ++i) {
    auto seq = wal->Append(Payload(i));
    ASSERT_TRUE(seq.ok()) << seq.status().ToString();
    EXPECT_EQ(*seq, i);
  }
  EXPECT_EQ(wal->last_seq(), 50u);
  Records records;
  ASSERT_TRUE(ReplayInto(*wal, 0, records).ok());
  ASSERT_EQ(records.size(), 50u);
  for (uint64_t i = 1; i <= 50; ++i) {
    EXPECT_EQ(records[i - 1].first, i);
    EXPECT_EQ(records[i - 1].second, Payload(i));
  }
  records.clear();
  ASSERT_TRUE(ReplayInto(*wal, 45, records).ok());
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records.front().first, 46u);
}

TEST(WalTest, EmptyAndLargePayloads) {
  FaultInjectionFileSystem fs;
  auto wal = MustOpen(fs, SmallSegments());
  ASSERT_NE(wal, nullptr);
  const std::string big(5000, 'x');  // bigger than a segment: gets a segment of its own
  ASSERT_TRUE(wal->Append("").ok());
  ASSERT_TRUE(wal->Append(big).ok());
  ASSERT_TRUE(wal->Append("after").ok());
  Records records;
  ASSERT_TRUE(ReplayInto(*wal, 0, records).ok());
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].second, "");
  EXPECT_EQ(records[1].second, big);
  EXPECT_EQ(records[2].second, "after");
  const std::string too_big(kMaxPayloadSize + 1, 'x');
  EXPECT_EQ(wal->Append(too_big).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(wal->health().ok());
}

TEST(WalTest, OrderAcrossSegmentsAndReopen) {
  FaultInjectionFileSystem fs;
  {
    auto wal = MustOpen(fs, SmallSegments());
    ASSERT_NE(wal, nullptr);
    for (uint64_t i = 1; i <= 100; ++i)
      ASSERT_TRUE(wal->Append(Payload(i)).ok());
    EXPECT_GT(wal->stats().segments_created, 10u);
    ASSERT_TRUE(wal->Close().ok());
    EXPECT_EQ(wal->Append("late").status().code(), StatusCode::kUnavailable);
  }
  auto names = fs.ListDir(kDir);
  ASSERT_TRUE(names.ok());
  EXPECT_GT(names->size(), 10u);
  auto wal = MustOpen(fs, SmallSegments());
  ASSERT_NE(wal, nullptr);
  EXPECT_TRUE(wal->recovery().clean()) << wal->recovery().ToString();
  EXPECT_EQ(wal->recovery().records, 100u);
  EXPECT_EQ(wal->last_seq(), 100u);
  auto seq = wal->Append(Payload(101));
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 101u);
  Records records;
  ASSERT_TRUE(ReplayInto(*wal, 0, records).ok());
  ASSERT_EQ(records.size(), 101u);
  for (uint64_t i = 1; i <= 101; ++i)
    ASSERT_EQ(records[i - 1], std::make_pair(i, Payload(i)));
}

TEST(WalTest, RemoveThroughDropsOnlyWholeFlushedSegments) {
  FaultInjectionFileSystem fs;
  auto wal = MustOpen(fs, SmallSegments());
  ASSERT_NE(wal, nullptr);
  for (uint64_t i = 1; i <= 100; ++i)
    ASSERT_TRUE(wal->Append(Payload(i)).ok());
  ASSERT_TRUE(wal->RemoveThrough(60).ok());
  Records records;
  ASSERT_TRUE(ReplayInto(*wal, 0, records).ok());
  ASSERT_FALSE(records.empty());
  // Everything after 60 is kept; what is before 61 is at most one partial segment.
  EXPECT_LE(records.front().first, 61u);
  EXPECT_GT(records.front().first, 1u);
  EXPECT_EQ(records.back().first, 100u);
  for (size_t i = 1; i < records.size(); ++i)
    EXPECT_EQ(records[i].first, records[i - 1].first + 1);
  // Removing everything keeps the segment being written, so the seqs go on after a reopen.
  ASSERT_TRUE(wal->RemoveThrough(1000).ok());
  wal.reset();
  wal = MustOpen(fs, SmallSegments());
  ASSERT_NE(wal, nullptr);
  auto seq = wal->Append("next");
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 101u);
}

TEST(WalTest, RotateLetsRemoveThroughDropEveryRecordAndSeqsGoOn) {
  FaultInjectionFileSystem fs;
  auto wal = MustOpen(fs, WalOptions{});
  ASSERT_NE(wal, nullptr);
  ASSERT_TRUE(wal->Rotate().ok()) << "an empty segment: nothing to do";
  for (uint64_t i = 1; i <= 10; ++i)
    ASSERT_TRUE(wal->Append(Payload(i)).ok());
  ASSERT_TRUE(wal->RemoveThrough(10).ok());
  Records records;
  ASSERT_TRUE(ReplayInto(*wal, 0, records).ok());
  EXPECT_EQ(records.size(), 10u) << "the segment being written is kept";
  ASSERT_TRUE(wal->Rotate().ok());
  ASSERT_TRUE(wal->Append(Payload(11)).ok());
  ASSERT_TRUE(wal->RemoveThrough(10).ok());
  records.clear();
  ASSERT_TRUE(ReplayInto(*wal, 0, records).ok());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0], std::make_pair(uint64_t{11}, Payload(11)));
  ASSERT_TRUE(wal->Rotate().ok());
  ASSERT_TRUE(wal->RemoveThrough(11).ok());
  wal.reset();
  wal = MustOpen(fs, WalOptions{});
  ASSERT_NE(wal, nullptr);
  records.clear();
  ASSERT_TRUE(ReplayInto(*wal, 0, records).ok());
  EXPECT_TRUE(records.empty());
  auto seq = wal->Append("next");
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 12u);
}

TEST(WalTest, PoliciesAcknowledgeAndSync) {
  for (FsyncPolicy policy : {FsyncPolicy::kPerBatch, FsyncPolicy::kInterval, FsyncPolicy::kNone}) {
    FaultInjectionFileSystem fs;
    WalOptions options;
    options.fsync = policy;
    options.sync_interval = std::chrono::milliseconds(1);
    auto wal = MustOpen(fs, options);
    ASSERT_NE(wal, nullptr);
    const uint64_t syncs_at_open = fs.sync_count();
    for (uint64_t i = 1; i <= 10; ++i)
      ASSERT_TRUE(wal->Append(Payload(i)).ok());
    const uint64_t syncs = fs.sync_count() - syncs_at_open;
    if (policy == FsyncPolicy::kPerBatch) {
      EXPECT_EQ(syncs, 10u);
    }
    if (policy == FsyncPolicy::kNone) {
      EXPECT_EQ(syncs, 0u);
    }
    if (policy == FsyncPolicy::kInterval) {
      // The interval sync comes by itself: poll for it with a deadline.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (wal->stats().syncs == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      EXPECT_GT(wal->stats().syncs, 0u);
    }
    ASSERT_TRUE(wal->Sync().ok());
    // After Sync everything survives a crash whatever the policy.
    wal.reset();
    fs.Crash();
    wal = MustOpen(fs, options);
    ASSERT_NE(wal, nullptr);
    EXPECT_EQ(wal->last_seq(), 10u);
  }
}

TEST(WalTest, ConcurrentAppendersGetEveryRecordOnceAndGroupCommit) {
  FaultInjectionFileSystem fs;
  WalOptions options = SmallSegments();
  options.segment_size = 64 * 1024;
  auto wal = MustOpen(fs, options);
  ASSERT_NE(wal, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::vector<std::vector<std::pair<uint64_t, std::string>>> acked(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string payload = fmt::format("t{}-{}", t, i);
        auto seq = wal->Append(payload);
        ASSERT_TRUE(seq.ok()) << seq.status().ToString();
        acked[static_cast<size_t>(t)].emplace_back(*seq, std::move(payload));
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  const WalStats stats = wal->stats();
  EXPECT_EQ(stats.appends, uint64_t{kThreads * kPerThread});
  EXPECT_LE(stats.syncs, stats.appends);
  Records records;
  ASSERT_TRUE(ReplayInto(*wal, 0, records).ok());
  ASSERT_EQ(records.size(), size_t{kThreads * kPerThread});
  std::map<uint64_t, std::string> by_seq(records.begin(), records.end());
  for (size_t i = 0; i < records.size(); ++i)
    EXPECT_EQ(records[i].first, i + 1);
  for (const auto& thread_acks : acked) {
    uint64_t previous = 0;
    for (const auto& [seq, payload] : thread_acks) {
      EXPECT_EQ(by_seq[seq], payload);
      EXPECT_GT(seq, previous);  // one thread's records keep their order
      previous = seq;
    }
  }
}

TEST(WalTest, ReplayWhileAppending) {
  FaultInjectionFileSystem fs;
  auto wal = MustOpen(fs, SmallSegments());
  ASSERT_NE(wal, nullptr);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (uint64_t i = 1; !stop.load(); ++i)
      ASSERT_TRUE(wal->Append(Payload(i)).ok());
  });
  for (int round = 0; round < 20; ++round) {
    const uint64_t acked = wal->last_seq();
    Records records;
    ASSERT_TRUE(ReplayInto(*wal, 0, records).ok());
    ASSERT_GE(records.size(), acked);
    for (size_t i = 0; i < records.size(); ++i)
      ASSERT_EQ(records[i].first, i + 1);
  }
  stop = true;
  writer.join();
}

TEST(WalTest, RealFilesRoundTrip) {
  const std::string dir = ::testing::TempDir() + fmt::format("wal_real_{}", ::getpid());
  std::filesystem::remove_all(dir);
  {
    auto wal = Wal::Open(dir, SmallSegments(), PosixFileSystem::Instance());
    ASSERT_TRUE(wal.ok()) << wal.status().ToString();
    for (uint64_t i = 1; i <= 30; ++i)
      ASSERT_TRUE((*wal)->Append(Payload(i)).ok());
  }
  auto wal = Wal::Open(dir, SmallSegments(), PosixFileSystem::Instance());
  ASSERT_TRUE(wal.ok()) << wal.status().ToString();
  Records records;
  ASSERT_TRUE(ReplayInto(**wal, 0, records).ok());
  ASSERT_EQ(records.size(), 30u);
  EXPECT_EQ(records.back().second, Payload(30));
  auto report = Check(dir, PosixFileSystem::Instance());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->clean());
  wal->reset();
  std::filesystem::remove_all(dir);
}

TEST(WalTest, RefusesBadOptions) {
  FaultInjectionFileSystem fs;
  WalOptions options;
  options.segment_size = 10;
  EXPECT_EQ(Wal::Open(kDir, options, fs).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coolflow::store::wal
