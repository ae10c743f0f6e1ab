#include <gtest/gtest.h>

#include "format_test_util.h"

namespace coolflow::reading {
namespace {

using testing::Decode;

constexpr std::string_view kRecord =
    R"({"cp":"c1","timestamp":1763999940000,"ip":"10.0.0.7","deviceId":"pi-3","tx":1200000,)"
    R"("rx":"3400000","txDropped":0,"rxDropped":1,"txError":0,"rxError":0,"cpu":0.42,)"
    R"("memory":812344,"disk":37.5})";

TEST(ResourceJson, DecodesTheSeedRecord) {
  auto r = Decode("resource-json", kRecord);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  ASSERT_EQ(r.readings.size(), 9u);
  const Reading& tx = r.readings[0];
  EXPECT_EQ(tx.box, "pi-3");
  EXPECT_EQ(tx.measurement, "resource");
  EXPECT_EQ(tx.metric, "tx");
  EXPECT_EQ(std::get<uint64_t>(tx.value), 1200000u);
  EXPECT_EQ(tx.unit, Unit::kBytes);
  EXPECT_EQ(tx.time, 1'763'999'940'000'000'000);
  ASSERT_EQ(tx.tags.size(), 2u);
  EXPECT_EQ(tx.tags[0], (Tag{"cp", "c1"}));
  EXPECT_EQ(tx.tags[1], (Tag{"ip", "10.0.0.7"}));
  EXPECT_EQ(std::get<uint64_t>(r.readings[1].value), 3400000u);  // a numeric string
  EXPECT_EQ(r.readings[6].metric, "cpu");
  EXPECT_EQ(std::get<double>(r.readings[6].value), 0.42);
  EXPECT_EQ(r.readings[7].unit, Unit::kKibibytes);
  EXPECT_EQ(r.readings[8].unit, Unit::kPercent);
}

TEST(ResourceJson, RoundTrips) {
  auto r = Decode("resource-json", kRecord);
  const std::string again = testing::Encode("resource-json", r.readings);
  auto r2 = Decode("resource-json", again);
  ASSERT_TRUE(r2.errors.empty()) << again;
  EXPECT_EQ(r.readings, r2.readings);
}

// Found by fuzz_resource_json: a gauge written as a 20-digit whole number reads back.
TEST(ResourceJson, HugeGaugeRoundTrips) {
  auto r = Decode("resource-json",
                  R"({"timestamp":1764000000000,"ip":"10.0.0.7","deviceId":"pi-7","tx":0,"rx":0,)"
                  R"("txDropped":0,"rxDropped":0,"txError":0,"rxError":0,"cpu":0.5,)"
                  R"("memory":1.8446744073709552e19,"disk":0})");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  const std::string again = testing::Encode("resource-json", r.readings);
  auto r2 = Decode("resource-json", again);
  ASSERT_TRUE(r2.errors.empty()) << again;
  EXPECT_EQ(r.readings, r2.readings);
}

TEST(ResourceJson, RefusesBadRecordsWithTheField) {
  auto r = Decode(
      "resource-json",
      std::string(kRecord) + "\n" +
          R"({"timestamp":1,"ip":"x","deviceId":"pi-4"})"
          "\n" +
          R"({"timestamp":1763999940000,"ip":"x","deviceId":"pi-4","tx":-1,"rx":1,)"
          R"("txDropped":0,"rxDropped":0,"txError":0,"rxError":0,"cpu":1,"memory":1,"disk":101})"
          "\n"
          R"({"timestamp":1763999940000,"deviceId":"pi-4","bogus":1})"
          "\n"
          R"({"timestamp": 1763999940000, "ip":"x")"
          "\n"
          "[1,2]\n" +
          std::string(kRecord) + " trailing\n");
  EXPECT_EQ(r.records, 7u);
  EXPECT_EQ(r.readings.size(), 9u);
  ASSERT_EQ(r.errors.size(), 6u);
  EXPECT_EQ(r.errors[0].item, "tx");
  EXPECT_EQ(r.errors[0].message, "missing field 'tx'");
  EXPECT_EQ(r.errors[0].line, 2u);
  EXPECT_EQ(r.errors[1].item, "tx");
  EXPECT_EQ(r.errors[1].message, "counter -1 is negative");
  EXPECT_EQ(r.errors[2].item, "bogus");
  EXPECT_EQ(r.errors[3].item, "record");
  EXPECT_EQ(r.errors[4].item, "record");
  EXPECT_EQ(r.errors[5].item, "record");
  EXPECT_EQ(r.errors[5].line, 7u);
}

}  // namespace
}  // namespace coolflow::reading
