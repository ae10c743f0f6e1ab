// Opening a spool whose files a crash, a power cut, a bad SD card or a person damaged: every
// whole record before the damage survives, the damage is counted and reported, and Open
// never fails on garbage it can step around.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "agent/spool/checkpoint.h"
#include "agent/spool/spool_format.h"
#include "agent/spool/spool_test_util.h"

namespace coolflow::agent::testing {
namespace {

// Records of 100 bytes, 9 to a segment of at most 1000 bytes (see SpoolBoundTest).
constexpr size_t kPayload = 50;
constexpr uint64_t kRecordBytes = 100;
constexpr uint64_t kPerSegment = 9;

class SpoolRecoveryTest : public SpoolFixture {
 protected:
  void SetUp() override {
    SpoolFixture::SetUp();
    options_.segment_bytes = 1000;
  }

  // A closed spool holding records 1..count, none acknowledged.
  void MakeSpool(uint64_t count) {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool);
    AppendRange(*spool, 1, count, kPayload);
  }

  // Byte offset of record `id` in its segment.
  static uint64_t OffsetOf(uint64_t id) {
    return spool::kSegmentHeaderSize + ((id - 1) % kPerSegment) * kRecordBytes;
  }

  static void ExpectIntact(const std::vector<SpoolRecord>& records) {
    for (const auto& record : records) {
      EXPECT_EQ(record.message, TestMessage(record.id, kPayload)) << "record " << record.id;
    }
  }
};

void FlipByte(const std::filesystem::path& path, uint64_t offset) {
  std::string bytes = ReadAll(path);
  ASSERT_LT(offset, bytes.size());
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x5a);
  WriteAll(path, bytes);
}

TEST_F(SpoolRecoveryTest, ATornTailIsCutOffAndCounted) {
  options_.segment_bytes = 1 << 20;
  // A process that dies while writing record 20 (no checkpoint was written yet).
  ASSERT_EQ(RunInChild([&] {
              auto spool = FileSpool::Open(options_, clock_);
              if (!spool.ok()) Crash(10);
              for (uint64_t i = 1; i <= 20; ++i) {
                if (!(*spool)->Append(TestMessage(i, kPayload)).ok()) Crash(11);
              }
              Crash(0);
            }),
            0);
  const auto segment = dir_ / spool::SegmentFileName(1);
  std::filesystem::resize_file(segment, std::filesystem::file_size(segment) - 10);
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool);
    EXPECT_EQ(spool->stats().torn, 1u);
    EXPECT_EQ(spool->stats().depth, 19u);
    const auto damage = spool->damage();
    ASSERT_EQ(damage.size(), 1u);
    EXPECT_EQ(damage[0].file, segment);
    EXPECT_NE(damage[0].action.find("truncated"), std::string::npos) << damage[0].action;
    const auto records = Drain(*spool);
    EXPECT_EQ(Ids(records), Range(1, 19));
    ExpectIntact(records);
    // Appends continue right after the last whole record.
    AppendRange(*spool, 20, 20, kPayload);
  }
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->stats().torn, 0u);
  const auto records = Drain(*spool);
  EXPECT_EQ(Ids(records), Range(1, 20));
  ExpectIntact(records);
}

TEST_F(SpoolRecoveryTest, AFlippedByteInTheLastRecordCutsOnlyThatRecord) {
  options_.segment_bytes = 1 << 20;
  MakeSpool(20);
  const auto segment = dir_ / spool::SegmentFileName(1);
  FlipByte(segment, std::filesystem::file_size(segment) - 1);
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->stats().torn, 1u);
  const auto records = Drain(*spool);
  EXPECT_EQ(Ids(records), Range(1, 19));
  ExpectIntact(records);
}

TEST_F(SpoolRecoveryTest, ZerosAfterTheLastRecordAreCutOff) {
  // What a power cut can leave: the file grew, its new blocks never got their data.
  options_.segment_bytes = 1 << 20;
  MakeSpool(20);
  const auto segment = dir_ / spool::SegmentFileName(1);
  const uint64_t size = std::filesystem::file_size(segment);
  std::filesystem::resize_file(segment, size + 4096);
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->stats().torn, 1u);
  EXPECT_EQ(std::filesystem::file_size(segment), size);
  EXPECT_EQ(Ids(Drain(*spool)), Range(1, 20));
}

