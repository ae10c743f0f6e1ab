#include <gtest/gtest.h>

#include "format_test_util.h"

namespace coolflow::reading {
namespace {

using testing::Decode;
using testing::kNow;

TEST(TempCsv, DecodesTheSeedRecord) {
  auto r = Decode("temp-csv", "7,3,45.5,23.25\n");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  ASSERT_EQ(r.readings.size(), 2u);
  EXPECT_EQ(r.records, 1u);
  EXPECT_EQ(r.readings[0].box, "3");
  EXPECT_EQ(r.readings[0].measurement, "temp");
  EXPECT_EQ(r.readings[0].metric, "humidity");
  EXPECT_EQ(std::get<double>(r.readings[0].value), 45.5);
  EXPECT_EQ(r.readings[0].unit, Unit::kRelativeHumidity);
  EXPECT_EQ(r.readings[1].metric, "temperature");
  EXPECT_EQ(std::get<double>(r.readings[1].value), 23.25);
  EXPECT_EQ(r.readings[1].unit, Unit::kCelsius);
  // Field 0 "7" is not a plausible time: arrival time stamps the reading.
  EXPECT_EQ(r.readings[0].time, kNow);
}

TEST(TempCsv, FieldZeroCarriesATimeWhenItIsOne) {
  const TimeNs t = kNow - 60 * kNanosPerSecond;
  for (const std::string x :
       {"1763999940", "1763999940000", "1763999940000000000", "2025-11-24T15:59:00Z"}) {
    auto r = Decode("temp-csv", x + ",pi-1,40,20\r\n");
    ASSERT_EQ(r.readings.size(), 2u) << x;
    EXPECT_EQ(r.readings[0].time, t) << x;
  }
}

TEST(TempCsv, AMistypedDateInFieldZeroIsRefused) {
  auto r = Decode("temp-csv", "2025-13-01T00:00:00Z,pi-1,40,20\n2025-11-24T16:00,pi-1,40,20\n");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].item, "time");
  EXPECT_EQ(r.errors[1].item, "time");
}

TEST(TempCsv, BadRecordsAreRefusedAndOthersPass) {
  auto r = Decode("temp-csv",
                  "x,pi-1,40,20\n"
                  "x,pi-2,40\n"
                  "x,pi 3,40,20\n"
                  "x,pi-4,abc,20\n"
                  "x,pi-5,40,91\n"
                  "x,pi-6,140,20\n"
                  "x,pi-7,40,nan\n"
                  "x,pi-8,,20\n"
                  "\n"
                  "x,pi-9,41,21\n");
  EXPECT_EQ(r.records, 9u);
  ASSERT_EQ(r.readings.size(), 4u);
  EXPECT_EQ(r.readings[0].box, "pi-1");
  EXPECT_EQ(r.readings[2].box, "pi-9");
  ASSERT_EQ(r.errors.size(), 7u);
  EXPECT_EQ(r.errors[0].line, 2u);
  EXPECT_EQ(r.errors[0].item, "record");
  EXPECT_EQ(r.errors[1].item, "id");
  EXPECT_EQ(r.errors[1].column, 3u);
  EXPECT_EQ(r.errors[2].item, "humidity");
  EXPECT_EQ(r.errors[2].column, 8u);
  EXPECT_EQ(r.errors[3].item, "temperature");
  EXPECT_NE(r.errors[3].message.find("outside the physical range -40..85"), std::string::npos)
      << r.errors[3].message;
  EXPECT_EQ(r.errors[4].item, "humidity");
  EXPECT_EQ(r.errors[5].item, "temperature");
  EXPECT_EQ(r.errors[6].message, "missing value");
  EXPECT_EQ(r.errors[6].line, 8u);
  EXPECT_EQ(r.errors[6].offset, std::string_view("x,pi-1,40,20\nx,pi-2,40\nx,pi 3,40,20\n"
                                                 "x,pi-4,abc,20\nx,pi-5,40,91\nx,pi-6,140,20\n"
                                                 "x,pi-7,40,nan\nx,pi-8,")
                                    .size());
}

TEST(TempCsv, EncodesPairsAndRefusesWhatItCannotCarry) {
  auto r = Decode("temp-csv", "2025-11-24T15:00:00Z,pi-1,40.5,20.25\n");
  ASSERT_EQ(r.readings.size(), 2u);
  EXPECT_EQ(testing::Encode("temp-csv", r.readings), "2025-11-24T15:00:00Z,pi-1,40.5,20.25\n");
  std::vector<EncodeError> errors;
  std::vector<Reading> lone = {r.readings[1]};
  EXPECT_EQ(testing::Encode("temp-csv", lone, &errors), "");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("needs both humidity and temperature"), std::string::npos);
}

}  // namespace
}  // namespace coolflow::reading
