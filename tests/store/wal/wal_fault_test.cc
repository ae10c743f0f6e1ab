// The WAL on a failing disk, through the fault-injecting file layer: simulated crashes under
// each fsync policy, a failing fsync or write (EIO), and a full disk (ENOSPC).
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "store/wal/fault_injection_file_system.h"
#include "store/wal/wal.h"
#include "wal_test_util.h"

namespace coolflow::store::wal {
namespace {

using testing::Payload;
using testing::Records;
using testing::ReplayInto;
using CrashMode = FaultInjectionFileSystem::CrashMode;
using Op = FaultInjectionFileSystem::Op;

constexpr char kDir[] = "/data/wal";

WalOptions Options(FsyncPolicy policy) {
  WalOptions options;
  options.fsync = policy;
  options.segment_size = 2048;
  options.sync_interval = std::chrono::hours(1);  // kInterval: no sync by the clock in a test
  return options;
}

// Checks that the records after a crash are seqs 1..n with the payloads `sent` gave them.
void ExpectConsistentPrefix(const Records& records, const std::map<uint64_t, std::string>& sent) {
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_EQ(records[i].first, i + 1);
    auto it = sent.find(records[i].first);
    ASSERT_NE(it, sent.end()) << "record " << records[i].first << " was never appended";
    ASSERT_EQ(records[i].second, it->second) << "record " << records[i].first << " changed";
  }
}

// Appends from several threads, crashes at a random point mid-stream, reopens: with
// kPerBatch every acknowledged record is back, and in every mode what comes back is a clean
// prefix (no half record, no corrupt read). Repeated over crash modes and seeds.
void CrashWhileAppending(FsyncPolicy policy, CrashMode mode, uint64_t seed) {
  SCOPED_TRACE(::testing::Message() << "seed " << seed << " mode " << static_cast<int>(mode));
  FaultInjectionFileSystem fs;
  std::mt19937_64 random(seed);
  std::map<uint64_t, std::string> sent;  // every acknowledged seq and its payload
  uint64_t acked_max = 0;
  for (int life = 0; life < 3; ++life) {
    auto wal = Wal::Open(kDir, Options(policy), fs);
    ASSERT_TRUE(wal.ok()) << wal.status().ToString();
    Records records;
    ASSERT_TRUE(ReplayInto(**wal, 0, records).ok());
    ExpectConsistentPrefix(records, sent);
    if (policy == FsyncPolicy::kPerBatch) {
      ASSERT_GE(records.size(), acked_max) << "an acknowledged record was lost";
    }
    // What survived is the truth from now on; a lost unacknowledged record may be reused.
    sent.clear();
    for (const auto& [seq, payload] : records)
      sent[seq] = payload;
    acked_max = records.size();

    const int appends = 20 + static_cast<int>(random() % 60);
    std::mutex sent_mu;
    std::atomic<int> counter{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int n; (n = counter.fetch_add(1)) < appends;) {
          const std::string payload = Payload(static_cast<uint64_t>(life * 1000 + n));
          auto seq = (*wal)->Append(payload);
          ASSERT_TRUE(seq.ok()) << seq.status().ToString();
          std::lock_guard<std::mutex> lock(sent_mu);
          sent[*seq] = payload;
          acked_max = std::max(acked_max, *seq);
        }
      });
    }
    for (auto& thread : threads)
      thread.join();
    // Crash with the WAL still open: nothing is closed or synced on the way down.
    fs.Crash(mode, random());
  }
}

TEST(WalFaultTest, CrashKeepsEveryAcknowledgedRecordPerBatch) {
  for (CrashMode mode :
       {CrashMode::kDropUnsynced, CrashMode::kKeepUnsyncedPrefix, CrashMode::kZeroFillUnsynced}) {
    for (uint64_t seed = 1; seed <= 5; ++seed)
      CrashWhileAppending(FsyncPolicy::kPerBatch, mode, seed);
  }
}

