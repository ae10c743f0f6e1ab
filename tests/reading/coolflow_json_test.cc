#include <gtest/gtest.h>

#include "format_test_util.h"

namespace coolflow::reading {
namespace {

using testing::Decode;
using testing::kNow;

TEST(CoolflowJson, DecodesOneReading) {
  auto r = Decode("json",
                  R"({"box":"pi-1","measurement":"temp","metric":"temperature","value":23.5,)"
                  R"("unit":"Cel","time":"2025-11-24T15:59:00Z","seq":42,"tags":{"rack":"r01"}})");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  ASSERT_EQ(r.readings.size(), 1u);
  const Reading& x = r.readings[0];
  EXPECT_EQ(x.box, "pi-1");
  EXPECT_EQ(x.metric, "temperature");
  EXPECT_EQ(std::get<double>(x.value), 23.5);
  EXPECT_EQ(x.unit, Unit::kCelsius);
  EXPECT_EQ(x.time, kNow - 60 * kNanosPerSecond);
  EXPECT_EQ(x.seq, 42u);
  EXPECT_EQ(x.tags, (TagSet{{"rack", "r01"}}));
}

TEST(CoolflowJson, BatchDefaultsAndSequenceNumbers) {
  const std::string line =
      R"({"box":"pi-2","measurement":"temp","time":1763999940000000000,"seq":100,)"
      R"("tags":{"rack":"r02","zone":"a"},"readings":[)"
      R"({"metric":"temperature","value":21},)"
      R"({"metric":"humidity","value":140},)"
      R"({"metric":"humidity","value":40,"tags":{"zone":"b"}},)"
      R"({"measurement":"power","metric":"power","value":350,"seq":7}]})";
  auto r = Decode("json", line);
  EXPECT_EQ(r.records, 4u);
  ASSERT_EQ(r.readings.size(), 3u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].item, "humidity");
  EXPECT_EQ(r.errors[0].column, line.find("140") + 1);
  EXPECT_EQ(r.readings[0].seq, 100u);
  EXPECT_EQ(r.readings[0].time, 1763999940000000000);
  EXPECT_EQ(r.readings[0].box, "pi-2");
  EXPECT_EQ(std::get<double>(r.readings[0].value), 21.0);  // JSON numbers are floats
  EXPECT_EQ(r.readings[1].seq, 102u);
  EXPECT_EQ(r.readings[1].tags, (TagSet{{"rack", "r02"}, {"zone", "b"}}));
  EXPECT_EQ(r.readings[2].measurement, "power");
  EXPECT_EQ(r.readings[2].seq, 7u);
  EXPECT_EQ(r.readings[2].unit, Unit::kWatt);
}

TEST(CoolflowJson, TypeHintsAndValueKinds) {
  auto r = Decode("json",
                  R"({"box":"b","measurement":"m","metric":"u","value":5,"type":"unsigned"})"
                  "\n"
                  R"({"box":"b","measurement":"m","metric":"f","value":5,"type":"float"})"
                  "\n"
                  R"({"box":"b","measurement":"m","metric":"s","value":"on"})"
                  "\n"
                  R"({"box":"b","measurement":"m","metric":"t","value":true})"
                  "\n"
                  R"({"box":"b","measurement":"m","metric":"big","value":18446744073709551615})");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  ASSERT_EQ(r.readings.size(), 5u);
  EXPECT_EQ(std::get<uint64_t>(r.readings[0].value), 5u);
  EXPECT_EQ(std::get<double>(r.readings[1].value), 5.0);
  EXPECT_EQ(std::get<std::string>(r.readings[2].value), "on");
  EXPECT_EQ(std::get<bool>(r.readings[3].value), true);
  EXPECT_EQ(std::get<uint64_t>(r.readings[4].value), UINT64_MAX);
  EXPECT_EQ(r.readings[0].time, kNow);  // no time: arrival
}

TEST(CoolflowJson, RefusesWithItemAndPosition) {
  auto r =
      Decode("json",
             R"({"box":"b","measurement":"m","metric":"x"})"
             "\n"
             R"({"box":"b","measurement":"m","metric":"x","value":1,"colour":"red"})"
             "\n"
             R"({"box":"b","measurement":"m","metric":"x","value":1,"unit":"furlong"})"
             "\n"
             R"({"box":"b","measurement":"m","metric":"temperature","value":1,"unit":"W"})"
             "\n"
             R"({"box":"b","measurement":"m","metric":"x","value":1,"time":"2030-01-01T00:00:00Z"})"
             "\n"
             R"({"box":"-b","measurement":"m","metric":"x","value":1})"
             "\n"
             R"({"box":"b","measurement":"m","metric":"x","value":-1,"type":"unsigned"})"
             "\n"
             R"({"box":"b","measurement":"m","metric":"x","value":1,"readings":[]})"
             "\n"
             R"({"box":"b","readings":[]})"
             "\n"
             R"({"box":"b","measurement":"m","metric":"x","value":[1]})"
             "\n"
             R"({"box":"b",)"
             "\n"
             R"({"box":"b","measurement":"m","metric":"x","value":1} {})"
             "\n");
  EXPECT_TRUE(r.readings.empty());
  ASSERT_EQ(r.errors.size(), 12u);
  const char* items[] = {"value", "colour",   "unit",     "temperature", "time",   "box",
                         "value", "readings", "readings", "value",       "record", "record"};
  for (size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(r.errors[i].item, items[i]) << i << ": " << r.errors[i].ToString();
    EXPECT_EQ(r.errors[i].line, i + 1);
  }
  EXPECT_EQ(r.errors[0].message, "missing field 'value'");
  EXPECT_EQ(r.errors[1].column, 53u);  // the unknown key's quote
  EXPECT_EQ(r.errors[2].message, "unknown unit 'furlong'");
  EXPECT_EQ(
      r.errors[2].column,
      std::string_view(R"({"box":"b","measurement":"m","metric":"x","value":1,"unit":)").size() +
          1);
}

TEST(CoolflowJson, NumbersAreFloatsUnlessCountersOrHinted) {
  auto r =
      Decode("json", R"({"box":"b","measurement":"m","metric":"humidity","value":41})"
                     "\n"
                     R"({"box":"b","measurement":"m","metric":"tx","value":41})"
                     "\n"
                     R"({"box":"b","measurement":"m","metric":"n","value":-3,"type":"integer"})"
                     "\n"
                     R"({"box":"b","measurement":"m","metric":"n","value":9007199254740993})");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  EXPECT_EQ(std::get<double>(r.readings[0].value), 41.0);
  EXPECT_EQ(std::get<uint64_t>(r.readings[1].value), 41u);
  EXPECT_EQ(std::get<int64_t>(r.readings[2].value), -3);
  EXPECT_EQ(std::get<int64_t>(r.readings[3].value), 9007199254740993);  // beyond 2^53
}

TEST(CoolflowJson, ClearMessagesForMalformedLines) {
  const std::string ok = R"({"box":"b","measurement":"m","metric":"x","value":1})";
  auto r = Decode("json", ok + " trailing\n[1,2]\n" +
                              R"({"box":"b","box":"c","measurement":"m","metric":"x","value":1})" +
                              "\n" + R"({"box":"b","measurement":"m","metric":"time","value":1})" +
                              "\n" + R"({"box":"b","measurement":"#m","metric":"x","value":1})");
  ASSERT_EQ(r.errors.size(), 5u);
  EXPECT_EQ(r.errors[0].message, "unexpected text after the JSON object");
  EXPECT_EQ(r.errors[0].column, ok.size() + 2);
  EXPECT_EQ(r.errors[1].message, "expected a JSON object");
  EXPECT_EQ(r.errors[2].message, "'box' given twice");
  EXPECT_EQ(r.errors[2].column, 12u);
  EXPECT_EQ(r.errors[3].item, "metric");
  EXPECT_EQ(r.errors[4].item, "measurement");
}

TEST(CoolflowJson, RoundTripsEveryValueKind) {
  std::vector<Reading> in(5);
  for (size_t i = 0; i < in.size(); ++i) {
    in[i].box = "pi-1";
    in[i].measurement = "m";
    in[i].metric = "v" + std::to_string(i);
    in[i].time = kNow - static_cast<TimeNs>(i);
    in[i].seq = i;
    in[i].tags = {{"rack", "r \"1\""}, {"zone", "ü"}};
  }
  in[0].value = 0.1;
  in[1].value = int64_t{-5};
  in[2].value = uint64_t{UINT64_MAX};
  in[3].value = false;
  in[4].value = std::string("line\nbreak \"quoted\" \\");
  in[0].unit = Unit::kWatt;
  const std::string text = testing::Encode("json", in);
  auto r = Decode("json", text);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString() << "\n" << text;
  EXPECT_EQ(r.readings, in);
}

}  // namespace
}  // namespace coolflow::reading
