#include "common/time.h"

#include <gtest/gtest.h>

namespace coolflow {
namespace {

constexpr TimeNs k2026 = 1'764'000'000LL * kNanosPerSecond;  // 2025-11-24T16:00:00Z

TEST(ParseTimestamp, EpochUnitFollowsMagnitude) {
  EXPECT_EQ(*ParseTimestamp("1764000000"), k2026);
  EXPECT_EQ(*ParseTimestamp("1764000000000"), k2026);
  EXPECT_EQ(*ParseTimestamp("1764000000000000"), k2026);
  EXPECT_EQ(*ParseTimestamp("1764000000000000000"), k2026);
  EXPECT_EQ(*ParseTimestamp("1764000000.25"), k2026 + 250'000'000);
  EXPECT_EQ(*ParseTimestamp("0"), 0);
}

TEST(ParseTimestamp, Iso8601) {
  EXPECT_EQ(*ParseTimestamp("2025-11-24T16:00:00Z"), k2026);
  EXPECT_EQ(*ParseTimestamp("2025-11-24 16:00:00"), k2026);
  EXPECT_EQ(*ParseTimestamp("2025-11-25T01:00:00+09:00"), k2026);
  EXPECT_EQ(*ParseTimestamp("2025-11-24T11:30:00-0430"), k2026);
  EXPECT_EQ(*ParseTimestamp("2025-11-24T16:00:00.123456789Z"), k2026 + 123'456'789);
  EXPECT_EQ(*ParseTimestamp("2025-11-24T16:00:00.5Z"), k2026 + 500'000'000);
  EXPECT_EQ(*ParseTimestamp("2025-11-24"), k2026 - 16 * 3600 * kNanosPerSecond);
  EXPECT_EQ(*ParseTimestamp("1969-12-31T23:59:59Z"), -kNanosPerSecond);
  EXPECT_EQ(*ParseTimestamp("2024-02-29T00:00:00Z"), 1'709'164'800LL * kNanosPerSecond);
}

TEST(ParseTimestamp, RefusesWhatIsNotATime) {
  for (const char* bad :
       {"", "abc", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z", "2023-02-29",
        "2025-11-24T24:00:00Z", "2025-11-24T16:00:00.Z", "2025-11-24T16:00:00.1234567891Z",
        "2025-11-24T16:00:00X", "12x", "1.", "99999999999999999999", "1764000000.1234567891",
        "2025-11-24T16:00:00Zjunk"}) {
    EXPECT_FALSE(ParseTimestamp(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseTimestamp("99999999999999999999").status().code(), StatusCode::kOutOfRange);
  // Found by fuzz_timestamp: the edges of int64 must not overflow on the way.
  EXPECT_EQ(ParseTimestamp("-9223372036854775808").status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(ParseTimestamp("9223372036.9").status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(ParseTimestamp("9223372036.854775807").status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(*ParseTimestamp("9223372036.854775806"), INT64_MAX - 1);
  EXPECT_EQ(ParseTimestamp("2300-01-01T00:00:00Z").status().code(), StatusCode::kOutOfRange);
}

TEST(ParseTimestamp, FractionErrorsSayWhy) {
  EXPECT_EQ(ParseTimestamp("1764000000.1234567890").status().message(),
            "invalid time '1764000000.1234567890': more than 9 fractional digits");
  EXPECT_EQ(ParseTimestamp("1764000000.1234567890x").status().message(),
            "invalid time '1764000000.1234567890x': more than 9 fractional digits");
  EXPECT_EQ(ParseTimestamp("1764000000.12x").status().message(),
            "invalid time '1764000000.12x': bad fraction");
  EXPECT_EQ(ParseTimestamp("1764000000.x").status().message(),
            "invalid time '1764000000.x': bad fraction");
  EXPECT_EQ(ParseTimestamp("1764000000.").status().message(),
            "invalid time '1764000000.': empty fraction");
  EXPECT_EQ(ParseTimestamp("2025-11-24T16:00:00.Z").status().message(),
            "invalid ISO-8601 time '2025-11-24T16:00:00.Z': empty fraction");
  EXPECT_EQ(ParseTimestamp("2025-11-24T16:00:00.1234567890Z").status().message(),
            "invalid ISO-8601 time '2025-11-24T16:00:00.1234567890Z': more than 9 fractional "
            "digits");
}

TEST(FormatRfc3339, RoundTrips) {
  for (TimeNs t : {TimeNs{0}, k2026, k2026 + 1, k2026 + 500'000'000, TimeNs{-1},
                   -kNanosPerSecond - 1, TimeNs{951'782'400'000'000'000}}) {
    const std::string text = FormatRfc3339(t);
    auto back = ParseTimestamp(text);
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(*back, t) << text;
  }
  EXPECT_EQ(FormatRfc3339(k2026 + 500'000'000), "2025-11-24T16:00:00.5Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999999Z");
}

TEST(EpochToNs, ScalesAndChecksRange) {
  EXPECT_EQ(*EpochToNs(2, Precision::kSeconds), 2 * kNanosPerSecond);
  EXPECT_EQ(*EpochToNs(2, Precision::kMilliseconds), 2 * kNanosPerMilli);
  EXPECT_EQ(*EpochToNs(2, Precision::kMicroseconds), 2 * kNanosPerMicro);
  EXPECT_FALSE(EpochToNs(9'300'000'000'000, Precision::kSeconds).ok());
  EXPECT_FALSE(EpochToNs(INT64_MAX, Precision::kNanoseconds).ok());
  EXPECT_TRUE(EpochToNs(INT64_MAX - 1, Precision::kNanoseconds).ok());
  EXPECT_FALSE(EpochToNs(INT64_MIN + 1, Precision::kNanoseconds).ok());
  EXPECT_TRUE(EpochToNs(INT64_MIN + 2, Precision::kNanoseconds).ok());
}

TEST(ParsePrecision, InfluxNames) {
  EXPECT_EQ(*ParsePrecision("n"), Precision::kNanoseconds);
  EXPECT_EQ(*ParsePrecision(""), Precision::kNanoseconds);
  EXPECT_EQ(*ParsePrecision("u"), Precision::kMicroseconds);
  EXPECT_EQ(*ParsePrecision("ms"), Precision::kMilliseconds);
  EXPECT_EQ(*ParsePrecision("s"), Precision::kSeconds);
  EXPECT_EQ(*ParsePrecision("m"), Precision::kMinutes);
  EXPECT_EQ(*ParsePrecision("h"), Precision::kHours);
  EXPECT_EQ(*EpochToNs(2, Precision::kHours), 2 * kNanosPerHour);
  EXPECT_EQ(PrecisionName(Precision::kMinutes), "m");
  EXPECT_FALSE(ParsePrecision("h2").ok());
}

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock(5);
  EXPECT_EQ(clock.Now(), 5);
  clock.Advance(10);
  EXPECT_EQ(clock.Now(), 15);
  clock.Set(1);
  EXPECT_EQ(clock.Now(), 1);
}

TEST(Duration, ParsesNumbersWithAUnit) {
  const struct {
    std::string_view text;
    TimeNs want;
  } cases[] = {
      {"10s", 10 * kNanosPerSecond},
      {"15m", 15 * kNanosPerMinute},
      {"6h", 6 * kNanosPerHour},
      {"7d", 7 * kNanosPerDay},
      {"10", 10 * kNanosPerSecond},
      {"0", 0},
      {"1.5h", 90 * kNanosPerMinute},
      {"0.25", 250 * kNanosPerMilli},
      {"250ms", 250 * kNanosPerMilli},
      {".5s", 500 * kNanosPerMilli},
      {"0.000000001s", 1},
      {"0.5ms", 500'000},
      {"106751d", 106751 * kNanosPerDay},
  };
  for (const auto& c : cases) {
    Result<TimeNs> r = ParseDuration(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().ToString();
    EXPECT_EQ(*r, c.want) << c.text;
  }
  for (std::string_view bad : {"", "s", "10 s", "-5s", "1e3", "5x", "1.s", "1.2.3s", "10S",
                               "0.0000000001s", "0.0000001ms", "106752d", "99999999999999999999"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(Duration, FormatsInTheLargestExactUnit) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(7 * kNanosPerDay), "7d");
  EXPECT_EQ(FormatDuration(36 * kNanosPerHour), "36h");
  EXPECT_EQ(FormatDuration(90 * kNanosPerSecond), "90s");
  EXPECT_EQ(FormatDuration(1500 * kNanosPerMilli), "1500ms");
  EXPECT_EQ(FormatDuration(1), "0.000000001s");
  EXPECT_EQ(FormatDuration(-1'500'000'001), "-1.500000001s");
  for (TimeNs d : {TimeNs{1}, TimeNs{10 * kNanosPerSecond}, TimeNs{123'456'789},
                   TimeNs{7 * kNanosPerDay}, TimeNs{90 * kNanosPerMinute}}) {
    Result<TimeNs> back = ParseDuration(FormatDuration(d));
    ASSERT_TRUE(back.ok()) << FormatDuration(d);
    EXPECT_EQ(*back, d);
  }
}

}  // namespace
}  // namespace coolflow