TEST(WalFaultTest, CrashWithoutSyncLosesATailButNeverReadsCorrupt) {
  for (FsyncPolicy policy : {FsyncPolicy::kNone, FsyncPolicy::kInterval}) {
    for (CrashMode mode :
         {CrashMode::kDropUnsynced, CrashMode::kKeepUnsyncedPrefix, CrashMode::kZeroFillUnsynced}) {
      for (uint64_t seed = 1; seed <= 5; ++seed)
        CrashWhileAppending(policy, mode, seed);
    }
  }
}

TEST(WalFaultTest, CrashDropsASegmentWhoseDirectoryEntryWasNotSynced) {
  // The new segment's directory sync fails: the WAL goes read-only, and after a crash the
  // segment is gone; every record acknowledged before is still there.
  FaultInjectionFileSystem fs;
  WalOptions options = Options(FsyncPolicy::kPerBatch);
  options.segment_size = 200;
  auto wal = Wal::Open(kDir, options, fs);
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->Append(std::string(100, 'a')).ok());
  fs.FailNext(Op::kSyncDir, EIO);
  auto failed = (*wal)->Append(std::string(150, 'b'));  // needs a new segment
  EXPECT_EQ(failed.status().code(), StatusCode::kIOError);
  wal->reset();
  fs.Crash();
  auto reopened = Wal::Open(kDir, options, fs);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  Records records;
  ASSERT_TRUE(ReplayInto(**reopened, 0, records).ok());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].second, std::string(100, 'a'));
}

TEST(WalFaultTest, FailedFsyncMakesTheWalReadOnlyAndAcknowledgesNothing) {
  FaultInjectionFileSystem fs;
  auto wal = Wal::Open(kDir, Options(FsyncPolicy::kPerBatch), fs);
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->Append("one").ok());
  fs.FailNext(Op::kSync, EIO);
  auto failed = (*wal)->Append("two");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kIOError);
  EXPECT_NE(failed.status().message().find("fdatasync"), std::string::npos)
      << failed.status().message();
  EXPECT_NE(failed.status().message().find("EIO"), std::string::npos);
  EXPECT_NE(failed.status().message().find("read-only"), std::string::npos);
  EXPECT_EQ((*wal)->last_seq(), 1u);
  // Sticky: the disk "works" again, the WAL still refuses.
  auto later = (*wal)->Append("three");
  EXPECT_EQ(later.status().message(), failed.status().message());
  EXPECT_EQ((*wal)->health().message(), failed.status().message());
  EXPECT_FALSE((*wal)->Sync().ok());
  wal->reset();
  fs.Crash();
  auto reopened = Wal::Open(kDir, Options(FsyncPolicy::kPerBatch), fs);
  ASSERT_TRUE(reopened.ok());
  Records records;
  ASSERT_TRUE(ReplayInto(**reopened, 0, records).ok());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].second, "one");
}

