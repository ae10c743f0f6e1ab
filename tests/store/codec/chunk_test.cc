// Chunks: round trips of every value type and edge case, randomized round trips, damage of
// every kind reported as Corruption, and the bytes per point on sensor-like data.
#include "store/codec/chunk.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/crc32c.h"
#include "store/codec/chunk_format.h"

namespace coolflow::store::codec {
namespace {

constexpr TimeNs kStart = 1'764'000'000'000'000'000;  // 2025-11-24T16:00:00Z

std::vector<TimeNs> RegularTimes(size_t n, TimeNs interval, TimeNs start = kStart) {
  std::vector<TimeNs> times(n);
  for (size_t i = 0; i < n; ++i)
    times[i] = start + static_cast<TimeNs>(i) * interval;
  return times;
}

// Whether two columns hold the same type and bit-identical values.
::testing::AssertionResult SameColumn(const ValueColumn& want, const ValueColumn& got) {
  if (want.index() != got.index()) return ::testing::AssertionFailure() << "types differ";
  if (ColumnSize(want) != ColumnSize(got)) return ::testing::AssertionFailure() << "sizes differ";
  if (const auto* w = std::get_if<std::vector<double>>(&want)) {
    const auto& g = std::get<std::vector<double>>(got);
    for (size_t i = 0; i < w->size(); ++i) {
      if (std::bit_cast<uint64_t>((*w)[i]) != std::bit_cast<uint64_t>(g[i])) {
        return ::testing::AssertionFailure()
               << "value " << i << ": " << (*w)[i] << " came back as " << g[i];
      }
    }
    return ::testing::AssertionSuccess();
  }
  if (want != got) return ::testing::AssertionFailure() << "values differ";
  return ::testing::AssertionSuccess();
}

DecodedChunk RoundTrip(const std::vector<TimeNs>& times, const ValueColumn& values,
                       const EncodeOptions& options = {}) {
  auto bytes = EncodeChunk(times, values, options);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  if (!bytes.ok()) return {};
  auto decoded = DecodeChunk(*bytes);
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  if (!decoded.ok()) return {};
  EXPECT_EQ(decoded->times, times);
  EXPECT_TRUE(SameColumn(values, decoded->values));
  EXPECT_EQ(decoded->header.count, times.size());
  EXPECT_EQ(decoded->header.first_time, times.front());
  EXPECT_EQ(decoded->header.last_time, times.back());
  EXPECT_EQ(decoded->header.total_bytes, bytes->size());
  return std::move(*decoded);
}

TEST(Chunk, DecimalDoublesRoundTripAsDecimal) {
  const std::vector<double> values = {23.7, 23.7, 23.8, 23.6, 24.0, -3.5, 0.0, 412.5};
  const DecodedChunk chunk = RoundTrip(RegularTimes(values.size(), kNanosPerSecond), values);
  EXPECT_EQ(chunk.header.value_type, ValueType::kDouble);
  EXPECT_EQ(chunk.header.value_codec, ValueCodec::kDecimal);
}

TEST(Chunk, DoublesWithoutDecimalFormFallBackToGorillaBitExactly) {
  const std::vector<std::vector<double>> cases = {
      {23.7, -0.0, 23.8},
      {1.0, std::numeric_limits<double>::quiet_NaN(), 2.0},
      {std::bit_cast<double>(uint64_t{0x7ff4000000000123}), 5.0},  // NaN payload
      {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()},
      {1.0 / 3.0, 2.0 / 3.0},
      {std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(),
       std::numeric_limits<double>::lowest(), std::numeric_limits<double>::min()},
  };
  for (const auto& values : cases) {
    const DecodedChunk chunk = RoundTrip(RegularTimes(values.size(), kNanosPerSecond), values);
    EXPECT_EQ(chunk.header.value_codec, ValueCodec::kGorilla);
  }
}

TEST(Chunk, GorillaOnlyWhenAskedFor) {
  const std::vector<double> values = {23.7, 23.8, 23.9};
  const DecodedChunk chunk =
      RoundTrip(RegularTimes(values.size(), kNanosPerSecond), values, {.decimal = false});
  EXPECT_EQ(chunk.header.value_codec, ValueCodec::kGorilla);
}

TEST(Chunk, IntegersRoundTripAtTheirLimits) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const std::vector<int64_t> ints = {0, kMin, kMax, -1, 1, kMax, kMin, 42};
  EXPECT_EQ(RoundTrip(RegularTimes(ints.size(), 1), ints).header.value_type, ValueType::kInt64);
  const std::vector<uint64_t> uints = {0, ~uint64_t{0}, 1, uint64_t{1} << 63, 12345678901234567};
  EXPECT_EQ(RoundTrip(RegularTimes(uints.size(), 1), uints).header.value_type, ValueType::kUint64);
}

TEST(Chunk, BooleansUseBitmapOrRuns) {
  std::vector<bool> steady(1000, false);
  for (size_t i = 400; i < 600; ++i)
    steady[i] = true;
  EXPECT_EQ(RoundTrip(RegularTimes(steady.size(), kNanosPerSecond), steady).header.value_codec,
            ValueCodec::kBoolRuns);
  std::vector<bool> flapping(77);
  for (size_t i = 0; i < flapping.size(); ++i)
    flapping[i] = (i * 7) % 3 == 1;
  EXPECT_EQ(RoundTrip(RegularTimes(flapping.size(), kNanosPerSecond), flapping).header.value_codec,
            ValueCodec::kBoolBitmap);
  RoundTrip({5}, std::vector<bool>{true});
  RoundTrip({5}, std::vector<bool>{false});
}

TEST(Chunk, SinglePointsAndExtremeTimes) {
  constexpr TimeNs kMin = std::numeric_limits<TimeNs>::min();
  constexpr TimeNs kMax = std::numeric_limits<TimeNs>::max();
  RoundTrip({kMin}, std::vector<double>{1.5});
  RoundTrip({kMax}, std::vector<int64_t>{7});
  RoundTrip({kMin, kMax}, std::vector<double>{1.5, 2.5});
  RoundTrip({kMin, -1, 0, 1, kMax}, std::vector<uint64_t>{1, 2, 3, 4, 5});
}

TEST(Chunk, EncodesFromPointsAndBackToPoints) {
  const std::vector<Point> points = {{10, 1.5}, {20, 2.5}, {35, -0.25}};
  auto bytes = EncodeChunk(points);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto decoded = DecodeChunk(*bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->ToPoints(), points);

  const std::vector<Point> mixed = {{10, 1.5}, {20, int64_t{2}}};
  auto refused = EncodeChunk(mixed);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(), "chunk: point 1 is a int64, point 0 a double");
}

