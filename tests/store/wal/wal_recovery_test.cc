// Recovery from damaged segments: every cut of the last record is a torn tail that Open
// truncates; a flipped byte in the last record too; damage anywhere else is corruption that is
// reported precisely and never "repaired" by dropping valid records.
#include "store/wal/wal_recovery.h"

#include <gtest/gtest.h>

#include "store/wal/fault_injection_file_system.h"
#include "store/wal/wal.h"
#include "store/wal/wal_format.h"
#include "wal_test_util.h"

namespace coolflow::store::wal {
namespace {

using testing::Payload;
using testing::Records;
using testing::ReplayInto;

constexpr char kDir[] = "/data/wal";

struct Fixture {
  FaultInjectionFileSystem fs;
  std::vector<SegmentRef> segments;
  std::vector<std::string> contents;  // of each segment, as written
};

// A closed WAL of `records` records in segments of `segment_size` bytes.
void Build(Fixture& f, uint64_t records, uint64_t segment_size) {
  WalOptions options;
  options.segment_size = segment_size;
  auto wal = Wal::Open(kDir, options, f.fs);
  ASSERT_TRUE(wal.ok());
  for (uint64_t i = 1; i <= records; ++i)
    ASSERT_TRUE((*wal)->Append(Payload(i)).ok());
  ASSERT_TRUE((*wal)->Close().ok());
  auto segments = ListSegments(kDir, f.fs);
  ASSERT_TRUE(segments.ok());
  f.segments = *segments;
  for (const SegmentRef& ref : f.segments) {
    auto data = f.fs.ReadWhole(ref.path);
    ASSERT_TRUE(data.ok());
    f.contents.push_back(*data);
  }
}

size_t RecordSize(uint64_t n) {
  return kRecordHeaderSize + Payload(n).size();
}

TEST(WalRecoveryTest, EveryCutOfTheLastRecordIsATornTail) {
  Fixture f;
  Build(f, 5, 1 << 20);
  ASSERT_EQ(f.segments.size(), 1u);
  const std::string& full = f.contents[0];
  const size_t last = RecordSize(5);
  for (size_t cut = 1; cut < last; ++cut) {
    SCOPED_TRACE(cut);
    FaultInjectionFileSystem fs;
    ASSERT_TRUE(fs.CreateDir(kDir).ok());
    fs.WriteDurably(f.segments[0].path, full.substr(0, full.size() - cut));
    auto check = Check(kDir, fs);
    ASSERT_TRUE(check.ok());
    ASSERT_EQ(check->problems.size(), 1u);
    EXPECT_TRUE(check->problems[0].torn_tail) << check->ToString();
    EXPECT_EQ(check->problems[0].offset, full.size() - last);
    auto wal = Wal::Open(kDir, WalOptions{}, fs);
    ASSERT_TRUE(wal.ok()) << wal.status().ToString();
    EXPECT_TRUE((*wal)->recovery().repaired);
    EXPECT_EQ((*wal)->recovery().bytes_dropped, last - cut);
    EXPECT_EQ((*wal)->recovery().records, 4u);
    auto seq = (*wal)->Append("again");
    ASSERT_TRUE(seq.ok());
    EXPECT_EQ(*seq, 5u);
    Records records;
    ASSERT_TRUE(ReplayInto(**wal, 0, records).ok());
    ASSERT_EQ(records.size(), 5u);
    EXPECT_EQ(records[3].second, Payload(4));
    EXPECT_EQ(records[4].second, "again");
  }
}

TEST(WalRecoveryTest, ACutSegmentHeaderOfTheLastSegmentRemovesIt) {
  Fixture f;
  Build(f, 3, 1 << 20);
  for (size_t keep = 0; keep < kSegmentHeaderSize; ++keep) {
    SCOPED_TRACE(keep);
    FaultInjectionFileSystem fs;
    ASSERT_TRUE(fs.CreateDir(kDir).ok());
    fs.WriteDurably(f.segments[0].path, f.contents[0]);
    const std::string next = std::string(kDir) + "/" + SegmentName(4);
    fs.WriteDurably(next, EncodeSegmentHeader(4).substr(0, keep));
    auto wal = Wal::Open(kDir, WalOptions{}, fs);
    ASSERT_TRUE(wal.ok()) << wal.status().ToString();
    EXPECT_EQ((*wal)->recovery().problems.size(), 1u);
    auto seq = (*wal)->Append("four");
    ASSERT_TRUE(seq.ok());
    EXPECT_EQ(*seq, 4u);
  }
}

TEST(WalRecoveryTest, AFlippedByteInTheLastRecordIsATornTail) {
  Fixture f;
  Build(f, 4, 1 << 20);
  const std::string& full = f.contents[0];
  const size_t start = full.size() - RecordSize(4);
  for (size_t at = start; at < full.size(); ++at) {
    SCOPED_TRACE(at);
    FaultInjectionFileSystem fs;
    ASSERT_TRUE(fs.CreateDir(kDir).ok());
    std::string damaged = full;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
    fs.WriteDurably(f.segments[0].path, damaged);
    auto wal = Wal::Open(kDir, WalOptions{}, fs);
    ASSERT_TRUE(wal.ok()) << wal.status().ToString();
    EXPECT_EQ((*wal)->recovery().records, 3u);
    EXPECT_EQ((*wal)->last_seq(), 3u);
  }
}

TEST(WalRecoveryTest, AFlippedByteInTheMiddleIsCorruptionNotATail) {
  Fixture f;
  Build(f, 6, 1 << 20);
  const std::string& full = f.contents[0];
  // Every byte of record 3 (of 6).
  const size_t start = kSegmentHeaderSize + RecordSize(1) + RecordSize(2);
  for (size_t at = start; at < start + RecordSize(3); ++at) {
    SCOPED_TRACE(at);
    FaultInjectionFileSystem fs;
    ASSERT_TRUE(fs.CreateDir(kDir).ok());
    std::string damaged = full;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x01);
    fs.WriteDurably(f.segments[0].path, damaged);

    auto check = Check(kDir, fs);
    ASSERT_TRUE(check.ok());
    ASSERT_TRUE(check->has_corruption()) << check->ToString();
    EXPECT_EQ(check->problems[0].segment, f.segments[0].path);
    EXPECT_EQ(check->problems[0].offset, start);
    EXPECT_EQ(check->problems[0].valid_after, 3u);
    EXPECT_EQ(check->records, 2u);

    auto wal = Wal::Open(kDir, WalOptions{}, fs);
    ASSERT_FALSE(wal.ok());
    EXPECT_EQ(wal.status().code(), StatusCode::kCorruption);
    EXPECT_NE(wal.status().message().find(f.segments[0].path), std::string::npos);
    EXPECT_NE(wal.status().message().find("offset " + std::to_string(start)), std::string::npos)
        << wal.status().message();

    // Repair leaves it alone: nothing valid is dropped.
    auto repair = Repair(kDir, fs);
    ASSERT_TRUE(repair.ok());
    EXPECT_FALSE(repair->repaired);
    auto after = fs.ReadWhole(f.segments[0].path);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(*after, damaged);

    // A replay delivers what comes before it, then fails saying where.
    Records records;
    const Status replay = ReplayInto(kDir, fs, records);
    EXPECT_EQ(replay.code(), StatusCode::kCorruption);
    EXPECT_EQ(records.size(), 2u);
  }
}

TEST(WalRecoveryTest, DamageAtTheEndOfASealedSegmentIsCorruption) {
  Fixture f;
  Build(f, 30, 1024);
  ASSERT_GE(f.segments.size(), 3u);
  for (const bool cut : {true, false}) {
    FaultInjectionFileSystem fs;
    ASSERT_TRUE(fs.CreateDir(kDir).ok());
    for (size_t i = 0; i < f.segments.size(); ++i) {
      std::string data = f.contents[i];
      if (i == 0) {
        if (cut) {
          data.pop_back();
        } else {
          data.back() = static_cast<char>(data.back() ^ 0x40);
        }
      }
      fs.WriteDurably(f.segments[i].path, data);
    }
    auto check = Check(kDir, fs);
    ASSERT_TRUE(check.ok());
    EXPECT_TRUE(check->has_corruption()) << check->ToString();
    EXPECT_FALSE(Wal::Open(kDir, WalOptions{}, fs).ok());
  }
}

TEST(WalRecoveryTest, AMissingSegmentIsAGap) {
  Fixture f;
  Build(f, 30, 1024);
  ASSERT_GE(f.segments.size(), 3u);
  FaultInjectionFileSystem fs;
  ASSERT_TRUE(fs.CreateDir(kDir).ok());
  for (size_t i = 0; i < f.segments.size(); ++i) {
    if (i != 1) fs.WriteDurably(f.segments[i].path, f.contents[i]);
  }
  auto check = Check(kDir, fs);
  ASSERT_TRUE(check.ok());
  ASSERT_TRUE(check->has_corruption());
  EXPECT_NE(check->problems[0].why.find("missing"), std::string::npos) << check->ToString();
  auto wal = Wal::Open(kDir, WalOptions{}, fs);
  EXPECT_EQ(wal.status().code(), StatusCode::kCorruption);
}

TEST(WalRecoveryTest, ZerosAfterTheLastRecordAreATornTail) {
  Fixture f;
  Build(f, 3, 1 << 20);
  FaultInjectionFileSystem fs;
  ASSERT_TRUE(fs.CreateDir(kDir).ok());
  fs.WriteDurably(f.segments[0].path, f.contents[0] + std::string(4096, '\0'));
  fs.WriteDurably(std::string(kDir) + "/notes.txt", "not a segment");
  auto wal = Wal::Open(kDir, WalOptions{}, fs);
  ASSERT_TRUE(wal.ok()) << wal.status().ToString();
  EXPECT_EQ((*wal)->recovery().bytes_dropped, 4096u);
  EXPECT_EQ((*wal)->last_seq(), 3u);
  auto check = Check(kDir, fs);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->clean()) << check->ToString();
}

TEST(WalRecoveryTest, ReportsReadAsText) {
  WalProblem torn{"/w/1.wal", 100, 7, "payload cut short (3 of 10 bytes)", true, 0};
  EXPECT_EQ(torn.ToString(),
            "/w/1.wal offset 100: payload cut short (3 of 10 bytes) (torn tail: 7 bytes)");
  WalProblem bad{"/w/1.wal", 100, 70, "payload checksum mismatch in record 4", false, 2};
  EXPECT_NE(bad.ToString().find("2 valid records follow"), std::string::npos);
}

}  // namespace
}  // namespace coolflow::store::wal