TEST_F(SpoolRecoveryTest, DamageInAnOlderSegmentSkipsTheRestOfThatSegmentOnly) {
  MakeSpool(30);  // segments 1..9, 10..18, 19..27, 28..30
  const auto first_segment = dir_ / spool::SegmentFileName(1);
  FlipByte(first_segment, OffsetOf(4) + 60);
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool);
    EXPECT_EQ(spool->stats().torn, 6u);  // 4..9
    EXPECT_EQ(spool->stats().depth, 24u);
    const auto damage = spool->damage();
    ASSERT_EQ(damage.size(), 1u);
    EXPECT_EQ(damage[0].file, first_segment);
    EXPECT_EQ(damage[0].offset, OffsetOf(4));
    EXPECT_EQ(damage[0].records_lost, 6u);
    EXPECT_NE(damage[0].what.find("checksum"), std::string::npos) << damage[0].what;
    const auto records = Drain(*spool);
    std::vector<uint64_t> expected = {1, 2, 3};
    for (uint64_t id = 10; id <= 30; ++id)
      expected.push_back(id);
    EXPECT_EQ(Ids(records), expected);
    ExpectIntact(records);
    for (const auto& record : records)
      spool->Acknowledge(record.id);
    ASSERT_TRUE(spool->Sync().ok());
    EXPECT_FALSE(std::filesystem::exists(first_segment)) << "acknowledged past: deleted";
  }
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->stats().torn, 0u);
  EXPECT_TRUE(spool->damage().empty());
  EXPECT_FALSE(spool->Next().has_value());
}

TEST_F(SpoolRecoveryTest, AnOlderSegmentCutAtARecordBoundaryCountsTheMissingRecords) {
  MakeSpool(30);
  std::filesystem::resize_file(dir_ / spool::SegmentFileName(10), OffsetOf(15));
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->stats().torn, 4u);  // 15..18
  std::vector<uint64_t> expected = Range(1, 14);
  for (uint64_t id = 19; id <= 30; ++id)
    expected.push_back(id);
  EXPECT_EQ(Ids(Drain(*spool)), expected);
}

TEST_F(SpoolRecoveryTest, FilesThatAreNotTheSpoolsAreLeftAlone) {
  MakeSpool(5);
  WriteAll(dir_ / "README.txt", "notes");
  WriteAll(dir_ / "notes.seg", "not a segment name");
  WriteAll(dir_ / "123.seg", "short name");
  WriteAll(dir_ / "CHECKPOINT.tmp", "a checkpoint write cut short");
  std::filesystem::create_directory(dir_ / spool::SegmentFileName(300));
  // Named like a segment, newest of all, but random bytes: set aside, not trusted.
  std::mt19937_64 random(7);
  std::string garbage(5000, '\0');
  for (char& c : garbage)
    c = static_cast<char>(random());
  const auto impostor = dir_ / spool::SegmentFileName(100);
  WriteAll(impostor, garbage);
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool);
    EXPECT_EQ(spool->stats().torn, 1u);
    const auto records = Drain(*spool);
    EXPECT_EQ(Ids(records), Range(1, 5));
    ExpectIntact(records);
    AppendRange(*spool, 6, 6, kPayload);
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ / "README.txt"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "notes.seg"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "123.seg"));
  EXPECT_TRUE(std::filesystem::is_directory(dir_ / spool::SegmentFileName(300)));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "CHECKPOINT.tmp"));
  EXPECT_FALSE(std::filesystem::exists(impostor));
  EXPECT_EQ(ReadAll(dir_ / (spool::SegmentFileName(100) + ".damaged")), garbage);

  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->stats().torn, 0u);
  EXPECT_EQ(Ids(Drain(*spool)), Range(1, 6));
}

TEST_F(SpoolRecoveryTest, ASegmentCutShortWhileBeingCreatedIsRemoved) {
  MakeSpool(5);
  const auto torn = dir_ / spool::SegmentFileName(6);
  WriteAll(torn, "cfsg\x01");
  auto spool = OpenSpool();
  ASSERT_TRUE(spool);
  EXPECT_FALSE(std::filesystem::exists(torn));
  AppendRange(*spool, 6, 7, kPayload);
  EXPECT_EQ(Ids(Drain(*spool)), Range(1, 7));
}

