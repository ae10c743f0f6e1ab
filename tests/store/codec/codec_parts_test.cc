// The pieces a chunk is built from: the integer stream, Gorilla XOR, the decimal scale
// search and the timestamp section.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "store/codec/byte_io.h"
#include "store/codec/decimal.h"
#include "store/codec/gorilla.h"
#include "store/codec/packed_ints.h"
#include "store/codec/timestamp_codec.h"

namespace coolflow::store::codec {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::vector<int64_t> RoundTripIntegers(const std::vector<int64_t>& values, DeltaOrder order) {
  std::string bytes;
  EncodeIntegers(values, order, bytes);
  if (!values.empty()) {
    EXPECT_GE(bytes.size(), kMinIntegerStreamBytes);
  }
  ByteReader in(bytes);
  std::vector<int64_t> back(values.size());
  const Status s = DecodeIntegers(in, back);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(in.remaining(), 0u);
  return back;
}

TEST(Zigzag, MapsSmallMagnitudesToSmallNumbers) {
  EXPECT_EQ(ZigzagEncode(0), 0u);
  EXPECT_EQ(ZigzagEncode(-1), 1u);
  EXPECT_EQ(ZigzagEncode(1), 2u);
  EXPECT_EQ(ZigzagEncode(kMax), ~uint64_t{0} - 1);
  EXPECT_EQ(ZigzagEncode(kMin), ~uint64_t{0});
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, kMin, kMax, int64_t{-123456789}}) {
    EXPECT_EQ(ZigzagDecode(ZigzagEncode(v)), v);
  }
}

TEST(PackedIntegers, RoundTripEdgeSequencesInBothOrders) {
  std::vector<std::vector<int64_t>> cases = {
      {}, {0}, {kMin}, {kMax, kMin, kMax, 0, -1, 1}, {5, 5, 5, 5},
  };
  std::vector<int64_t> ramp;
  for (int64_t i = 0; i < 1000; ++i)
    ramp.push_back(1'000'000'000'000 + 37 * i);
  cases.push_back(ramp);
  for (size_t n : {127u, 128u, 129u, 256u, 257u}) {
    std::vector<int64_t> v;
    for (size_t i = 0; i < n; ++i)
      v.push_back(static_cast<int64_t>(i * i) - 5000);
    cases.push_back(v);
  }
  std::mt19937_64 rng(42);
  std::vector<int64_t> random_bits(700);
  for (int64_t& v : random_bits)
    v = static_cast<int64_t>(rng());
  cases.push_back(random_bits);
  // Mostly small with a few huge outliers: exceptions in every block.
  std::vector<int64_t> outliers(1000);
  for (size_t i = 0; i < outliers.size(); ++i) {
    outliers[i] = i % 97 == 0 ? static_cast<int64_t>(rng()) : static_cast<int64_t>(rng() % 7);
  }
  cases.push_back(outliers);
  for (const auto& values : cases) {
    EXPECT_EQ(RoundTripIntegers(values, DeltaOrder::kDelta), values);
    EXPECT_EQ(RoundTripIntegers(values, DeltaOrder::kDeltaOfDelta), values);
    std::string bytes;
    EncodeIntegers(values, bytes);
    ByteReader in(bytes);
    std::vector<int64_t> back(values.size());
    ASSERT_TRUE(DecodeIntegers(in, back).ok());
    EXPECT_EQ(back, values);
  }
}

TEST(PackedIntegers, EveryBitWidthRoundTrips) {
  std::mt19937_64 rng(7);
  for (int width = 0; width <= 64; ++width) {
    std::vector<int64_t> values(300);
    for (int64_t& v : values) {
      const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
      v = static_cast<int64_t>(rng() & mask);
    }
    EXPECT_EQ(RoundTripIntegers(values, DeltaOrder::kDelta), values) << "width " << width;
  }
}

