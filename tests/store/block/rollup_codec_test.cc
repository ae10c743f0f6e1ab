// The rollup record payload (src/store/block/rollup_codec.h): exact round trips of every kind
// of value, the decimal encodings' size, and damage refused with the byte named.
#include "store/block/rollup_codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/crc32c.h"
#include "store/codec/byte_io.h"

namespace coolflow::store::block {
namespace {

constexpr TimeNs kHour = kNanosPerHour;

bool SameBits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

void ExpectSameBuckets(const std::vector<RollupBucket>& got,
                       const std::vector<RollupBucket>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(got[i].start, want[i].start);
    EXPECT_EQ(got[i].count, want[i].count);
    EXPECT_TRUE(SameBits(got[i].min, want[i].min)) << got[i].min << " vs " << want[i].min;
    EXPECT_TRUE(SameBits(got[i].max, want[i].max)) << got[i].max << " vs " << want[i].max;
    EXPECT_TRUE(SameBits(got[i].sum, want[i].sum)) << got[i].sum << " vs " << want[i].sum;
    EXPECT_TRUE(SameBits(got[i].last, want[i].last)) << got[i].last << " vs " << want[i].last;
  }
}

std::string Encode(const std::vector<RollupBucket>& buckets, bool decimal = true) {
  std::string out;
  EncodeRollupPayload(buckets, kHour, decimal, out);
  return out;
}

std::vector<RollupBucket> RoundTrip(const std::vector<RollupBucket>& buckets, bool decimal = true) {
  const std::string bytes = Encode(buckets, decimal);
  auto size = RollupPayloadSize(bytes + "trailing bytes of the next record");
  EXPECT_TRUE(size.ok()) << size.status().ToString();
  if (size.ok()) {
    EXPECT_EQ(*size, bytes.size());
  }
  std::vector<RollupBucket> out;
  const Status s = DecodeRollupPayload(bytes, kHour, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// Hourly buckets of a minute-sampled series of `values`, computed as the block writer does.
std::vector<RollupBucket> HourlyOf(const std::vector<double>& values, TimeNs start = 0) {
  std::vector<TimeNs> times(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    times[i] = start + static_cast<TimeNs>(i) * kNanosPerMinute;
  return ComputeRollup(times, values, kHour);
}

std::vector<double> Temperatures(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<double> values(n);
  int tenths = 235;
  for (double& v : values) {
    tenths += static_cast<int>(rng() % 3) - 1;
    v = tenths / 10.0;
  }
  return values;
}

TEST(RollupCodecTest, DecimalReadingsRoundTripExactly) {
  ExpectSameBuckets(RoundTrip(HourlyOf(Temperatures(7 * 24 * 60, 1))),
                    HourlyOf(Temperatures(7 * 24 * 60, 1)));
}

TEST(RollupCodecTest, NegativeTimesAndValuesRoundTrip) {
  std::vector<double> values = Temperatures(3000, 2);
  for (double& v : values)
    v = -v;
  const auto buckets = HourlyOf(values, -100 * kHour);
  ExpectSameBuckets(RoundTrip(buckets), buckets);
}

TEST(RollupCodecTest, CountersAndQuantisedReadingsRoundTrip) {
  std::vector<double> octets(5000);
  std::vector<double> rpm(5000);
  std::mt19937_64 rng(3);
  double total = 4.2e12;
  for (size_t i = 0; i < octets.size(); ++i) {
    total += static_cast<double>(rng() % 3'000'000);
    octets[i] = total;
    rpm[i] = 60.0 * static_cast<double>(50 + rng() % 20);
  }
  ExpectSameBuckets(RoundTrip(HourlyOf(octets)), HourlyOf(octets));
  ExpectSameBuckets(RoundTrip(HourlyOf(rpm)), HourlyOf(rpm));
}

TEST(RollupCodecTest, ValuesThatAreNotDecimalsRoundTripAsDoubles) {
  std::vector<RollupBucket> buckets = HourlyOf(Temperatures(600, 4));
  buckets[1].min = 1.0 / 3.0;
  buckets[2].sum = std::numeric_limits<double>::quiet_NaN();
  buckets[3].max = std::numeric_limits<double>::infinity();
  buckets[4].last = -0.0;
  buckets[5].min = -std::numeric_limits<double>::infinity();
  buckets[6].max = 1e300;
  ExpectSameBuckets(RoundTrip(buckets), buckets);
}

TEST(RollupCodecTest, ASumTooFarFromItsCountTimesTheOffsetFallsBackToDoubles) {
  // Scaled values near 2^53 at scale 0, 2^20 points a bucket: count * offset overflows 64 bits.
  const double big = 9.0e15;
  std::vector<RollupBucket> buckets = {
      {.start = 0, .count = 1u << 20, .min = big, .max = big, .sum = 9.0e15, .last = big},
      {.start = kHour, .count = 1, .min = -big, .max = -big, .sum = -big, .last = -big},
  };
  ExpectSameBuckets(RoundTrip(buckets), buckets);
}

TEST(RollupCodecTest, EqualValuesAndASingleBucketRoundTrip) {
  const std::vector<RollupBucket> one = {
      {.start = 5 * kHour, .count = 60, .min = 21.5, .max = 21.5, .sum = 1290, .last = 21.5}};
  ExpectSameBuckets(RoundTrip(one), one);
  ExpectSameBuckets(RoundTrip(HourlyOf(std::vector<double>(3000, 0.0))),
                    HourlyOf(std::vector<double>(3000, 0.0)));
}

TEST(RollupCodecTest, TheBaselineStoresDoublesAndRoundTrips) {
  const auto buckets = HourlyOf(Temperatures(7 * 24 * 60, 5));
  ExpectSameBuckets(RoundTrip(buckets, false), buckets);
}

TEST(RollupCodecTest, DecimalsCostAFractionOfTheDoubles) {
  // A week of 0.1 °C readings at one a minute: 168 hourly buckets. Measured: about 2.3 bytes
  // a bucket as decimals, 19 as Gorilla doubles.
  const auto buckets = HourlyOf(Temperatures(7 * 24 * 60, 6));
  const size_t decimal = Encode(buckets).size();
  const size_t doubles = Encode(buckets, false).size();
  EXPECT_LT(decimal * 4, doubles) << decimal << " vs " << doubles;
  EXPECT_LT(decimal, 4 * buckets.size()) << decimal << " bytes for " << buckets.size();
}

Status Decode(std::string_view bytes) {
  std::vector<RollupBucket> out;
  return DecodeRollupPayload(bytes, kHour, out);
}

// "chunk: <why>, at byte N" with N inside the payload.
void ExpectCorruptionInside(const Status& s, size_t size) {
  ASSERT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  const std::string& message = s.message();
  EXPECT_TRUE(message.starts_with("chunk: ")) << message;
  const size_t at = message.rfind(", at byte ");
  ASSERT_NE(at, std::string::npos) << message;
  EXPECT_LE(std::stoull(message.substr(at + 10)), size) << message;
}

TEST(RollupCodecTest, EveryFlippedByteIsRefused) {
  for (const bool decimal : {true, false}) {
    const std::string good = Encode(HourlyOf(Temperatures(1000, 7)), decimal);
    for (size_t i = 0; i < good.size(); ++i) {
      for (const int mask : {0x01, 0x80, 0xff}) {
        std::string bad = good;
        bad[i] = static_cast<char>(bad[i] ^ mask);
        SCOPED_TRACE(testing::Message() << "byte " << i << " mask " << mask);
        ExpectCorruptionInside(Decode(bad), bad.size());
      }
    }
  }
}

TEST(RollupCodecTest, EveryTruncationIsRefused) {
  const std::string good = Encode(HourlyOf(Temperatures(1000, 8)));
  for (size_t n = 0; n < good.size(); ++n) {
    SCOPED_TRACE(n);
    ExpectCorruptionInside(Decode(good.substr(0, n)), n);
    EXPECT_FALSE(RollupPayloadSize(good.substr(0, n)).ok());
  }
}

// A body with its length and checksum made right, so the decoder's own checks are reached.
std::string Framed(std::string_view body) {
  std::string out;
  codec::PutFixed32(out, static_cast<uint32_t>(body.size()));
  out += body;
  codec::PutFixed32(out, Crc32c(body));
  return out;
}

TEST(RollupCodecTest, WellFramedNonsenseIsRefusedWithItsReason) {
  const auto refused = [](std::string_view body, std::string_view why) {
    const Status s = Decode(Framed(body));
    ExpectCorruptionInside(s, body.size() + 8);
    EXPECT_NE(s.message().find(why), std::string::npos) << s.ToString();
  };
  std::string body;
  codec::PutVarint(body, 0);
  refused(body, "rollup of 0 buckets");

  // Two buckets; starts from a constant stream (both 1: not increasing).
  const auto prefix = [](int64_t start, int64_t count) {
    std::string b;
    codec::PutVarint(b, 2);
    b.push_back(3);  // DeltaOrder::kConstant
    codec::PutVarint(b, codec::ZigzagEncode(start));
    b.push_back(3);
    codec::PutVarint(b, codec::ZigzagEncode(count));
    return b;
  };
  refused(prefix(1, 1) + std::string(1, '\2'), "out of order");
  refused(prefix(INT64_MAX / 2, 1), "out of order");
  std::string counts;
  codec::PutVarint(counts, 1);
  counts.push_back(3);
  codec::PutVarint(counts, codec::ZigzagEncode(7));
  counts.push_back(3);
  codec::PutVarint(counts, codec::ZigzagEncode(0));
  refused(counts, "counts 0 points");
  std::string encoding;
  codec::PutVarint(encoding, 1);
  encoding.push_back(3);
  codec::PutVarint(encoding, codec::ZigzagEncode(7));
  encoding.push_back(3);
  codec::PutVarint(encoding, codec::ZigzagEncode(60));
  refused(encoding + std::string(1, '\x09'), "unknown rollup value encoding 9");
  refused(encoding + std::string("\x00\x0a", 2), "scale 10 > 9");
  // Scale 0, quantum 1, offset 2^60: values no double holds exactly.
  std::string huge = encoding + std::string("\x00\x00\x01", 3);
  codec::PutVarint(huge, codec::ZigzagEncode(int64_t{1} << 60));
  for (int c = 0; c < 4; ++c) {
    huge.push_back(3);
    huge.push_back(0);
  }
  refused(huge, "outside the range of exact decimals");
  refused(encoding + std::string("\x00\x00\x01\x00", 4) + std::string("\x03\x00", 2), "cut off");
}

}  // namespace
}  // namespace coolflow::store::block