TEST(Chunk, RefusesBadInput) {
  const auto code = [](std::vector<TimeNs> times, ValueColumn values) {
    return EncodeChunk(times, values).status().code();
  };
  EXPECT_EQ(code({}, std::vector<double>{}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({1, 2}, std::vector<double>{1.0}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({2, 1}, std::vector<double>{1.0, 2.0}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({1, 1}, std::vector<double>{1.0, 2.0}), StatusCode::kInvalidArgument);
  std::string out = "keep";
  EXPECT_FALSE(AppendChunk(std::vector<TimeNs>{3, 2}, std::vector<int64_t>{1, 2}, out).ok());
  EXPECT_EQ(out, "keep");
}

TEST(Chunk, HeaderReadsWithoutDecodingAndChunksWalkEndToEnd) {
  std::string block;
  ASSERT_TRUE(
      AppendChunk(RegularTimes(100, kNanosPerSecond), std::vector<double>(100, 21.5), block).ok());
  const size_t first_size = block.size();
  ASSERT_TRUE(AppendChunk(RegularTimes(3, kNanosPerMinute, kStart + kNanosPerHour),
                          std::vector<bool>{true, false, true}, block)
                  .ok());
  auto size = ChunkSize(block);
  ASSERT_TRUE(size.ok());
  ASSERT_EQ(*size, first_size);
  auto header = ReadChunkHeader(std::string_view(block).substr(0, *size));
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->count, 100u);
  EXPECT_EQ(header->first_time, kStart);
  EXPECT_EQ(header->last_time, kStart + 99 * kNanosPerSecond);
  EXPECT_TRUE(header->Overlaps(kStart + 99 * kNanosPerSecond, kStart + kNanosPerHour));
  EXPECT_FALSE(header->Overlaps(kStart + 100 * kNanosPerSecond, kStart + kNanosPerHour));
  EXPECT_FALSE(header->Overlaps(0, kStart));
  auto second = ReadChunkHeader(std::string_view(block).substr(*size));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->value_type, ValueType::kBool);
  EXPECT_EQ(second->count, 3u);
  // A header read does not decode, so it does not need the checksum to hold.
  auto whole = ReadChunkHeader(block);
  EXPECT_EQ(whole.status().code(), StatusCode::kCorruption);
}

// Random sequences of every shape, with a fixed seed: every chunk must round-trip.
TEST(Chunk, RandomizedRoundTrips) {
  std::mt19937_64 rng(20251124);
  const auto uniform = [&](uint64_t n) { return rng() % n; };
  for (int iteration = 0; iteration < 300; ++iteration) {
    const size_t n = 1 + uniform(iteration % 10 == 0 ? 3000 : 300);
    std::vector<TimeNs> times(n);
    TimeNs t = static_cast<TimeNs>(rng());
    if (t > 0) t = -t;  // room to grow
    const uint64_t time_shape = uniform(3);
    const TimeNs interval = static_cast<TimeNs>(1 + uniform(kNanosPerMinute));
    for (size_t i = 0; i < n; ++i) {
      times[i] = t;
      switch (time_shape) {
        case 0:
          t += interval;
          break;
        case 1:
          t += interval + (uniform(10) == 0 ? static_cast<TimeNs>(uniform(5'000'000)) : 0);
          break;
        default:
          t += 1 + static_cast<TimeNs>(uniform(uint64_t{1} << uniform(50)));
          break;
      }
    }
    ValueColumn values;
    switch (uniform(6)) {
      case 0: {  // a decimal random walk at a random scale
        const double p = std::pow(10.0, static_cast<double>(uniform(10)));
        int64_t x = static_cast<int64_t>(uniform(2'000'000)) - 1'000'000;
        std::vector<double> v(n);
        for (double& d : v) {
          x += static_cast<int64_t>(uniform(41)) - 20;
          d = static_cast<double>(x) / p;
        }
        values = v;
        break;
      }
      case 1: {  // arbitrary bit patterns, NaNs and denormals among them
        std::vector<double> v(n);
        for (double& d : v)
          d = std::bit_cast<double>(rng() >> uniform(64));
        values = v;
        break;
      }
      case 2: {  // decimals with an occasional special
        std::vector<double> v(n);
        for (double& d : v) {
          d = uniform(50) == 0 ? -0.0 : static_cast<double>(uniform(1000)) / 10.0;
        }
        values = v;
        break;
      }
      case 3: {
        std::vector<int64_t> v(n);
        for (int64_t& x : v)
          x = static_cast<int64_t>(rng() >> uniform(64));
        values = v;
        break;
      }
      case 4: {  // a counter
        std::vector<uint64_t> v(n);
        uint64_t c = rng();
        for (uint64_t& x : v)
          x = (c += uniform(100000));
        values = v;
        break;
      }
      default: {
        std::vector<bool> v(n);
        const uint64_t flip = 1 + uniform(20);
        bool b = uniform(2) == 0;
        for (size_t i = 0; i < n; ++i) {
          if (uniform(flip) == 0) b = !b;
          v[i] = b;
        }
        values = v;
        break;
      }
    }
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    RoundTrip(times, values);
    if (std::holds_alternative<std::vector<double>>(values)) {
      RoundTrip(times, values, {.decimal = false});
    }
  }
}

// Small chunks of every codec, for the damage tests.
std::vector<std::string> SmallChunks() {
  std::vector<std::string> chunks;
  const auto add = [&](std::vector<TimeNs> times, ValueColumn values) {
    auto bytes = EncodeChunk(times, values);
    EXPECT_TRUE(bytes.ok());
    if (bytes.ok()) chunks.push_back(*bytes);
  };
  std::vector<TimeNs> times = RegularTimes(12, 10 * kNanosPerSecond);
  times[5] += 3 * kNanosPerMilli;
  add(times,
      std::vector<double>{23.7, 23.8, 23.8, 23.9, 24.1, 24.0, 23.9, 23.9, 23.7, 23.5, 23.6, 23.6});
  add(times, std::vector<double>{1.0 / 3, -0.0, 2.5, 2.5, 1e300, 7.0, 7.25, 7.5, 1.0, 2.0, 3.0,
                                 std::numeric_limits<double>::quiet_NaN()});
  add(times, std::vector<int64_t>{5, -5, 1000, 1001, 1002, 1003, 0, 0, 0, 7, 8, 9});
  add(times, std::vector<uint64_t>{1000000000000, 1000000001500, 1000000003000, 1000000004500,
                                   1000000006000, 1000000007500, 1000000009000, 1000000010500,
                                   1000000012000, 1000000013500, 1000000015000, 1000000016500});
  add(times, std::vector<bool>{true, false, true, true, false, false, true, false, true, true,
                               false, true});
  std::vector<bool> runs(200, true);
  for (size_t i = 100; i < 150; ++i)
    runs[i] = false;
  add(RegularTimes(200, kNanosPerSecond), runs);
  return chunks;
}

void ExpectCorruption(std::string_view bytes, const std::string& what) {
  auto decoded = DecodeChunk(bytes);
  ASSERT_FALSE(decoded.ok()) << what;
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption) << what;
  const std::string message = decoded.status().message();
  EXPECT_TRUE(message.starts_with("chunk: ")) << what << ": " << message;
  EXPECT_NE(message.find(", at byte "), std::string::npos) << what << ": " << message;
}