TEST(PackedIntegers, ARegularRampCostsTwoBytesPerBlock) {
  std::vector<int64_t> values(1280);
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<int64_t>(i) * 10;
  std::string bytes;
  EncodeIntegers(values, bytes);
  // Order byte, then 10 blocks of 2 bytes, plus the one exception of the first delta.
  EXPECT_LE(bytes.size(), 1u + 10 * 2 + 2);
  std::string constant;
  EncodeIntegers(std::vector<int64_t>(5000, -7), constant);
  EXPECT_EQ(constant.size(), 2u);
  ByteReader in(constant);
  std::vector<int64_t> back(5000);
  ASSERT_TRUE(DecodeIntegers(in, back).ok());
  EXPECT_EQ(back, std::vector<int64_t>(5000, -7));
}

// The automatic choice is the smallest of the three orders, byte for byte.
TEST(PackedIntegers, TheChosenOrderIsTheSmallest) {
  std::mt19937_64 random(11);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<int64_t> values(1 + random() % 700);
    int64_t x = static_cast<int64_t>(random() % 1000000);
    const int64_t step = static_cast<int64_t>(random() % 5000);
    const int noise_bits = static_cast<int>(random() % 40);
    for (int64_t& v : values) {
      x += step + static_cast<int64_t>(random() & ((uint64_t{1} << noise_bits) - 1));
      v = trial % 3 == 0 ? static_cast<int64_t>(random() >> (random() % 64)) : x;
    }
    std::string chosen;
    EncodeIntegers(values, chosen);
    size_t smallest = std::numeric_limits<size_t>::max();
    for (DeltaOrder order : {DeltaOrder::kRaw, DeltaOrder::kDelta, DeltaOrder::kDeltaOfDelta}) {
      std::string out;
      EncodeIntegers(values, order, out);
      smallest = std::min(smallest, out.size());
    }
    EXPECT_EQ(chosen.size(), smallest) << "trial " << trial;
    std::vector<int64_t> back(values.size());
    ByteReader reader(chosen);
    ASSERT_TRUE(DecodeIntegers(reader, back).ok());
    EXPECT_EQ(back, values);
  }
}

TEST(PackedIntegers, RefusesMalformedStreams) {
  const std::vector<int64_t> values = {1, 2, 3, 4, 1000000};
  std::string good;
  EncodeIntegers(values, DeltaOrder::kDelta, good);
  std::vector<int64_t> back(values.size());
  {
    std::string bad = good;
    bad[0] = 9;  // order
    ByteReader in(bad, 100);
    const Status s = DecodeIntegers(in, back);
    EXPECT_EQ(s.code(), StatusCode::kCorruption);
    EXPECT_EQ(s.message(), "chunk: unknown integer stream order 9, at byte 100");
  }
  {
    std::string bad = good;
    bad[1] = 65;  // width
    ByteReader in(bad);
    EXPECT_EQ(DecodeIntegers(in, back).code(), StatusCode::kCorruption);
  }
  for (size_t cut = 0; cut < good.size(); ++cut) {
    ByteReader in(std::string_view(good).substr(0, cut));
    EXPECT_EQ(DecodeIntegers(in, back).code(), StatusCode::kCorruption) << "cut at " << cut;
  }
}

std::vector<double> SpecialDoubles() {
  return {0.0,
          -0.0,
          1.0,
          -1.0,
          std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity(),
          std::numeric_limits<double>::quiet_NaN(),
          std::bit_cast<double>(uint64_t{0x7ff0000000000001}),  // signalling NaN
          std::bit_cast<double>(uint64_t{0xfff8dead0000beef}),  // negative NaN with payload
          std::numeric_limits<double>::denorm_min(),
          -std::numeric_limits<double>::denorm_min(),
          std::bit_cast<double>(uint64_t{0x000fffffffffffff}),  // largest denormal
          std::numeric_limits<double>::min(),
          std::numeric_limits<double>::max(),
          std::numeric_limits<double>::lowest(),
          1.0 / 3.0,
          23.7,
          1e-300,
          1e300};
}

void ExpectBitIdentical(const std::vector<double>& want, const std::vector<double>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(std::bit_cast<uint64_t>(want[i]), std::bit_cast<uint64_t>(got[i]))
        << "value " << i << ": " << want[i] << " came back as " << got[i];
  }
}