TEST_F(SpoolRecoveryTest, ADamagedCheckpointFailsOpenNamingTheFile) {
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool);
    EXPECT_EQ(spool->ReserveSeq("pi-1", 1), 1u);
  }
  const auto checkpoint = dir_ / spool::kCheckpointFileName;
  FlipByte(checkpoint, 9);
  auto spool = FileSpool::Open(options_, clock_);
  ASSERT_FALSE(spool.ok());
  EXPECT_EQ(spool.status().code(), StatusCode::kCorruption);
  EXPECT_NE(spool.status().message().find(checkpoint.string()), std::string::npos)
      << spool.status().message();
}

TEST_F(SpoolRecoveryTest, ACheckpointAheadOfTheSegmentsFailsOpen) {
  MakeSpool(10);
  spool::Checkpoint ahead;
  ahead.floor = 100;
  ASSERT_TRUE(spool::WriteCheckpoint(dir_ / spool::kCheckpointFileName, ahead).ok());
  auto spool = FileSpool::Open(options_, clock_);
  ASSERT_FALSE(spool.ok());
  EXPECT_EQ(spool.status().code(), StatusCode::kCorruption);
  EXPECT_NE(spool.status().message().find("CHECKPOINT"), std::string::npos)
      << spool.status().message();
}

// Random damage of every kind, anywhere in any segment: Open succeeds, what Next hands out is
// intact and in order, and every record outside the damaged segment is there.
TEST_F(SpoolRecoveryTest, RandomDamageNeverFailsOpenOrLosesAnotherSegment) {
  constexpr uint64_t kRecords = 30;
  constexpr int kTrials = 40;
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 random(seed);
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE(::testing::Message() << "trial " << trial);
    std::filesystem::remove_all(dir_);
    MakeSpool(kRecords);
    const auto segments = SegmentFiles(dir_);
    const size_t victim_index = random() % segments.size();
    const auto& victim = segments[victim_index];
    std::string bytes = ReadAll(victim);
    const size_t at = random() % bytes.size();
    switch (random() % 4) {
      case 0:  // one byte
        bytes[at] = static_cast<char>(bytes[at] ^ static_cast<char>(1 + random() % 255));
        break;
      case 1:  // cut short
        bytes.resize(at);
        break;
      case 2:  // a run overwritten with random bytes
        for (size_t i = at; i < std::min(bytes.size(), at + 1 + random() % 200); ++i) {
          bytes[i] = static_cast<char>(random());
        }
        break;
      default:  // random bytes appended
        for (uint64_t n = 1 + random() % 300; n > 0; --n)
          bytes.push_back(static_cast<char>(random()));
        break;
    }
    WriteAll(victim, bytes);

    auto spool = OpenSpool();
    ASSERT_TRUE(spool);
    const auto records = Drain(*spool);
    ExpectIntact(records);
    for (size_t i = 1; i < records.size(); ++i)
      ASSERT_LT(records[i - 1].id, records[i].id);
    const uint64_t victim_first = victim_index * kPerSegment + 1;
    const uint64_t victim_end = victim_first + kPerSegment;
    size_t i = 0;
    for (uint64_t id = 1; id <= kRecords; ++id) {
      const bool present = i < records.size() && records[i].id == id;
      if (present) ++i;
      if (id < victim_first || id >= victim_end) {
        EXPECT_TRUE(present) << "record " << id << " outside the damaged segment";
      }
    }
    EXPECT_EQ(spool->stats().depth, records.size());
    // The spool goes on working after the damage.
    ASSERT_TRUE(spool->Append(TestMessage(1000, kPayload)).ok());
    auto next = spool->Next();
    ASSERT_TRUE(next.has_value());
    EXPECT_GT(next->id, records.empty() ? 0 : records.back().id);
    spool.reset();
    spool = OpenSpool();
    ASSERT_TRUE(spool);
    EXPECT_EQ(Drain(*spool).size(), records.size() + 1);
  }
}

}  // namespace
}  // namespace coolflow::agent::testing