TEST(ChunkCorruption, EverySingleByteChangeIsReported) {
  for (const std::string& chunk : SmallChunks()) {
    ASSERT_TRUE(DecodeChunk(chunk).ok());
    for (size_t i = 0; i < chunk.size(); ++i) {
      for (const int mask : {0x01, 0x80, 0xff, 0x5a}) {
        std::string bad = chunk;
        bad[i] = static_cast<char>(bad[i] ^ mask);
        ExpectCorruption(bad, "byte " + std::to_string(i) + " ^ " + std::to_string(mask));
      }
    }
  }
}

TEST(ChunkCorruption, EveryTruncationAndExtensionIsReported) {
  for (const std::string& chunk : SmallChunks()) {
    for (size_t cut = 0; cut < chunk.size(); ++cut) {
      ExpectCorruption(std::string_view(chunk).substr(0, cut), "cut at " + std::to_string(cut));
    }
    ExpectCorruption(chunk + '\0', "one byte more");
  }
}

// The checksum catches the damage above; these damages come with a valid checksum, so the
// structural checks alone must refuse them (or decode something), never read out of bounds.
TEST(ChunkCorruption, DamageBehindAValidChecksumNeverCrashes) {
  const auto reseal = [](std::string& bytes) {
    if (bytes.size() < kChunkChecksumBytes) return;
    const size_t body = bytes.size() - kChunkChecksumBytes;
    const uint32_t crc = Crc32c(std::string_view(bytes).substr(0, body));
    for (size_t i = 0; i < 4; ++i)
      bytes[body + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  };
  size_t refused = 0;
  size_t tried = 0;
  for (const std::string& chunk : SmallChunks()) {
    for (size_t i = 0; i + kChunkChecksumBytes < chunk.size(); ++i) {
      for (int value = 0; value < 256; ++value) {
        std::string bad = chunk;
        if (static_cast<uint8_t>(bad[i]) == value) continue;
        bad[i] = static_cast<char>(value);
        reseal(bad);
        ++tried;
        auto decoded = DecodeChunk(bad);
        if (!decoded.ok()) {
          ++refused;
          EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
          EXPECT_TRUE(decoded.status().message().starts_with("chunk: "));
        } else {
          EXPECT_EQ(decoded->times.size(), ColumnSize(decoded->values));
        }
      }
    }
  }
  // Most damage is structural; some (a value's low bits) decodes to other values.
  EXPECT_GT(refused, tried / 2);
}

TEST(ChunkCorruption, MessagesNameTheByte) {
  auto bytes = EncodeChunk(RegularTimes(4, kNanosPerSecond), std::vector<double>{1, 2, 3, 4});
  ASSERT_TRUE(bytes.ok());
  std::string bad = *bytes;
  bad[0] = 'X';
  EXPECT_EQ(DecodeChunk(bad).status().message(), "chunk: bad magic (not a chunk), at byte 0");
  bad = *bytes;
  bad[bad.size() - 1] = static_cast<char>(bad.back() ^ 1);
  EXPECT_TRUE(DecodeChunk(bad).status().message().ends_with(
      "computed over " + std::to_string(bad.size() - 4) + " bytes, at byte " +
      std::to_string(bad.size() - 4)))
      << DecodeChunk(bad).status().message();
  EXPECT_EQ(DecodeChunk("CFC").status().message(),
            "chunk: 3 bytes are too few for a chunk header of 36, at byte 0");
}

// Bytes per point on sensor-like data: 1 s temperature at 0.1 C resolution drifting slowly,
// an hour per chunk, timestamps included.
TEST(ChunkSize, SlowTemperatureCostsUnderOneBytePerPointAndLessThanGorilla) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> noise(0.0, 0.04);
  const size_t n = 3600;
  std::vector<double> values(n);
  for (size_t i = 0; i < n; ++i) {
    const double truth = 23.0 + 1.5 * std::sin(static_cast<double>(i) / 2000.0) + noise(rng);
    values[i] = std::round(truth * 10) / 10;  // what a 0.1 C sensor reports
  }
  const std::vector<TimeNs> times = RegularTimes(n, kNanosPerSecond);
  auto decimal = EncodeChunk(times, values);
  auto gorilla = EncodeChunk(times, values, {.decimal = false});
  ASSERT_TRUE(decimal.ok() && gorilla.ok());
  const double decimal_bpp = static_cast<double>(decimal->size()) / n;
  const double gorilla_bpp = static_cast<double>(gorilla->size()) / n;
  EXPECT_LT(decimal_bpp, 1.0);
  EXPECT_LT(decimal_bpp * 2, gorilla_bpp);
  RecordProperty("decimal_bytes_per_point", std::to_string(decimal_bpp));
  RecordProperty("gorilla_bytes_per_point", std::to_string(gorilla_bpp));
}

TEST(ChunkSize, CountersAndBooleansAreSmall) {
  const size_t n = 3600;
  std::vector<uint64_t> octets(n);
  uint64_t c = 123456789012;
  std::mt19937_64 rng(2);
  for (uint64_t& x : octets)
    x = (c += 125000 + rng() % 2000);  // ~1 Mbit/s
  auto counter = EncodeChunk(RegularTimes(n, 10 * kNanosPerSecond), octets);
  ASSERT_TRUE(counter.ok());
  // The rate's jitter is 11 bits of noise per point; raw, a point takes 16 bytes.
  EXPECT_LT(static_cast<double>(counter->size()) / n, 2.0);
  std::vector<bool> door(n, false);
  for (size_t i = 1000; i < 1100; ++i)
    door[i] = true;
  auto flags = EncodeChunk(RegularTimes(n, kNanosPerSecond), door);
  ASSERT_TRUE(flags.ok());
  EXPECT_LT(flags->size(), 60u);  // header, checksum, a few bytes of times and runs
}

}  // namespace
}  // namespace coolflow::store::codec
