#include "reading/validate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "format_test_util.h"

namespace coolflow::reading {
namespace {

using testing::kNow;

Reading Good() {
  Reading r;
  r.box = "pi-1";
  r.measurement = "temp";
  r.metric = "temperature";
  r.time = kNow;
  r.value = 22.0;
  r.unit = Unit::kCelsius;
  return r;
}

std::string ItemOf(const Reading& r, ValidationOptions options = {}) {
  auto v = Validate(r, kNow, options);
  return v ? v->item : "";
}

TEST(Validate, AcceptsAGoodReading) {
  EXPECT_EQ(ItemOf(Good()), "");
}

TEST(Validate, PhysicalRangesAndFiniteness) {
  Reading r = Good();
  r.value = 85.0;
  EXPECT_EQ(ItemOf(r), "");
  r.value = 85.1;
  EXPECT_EQ(ItemOf(r), "temperature");
  r.value = -40.5;
  EXPECT_EQ(ItemOf(r), "temperature");
  ValidationOptions no_ranges;
  no_ranges.check_ranges = false;
  EXPECT_EQ(ItemOf(r, no_ranges), "");
  r.value = std::nan("");
  EXPECT_EQ(ItemOf(r, no_ranges), "temperature");
  r = Good();
  r.metric = "humidity";
  r.unit = Unit::kRelativeHumidity;
  r.value = 100.5;
  EXPECT_EQ(ItemOf(r), "humidity");
  r.metric = "tx";
  r.unit = Unit::kBytes;
  r.value = int64_t{-1};
  EXPECT_EQ(ItemOf(r), "tx");
  r.metric = "vendor_specific";
  r.unit = Unit::kNone;
  r.value = -1e300;
  EXPECT_EQ(ItemOf(r), "");
}

TEST(Validate, UnitMustFitTheMetric) {
  Reading r = Good();
  r.unit = Unit::kWatt;
  EXPECT_EQ(ItemOf(r), "temperature");
  r.unit = Unit::kNone;
  FillCatalogUnit(r);
  EXPECT_EQ(r.unit, Unit::kCelsius);
  r.value = std::string("warm");
  EXPECT_EQ(ItemOf(r), "temperature");
}

TEST(Validate, TimeWindow) {
  Reading r = Good();
  r.time = kNow + 5 * kNanosPerMinute;
  EXPECT_EQ(ItemOf(r), "");
  r.time += 1;
  EXPECT_EQ(ItemOf(r), "time");
  ValidationOptions lenient;
  lenient.max_future = kNanosPerMinute * 60;
  EXPECT_EQ(ItemOf(r, lenient), "");
  r.time = 86'400 * kNanosPerSecond;  // 1970-01-02: a Pi whose clock is not set
  auto v = Validate(r, kNow, {});
  ASSERT_TRUE(v);
  EXPECT_NE(v->message.find("clock"), std::string::npos);
}

TEST(Validate, IdsAndNames) {
  EXPECT_TRUE(ValidateBoxId("pi-1").ok());
  EXPECT_TRUE(ValidateBoxId("10.0.0.7").ok());
  EXPECT_TRUE(ValidateBoxId("Rack_07.pdu-a").ok());
  EXPECT_FALSE(ValidateBoxId("").ok());
  EXPECT_FALSE(ValidateBoxId("-pi").ok());
  EXPECT_FALSE(ValidateBoxId("pi 1").ok());
  EXPECT_FALSE(ValidateBoxId("pi/1").ok());
  EXPECT_FALSE(ValidateBoxId(std::string(65, 'a')).ok());
  EXPECT_TRUE(ValidateName("온도 센서").ok());
  EXPECT_FALSE(ValidateName("a\\b").ok());
  EXPECT_FALSE(ValidateName("a\tb").ok());
  EXPECT_FALSE(ValidateName("\xC3\x28").ok());      // broken UTF-8
  EXPECT_FALSE(ValidateName("\xC0\xAF").ok());      // overlong
  EXPECT_FALSE(ValidateName("\xED\xA0\x80").ok());  // surrogate
  Reading r = Good();
  r.tags = {{"box", "pi-2"}};
  EXPECT_EQ(ItemOf(r), "tags");
}

}  // namespace
}  // namespace coolflow::reading
