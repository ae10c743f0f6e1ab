// Every reading format reads back what it writes, and the formats agree with each other.
#include <gtest/gtest.h>

#include "format_test_util.h"
#include "reading/line_protocol.h"

namespace coolflow::reading {
namespace {

using testing::Decode;
using testing::Encode;
using testing::kNow;

std::vector<Reading> Sample() {
  std::vector<Reading> out;
  auto add = [&](std::string measurement, std::string metric, Value v, TagSet tags, TimeNs t) {
    Reading r;
    r.box = "pi-1";
    r.measurement = std::move(measurement);
    r.metric = std::move(metric);
    r.value = std::move(v);
    r.tags = std::move(tags);
    r.time = t;
    FillCatalogUnit(r);
    out.push_back(std::move(r));
  };
  add("temp", "humidity", 41.25, {}, kNow - 2000);
  add("temp", "temperature", 23.5, {}, kNow - 2000);
  add("temp", "humidity", 40.0, {}, kNow - 1000);
  add("temp", "temperature", -0.5, {}, kNow - 1000);
  add("power", "power", 351.7, {{"phase", "L1"}, {"rack", "r 01,x=y"}}, kNow);
  add("power", "current", 1.6, {{"phase", "L1"}, {"rack", "r 01,x=y"}}, kNow);
  add("snmp", "net_in_octets", uint64_t{18446744073709551000u}, {}, kNow);
  add("snmp", "uptime", int64_t{123456}, {}, kNow);
  add("state", "door_open", true, {}, kNow);
  add("state", "note", std::string("fan \"B\" noisy\\"), {}, kNow);
  return out;
}

TEST(RoundTrip, LineProtocolAndJsonCarryEverything) {
  const auto in = Sample();
  for (const char* format : {"line-protocol", "json"}) {
    std::vector<EncodeError> errors;
    const std::string text = Encode(format, in, &errors);
    ASSERT_TRUE(errors.empty()) << format << ": " << errors[0].message;
    auto back = Decode(format, text);
    ASSERT_TRUE(back.errors.empty()) << format << ": " << back.errors[0].ToString() << "\n" << text;
    EXPECT_EQ(back.readings, in) << format << "\n" << text;
  }
}

TEST(RoundTrip, LineProtocolGroupsFieldsOfOneSeriesAndTime) {
  const std::string text = Encode("line-protocol", Sample());
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "temp,box=pi-1 humidity=41.25,temperature=23.5 1763999999999998000");
  EXPECT_NE(text.find("power,box=pi-1,phase=L1,rack=r\\ 01\\,x\\=y power=351.7,current=1.6 "),
            std::string::npos)
      << text;
}

TEST(RoundTrip, LineProtocolNeverRepeatsAFieldOnALine) {
  auto readings =
      testing::Decode("json", R"({"box":"b","measurement":"m","metric":"t","value":20})"
                              "\n"
                              R"({"box":"b","measurement":"m","metric":"t","value":20.5})")
          .readings;
  ASSERT_EQ(readings.size(), 2u);
  readings[1].time = readings[0].time;
  const std::string text = Encode("line-protocol", readings);
  EXPECT_EQ(text, "m,box=b t=20 1764000000000000000\nm,box=b t=20.5 1764000000000000000\n");
  auto back = Decode("line-protocol", text);
  EXPECT_TRUE(back.errors.empty());
  EXPECT_EQ(back.readings, readings);
}

TEST(RoundTrip, SeedCsvThroughLineProtocolAndBack) {
  const std::string csv = "2025-11-24T15:59:00Z,7,45.5,23.4\n2025-11-24T15:59:10Z,8,50,24.1\n";
  auto readings = Decode("temp-csv", csv).readings;
  const std::string lp = Encode("line-protocol", readings);
  EXPECT_EQ(lp,
            "temp,box=7 humidity=45.5,temperature=23.4 1763999940000000000\n"
            "temp,box=8 humidity=50,temperature=24.1 1763999950000000000\n");
  EXPECT_EQ(Encode("temp-csv", Decode("line-protocol", lp).readings), csv);
}

TEST(RoundTrip, SeriesKeyPlacesTheBoxAmongSortedTags) {
  Reading r;
  r.measurement = "power";
  r.box = "pi-1";
  r.tags = {{"aisle", "a"}, {"rack", "r 1"}};
  EXPECT_EQ(SeriesKey(r), "power,aisle=a,box=pi-1,rack=r\\ 1");
  r.tags.clear();
  EXPECT_EQ(SeriesKey(r), "power,box=pi-1");
}

}  // namespace
}  // namespace coolflow::reading