TEST(Gorilla, RoundTripsEveryKindOfDoubleBitExactly) {
  std::vector<double> values = SpecialDoubles();
  const std::vector<double> specials = values;
  values.insert(values.end(), specials.rbegin(), specials.rend());
  values.insert(values.end(), {5.0, 5.0, 5.0});
  std::mt19937_64 rng(3);
  for (int i = 0; i < 500; ++i)
    values.push_back(std::bit_cast<double>(rng()));
  std::string bytes;
  EncodeGorilla(values, bytes);
  ByteReader in(bytes);
  std::vector<double> back(values.size());
  const Status s = DecodeGorilla(in, back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectBitIdentical(values, back);
}

TEST(Gorilla, RefusesCutOffAndTrailingBytes) {
  const std::vector<double> values = {1.5, 2.5, 2.5, 1e10, -3.25};
  std::string bytes;
  EncodeGorilla(values, bytes);
  std::vector<double> back(values.size());
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    ByteReader in(std::string_view(bytes).substr(0, cut));
    EXPECT_EQ(DecodeGorilla(in, back).code(), StatusCode::kCorruption) << "cut at " << cut;
  }
  std::string longer = bytes + "x";
  ByteReader in(longer);
  const Status s = DecodeGorilla(in, back);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("after the gorilla stream"), std::string::npos) << s.message();
}

TEST(DecimalScale, FindsTheSmallestExactScale) {
  EXPECT_EQ(FindDecimalScale(std::vector<double>{23.7, 45.2, 412.5}), 1);
  EXPECT_EQ(FindDecimalScale(std::vector<double>{0.123, 1.0}), 3);
  EXPECT_EQ(FindDecimalScale(std::vector<double>{412.0, -7.0, 0.0}), 0);
  EXPECT_EQ(FindDecimalScale(std::vector<double>{0.5, 1.25, 2.125}), 3);
  EXPECT_EQ(FindDecimalScale(std::vector<double>{1.123456789}), 9);
  EXPECT_EQ(FindDecimalScale(std::vector<double>{-12.34}), 2);
  EXPECT_EQ(FindDecimalScale(std::vector<double>{9007199254740991.0}), 0);  // 2^53 - 1
}

TEST(DecimalScale, RefusesValuesWithoutAShortDecimalForm) {
  for (const double v : {-0.0, 1.0 / 3.0, 0.1 + 0.2, std::numeric_limits<double>::quiet_NaN(),
                         std::numeric_limits<double>::infinity(), 1e300, 9007199254740992.0,
                         std::numeric_limits<double>::denorm_min(), 1.0123456789}) {
    EXPECT_FALSE(FindDecimalScale(std::vector<double>{1.5, v}).has_value()) << v;
  }
}

TEST(DecimalScale, EncodedValuesRoundTripBitExactly) {
  std::mt19937_64 rng(11);
  for (int scale = 0; scale <= kMaxDecimalScale; ++scale) {
    std::vector<double> values;
    int64_t n = static_cast<int64_t>(rng() % 100000) - 50000;
    for (int i = 0; i < 400; ++i) {
      n += static_cast<int64_t>(rng() % 21) - 10;
      values.push_back(static_cast<double>(n) / std::pow(10.0, scale));
    }
    const auto found = FindDecimalScale(values);
    ASSERT_TRUE(found.has_value()) << "scale " << scale;
    EXPECT_LE(*found, scale);
    std::string bytes;
    EncodeDecimal(values, *found, bytes);
    ByteReader in(bytes);
    std::vector<double> back(values.size());
    ASSERT_TRUE(DecodeDecimal(in, back).ok());
    ExpectBitIdentical(values, back);
  }
}

