// The spool's byte formats and small structures: checksum, names, record framing, checkpoint
// codec, the acknowledgement bitmap.
#include "agent/spool/spool_format.h"

#include <gtest/gtest.h>

#include <string>

#include "agent/spool/ack_set.h"
#include "agent/spool/checkpoint.h"

namespace coolflow::agent::spool {
namespace {

TEST(SpoolFormat, Crc32cMatchesTheCastagnoliCheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xe3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
  // Continuing over a second part equals one pass over both.
  EXPECT_EQ(Crc32c("6789", Crc32c("12345")), Crc32c("123456789"));
  // iSCSI's test vector: 32 zero bytes.
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8a9136aau);
}

TEST(SpoolFormat, SegmentNamesSortByIdAndRejectOtherNames) {
  EXPECT_EQ(SegmentFileName(1), "00000000000000000001.seg");
  EXPECT_EQ(SegmentFileName(UINT64_MAX), "18446744073709551615.seg");
  EXPECT_EQ(ParseSegmentFileName("00000000000000000042.seg"), 42u);
  EXPECT_EQ(ParseSegmentFileName(SegmentFileName(UINT64_MAX)), UINT64_MAX);
  for (const char* other :
       {"42.seg", "0000000000000000042.seg", "000000000000000000042.seg",
        "00000000000000000042.log", "0000000000000000004x.seg", "99999999999999999999.seg",
        "00000000000000000042.seg.damaged", "CHECKPOINT", "LOCK", ""}) {
    EXPECT_FALSE(ParseSegmentFileName(other).has_value()) << other;
  }
}

TEST(SpoolFormat, SegmentHeaderRoundTripsAndRejectsDamage) {
  std::string header;
  AppendSegmentHeader(7, header);
  ASSERT_EQ(header.size(), kSegmentHeaderSize);
  auto first = ParseSegmentHeader(header);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 7u);
  for (size_t i = 0; i < kSegmentHeaderChecked + sizeof(uint32_t); ++i) {
    std::string damaged = header;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x01);
    EXPECT_EQ(ParseSegmentHeader(damaged).status().code(), StatusCode::kCorruption) << i;
  }
  EXPECT_FALSE(ParseSegmentHeader(header.substr(0, 10)).ok());
}

TEST(SpoolFormat, RecordRoundTripsAndEveryFlippedBitIsCaught) {
  const transport::Message message{
      .topic = "coolflow/readings/pi-1", .key = "pi-1", .payload = "temp,rack=3 c=24.5"};
  std::string bytes;
  AppendRecord(12, message, bytes);
  ASSERT_EQ(bytes.size(), EncodedRecordSize(message));
  const RecordFrame frame = ParseRecordFrame(std::string_view(bytes).substr(0, kRecordFrameSize));
  const std::string_view body = std::string_view(bytes).substr(kRecordFrameSize);
  EXPECT_EQ(frame.length, body.size());
  EXPECT_EQ(PeekRecordId(body), 12u);
  auto decoded = ParseRecordBody(frame, body);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, message);

  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      const RecordFrame damaged_frame =
          ParseRecordFrame(std::string_view(damaged).substr(0, kRecordFrameSize));
      EXPECT_FALSE(
          ParseRecordBody(damaged_frame, std::string_view(damaged).substr(kRecordFrameSize)).ok())
          << "byte " << i << " bit " << bit;
    }
  }
}

TEST(SpoolFormat, EmptyFieldsRoundTrip) {
  const transport::Message message;
  std::string bytes;
  AppendRecord(1, message, bytes);
  EXPECT_EQ(bytes.size(), kRecordOverhead);
  auto decoded =
      ParseRecordBody(ParseRecordFrame(std::string_view(bytes).substr(0, kRecordFrameSize)),
                      std::string_view(bytes).substr(kRecordFrameSize));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, message);
}

TEST(SpoolFormat, CheckpointRoundTripsAndRejectsDamage) {
  Checkpoint checkpoint;
  checkpoint.floor = 4242;
  checkpoint.next_id = 5000;
  checkpoint.next_seq = {{"pi-1", 3001}, {"srv-02", 17}, {"", 1}};
  const std::string bytes = EncodeCheckpoint(checkpoint);
  auto decoded = DecodeCheckpoint(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, checkpoint);

  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    EXPECT_EQ(DecodeCheckpoint(damaged).status().code(), StatusCode::kCorruption) << i;
  }
  for (size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_FALSE(DecodeCheckpoint(bytes.substr(0, size)).ok()) << size;
  }
}

TEST(SpoolFormat, AckSetTracksIdsAboveItsBase) {
  AckSet acked;
  acked.Reset(100);
  EXPECT_FALSE(acked.Contains(100));
  for (uint64_t id : {100u, 101u, 163u, 164u, 300u})
    acked.Insert(id);
  acked.Insert(50);  // below the base: ignored
  EXPECT_FALSE(acked.Contains(50));
  EXPECT_TRUE(acked.Contains(163));
  EXPECT_FALSE(acked.Contains(165));
  EXPECT_EQ(acked.CountIn(0, 1000), 5u);
  EXPECT_EQ(acked.CountIn(101, 164), 2u);
  EXPECT_EQ(acked.CountIn(128, 192), 2u);  // one whole word
  EXPECT_EQ(acked.CountIn(301, 100'000), 0u);
  acked.DiscardBelow(164);
  EXPECT_FALSE(acked.Contains(163));
  EXPECT_TRUE(acked.Contains(164));
  EXPECT_TRUE(acked.Contains(300));
  EXPECT_EQ(acked.CountIn(164, 1000), 2u);
  acked.DiscardBelow(1000);
  EXPECT_EQ(acked.CountIn(0, 2000), 0u);
  acked.Insert(1001);
  EXPECT_TRUE(acked.Contains(1001));
}

}  // namespace
}  // namespace coolflow::agent::spool