TEST(WalFaultTest, FailedFsyncFailsEveryWaiterOfTheGroup) {
  FaultInjectionFileSystem fs;
  auto wal = Wal::Open(kDir, Options(FsyncPolicy::kPerBatch), fs);
  ASSERT_TRUE(wal.ok());
  fs.FailNext(Op::kSync, EIO, /*count=*/1, /*skip=*/20);
  std::atomic<int> ok{0};
  std::atomic<uint64_t> max_ok_seq{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        auto seq = (*wal)->Append(Payload(static_cast<uint64_t>(t * 100 + i)));
        if (!seq.ok()) {
          EXPECT_EQ(seq.status().code(), StatusCode::kIOError);
          continue;
        }
        ++ok;
        uint64_t seen = max_ok_seq.load();
        while (*seq > seen && !max_ok_seq.compare_exchange_weak(seen, *seq)) {
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_FALSE((*wal)->health().ok());
  wal->reset();
  fs.Crash();
  auto reopened = Wal::Open(kDir, Options(FsyncPolicy::kPerBatch), fs);
  ASSERT_TRUE(reopened.ok());
  // Nothing reported durable was lost; whatever was acknowledged was synced.
  EXPECT_GE((*reopened)->last_seq(), max_ok_seq.load());
  EXPECT_EQ(static_cast<uint64_t>(ok.load()), max_ok_seq.load());
}

TEST(WalFaultTest, FailedWriteMakesTheWalReadOnly) {
  FaultInjectionFileSystem fs;
  auto wal = Wal::Open(kDir, Options(FsyncPolicy::kNone), fs);
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->Append("one").ok());
  fs.FailNext(Op::kWrite, EIO);
  auto failed = (*wal)->Append("two");
  EXPECT_EQ(failed.status().code(), StatusCode::kIOError);
  EXPECT_NE(failed.status().message().find("read-only"), std::string::npos);
  EXPECT_FALSE((*wal)->Append("three").ok());
}

TEST(WalFaultTest, DiskFullFailsTheBatchKeepsTheRestAndRecovers) {
  FaultInjectionFileSystem fs;
  auto wal = Wal::Open(kDir, Options(FsyncPolicy::kPerBatch), fs);
  ASSERT_TRUE(wal.ok());
  for (uint64_t i = 1; i <= 5; ++i)
    ASSERT_TRUE((*wal)->Append(Payload(i)).ok());
  auto used = fs.ReadWhole(std::string(kDir) + "/00000000000000000001.wal");
  ASSERT_TRUE(used.ok());
  fs.SetCapacity(used->size() + 30);  // room for part of a record: a partial write
  auto failed = (*wal)->Append(Payload(6));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(failed.status().message().find("ENOSPC"), std::string::npos)
      << failed.status().message();
  EXPECT_TRUE((*wal)->health().ok());  // not sticky
  EXPECT_EQ((*wal)->last_seq(), 5u);
  // Space comes back: appends go on with the next seq, and the log is clean.
  fs.SetCapacity(UINT64_MAX);
  auto seq = (*wal)->Append(Payload(6));
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(*seq, 6u);
  wal->reset();
  fs.Crash();
  auto reopened = Wal::Open(kDir, Options(FsyncPolicy::kPerBatch), fs);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_TRUE((*reopened)->recovery().clean()) << (*reopened)->recovery().ToString();
  Records records;
  ASSERT_TRUE(ReplayInto(**reopened, 0, records).ok());
  ASSERT_EQ(records.size(), 6u);
  for (uint64_t i = 1; i <= 6; ++i)
    EXPECT_EQ(records[i - 1].second, Payload(i));
}

TEST(WalFaultTest, DiskFullWhenStartingASegment) {
  FaultInjectionFileSystem fs;
  WalOptions options = Options(FsyncPolicy::kPerBatch);
  options.segment_size = 200;
  auto wal = Wal::Open(kDir, options, fs);
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->Append(std::string(100, 'a')).ok());
  fs.FailNext(Op::kWrite, ENOSPC);  // the new segment's header
  auto failed = (*wal)->Append(std::string(150, 'b'));
  EXPECT_EQ(failed.status().code(), StatusCode::kResourceExhausted) << failed.status().ToString();
  auto seq = (*wal)->Append(std::string(150, 'c'));
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(*seq, 2u);
  wal->reset();
  fs.Crash();
  auto reopened = Wal::Open(kDir, options, fs);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->last_seq(), 2u);
}

TEST(WalFaultTest, IntervalSyncFailureIsSticky) {
  FaultInjectionFileSystem fs;
  WalOptions options = Options(FsyncPolicy::kInterval);
  options.sync_interval = std::chrono::milliseconds(1);
  auto wal = Wal::Open(kDir, options, fs);
  ASSERT_TRUE(wal.ok());
  fs.FailNext(Op::kSync, EIO);
  ASSERT_TRUE((*wal)->Append("one").ok());  // acknowledged once written: kInterval's deal
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((*wal)->health().ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ((*wal)->health().code(), StatusCode::kIOError);
  EXPECT_FALSE((*wal)->Append("two").ok());
}

}  // namespace
}  // namespace coolflow::store::wal