TEST(DecimalScale, ACommonStepIsDividedOut) {
  // A tachometer counting 60 rpm steps, and 0.5 W steps offset from zero.
  std::vector<double> rpm;
  std::vector<double> watts;
  for (int i = 0; i < 1000; ++i) {
    rpm.push_back(3000.0 + 60.0 * ((i * 7) % 5));
    watts.push_back(-1.5 + 0.5 * ((i * 3) % 4));
  }
  for (const auto& values : {rpm, watts}) {
    const auto scale = FindDecimalScale(values);
    ASSERT_TRUE(scale.has_value());
    std::string bytes;
    EncodeDecimal(values, *scale, bytes);
    EXPECT_LT(bytes.size(), 1000u * 3 / 8 + 40);  // about 3 bits a value, not 8
    ByteReader in(bytes);
    std::vector<double> back(values.size());
    ASSERT_TRUE(DecodeDecimal(in, back).ok());
    ExpectBitIdentical(values, back);
  }
}

std::vector<TimeNs> RoundTripTimes(const std::vector<TimeNs>& times, size_t* bytes_out = nullptr) {
  std::string bytes;
  EncodeTimestamps(times, bytes);
  if (bytes_out != nullptr) *bytes_out = bytes.size();
  ByteReader in(bytes);
  std::vector<TimeNs> back(times.size());
  const Status s = DecodeTimestamps(in, times.front(), times.back(), back);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(in.remaining(), 0u);
  return back;
}

TEST(Timestamps, ArbitraryGapsRoundTrip) {
  const std::vector<std::vector<TimeNs>> cases = {
      {0},
      {kMin, kMax},
      {kMin, kMin + 1, 0, kMax - 1, kMax},
      {-5'000'000'000, -1, 0, 1, 7'000'000'000'000},
      {1'764'000'000'123'456'789, 1'764'000'010'123'456'790, 1'764'000'020'123'450'000},
  };
  for (const auto& times : cases)
    EXPECT_EQ(RoundTripTimes(times), times);
}

TEST(Timestamps, RegularIntervalsWithOccasionalJitterCostAtMostTwoBitsPerPoint) {
  for (const TimeNs interval : {kNanosPerSecond, 10 * kNanosPerSecond, kNanosPerMinute}) {
    std::mt19937_64 rng(5);
    std::vector<TimeNs> times;
    TimeNs t = 1'764'000'000'000'000'000;
    for (int i = 0; i < 3600; ++i) {
      // One point in fifty is a few milliseconds late.
      const TimeNs jitter = rng() % 50 == 0 ? static_cast<TimeNs>(rng() % 5'000'000) : TimeNs{0};
      times.push_back(t + jitter);
      t += interval;
    }
    size_t bytes = 0;
    EXPECT_EQ(RoundTripTimes(times, &bytes), times);
    const double bits_per_point = 8.0 * static_cast<double>(bytes) / 3600.0;
    EXPECT_LE(bits_per_point, 2.0) << "interval " << interval;
  }
}

TEST(Timestamps, MillisecondStampsAreDividedByTheirCommonStep) {
  std::mt19937_64 rng(9);
  std::vector<TimeNs> times;
  TimeNs t = 1'764'000'000'000'000'000;
  for (int i = 0; i < 1000; ++i) {
    t += 10 * kNanosPerSecond + static_cast<TimeNs>(rng() % 20) * kNanosPerMilli;
    times.push_back(t);
  }
  size_t bytes = 0;
  EXPECT_EQ(RoundTripTimes(times, &bytes), times);
  EXPECT_LE(bytes, 1000u * 6 / 8 + 40);  // about 6 bits per point, not 25
}

TEST(Timestamps, RefuseTimesThatDoNotIncrease) {
  // A hand-made section: unit 1, step 0, then deltas 0, 5, -5.
  std::string bytes;
  PutVarint(bytes, 1);
  PutVarint(bytes, 0);
  EncodeIntegers(std::vector<int64_t>{0, 5, 0}, DeltaOrder::kDelta, bytes);
  ByteReader in(bytes, 40);
  std::vector<TimeNs> back(3);
  const Status s = DecodeTimestamps(in, 100, 100, back);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("do not increase strictly"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace coolflow::store::codec
