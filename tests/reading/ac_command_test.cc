#include "reading/ac_command.h"

#include <gtest/gtest.h>

namespace coolflow::reading {
namespace {

TEST(AcCommand, ParsesTheSeedCommand) {
  auto c = ParseAcCommand("name=ServerRoom_AC1&temperature=24&direction=-1");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "ServerRoom_AC1");
  EXPECT_EQ(c->temperature, 24);
  EXPECT_EQ(c->direction, -1);
  auto up = ParseAcCommand("direction=%2B1&temperature=25&name=AC%201");
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(up->name, "AC 1");
  EXPECT_EQ(up->direction, 1);
  auto plus = ParseAcCommand("name=a&temperature=25&direction=+1\n");
  ASSERT_TRUE(plus.ok()) << plus.status().ToString();
  EXPECT_EQ(plus->direction, 1);
  auto absolute = ParseAcCommand("name=a&temperature=22.5");
  ASSERT_TRUE(absolute.ok());
  EXPECT_EQ(absolute->direction, 0);
}

TEST(AcCommand, RefusesWithTheKey) {
  struct Case {
    const char* text;
    const char* starts_with;
  };
  for (const Case& c :
       {Case{"name=a&temperature=31", "temperature: setpoint 31"},
        Case{"name=a&temperature=17.5", "temperature: setpoint 17.5"},
        Case{"name=a&temperature=nan", "temperature: setpoint nan"},
        Case{"name=a&temperature=hot", "byte 19: temperature"},
        Case{"name=a&temperature=24&direction=2", "byte 32: direction"},
        Case{"name=a&temperature=24&fan=3", "byte 22: unknown key 'fan'"},
        Case{"name=a&name=b&temperature=24", "byte 7: name given twice"},
        Case{"temperature=24", "name: missing"}, Case{"name=a", "temperature: missing"},
        Case{"name=a&&temperature=24", "byte 7: expected key=value"},
        Case{"name=%zz&temperature=24", "byte 5: '%'"},
        Case{"name=&temperature=24", "name: empty"}}) {
    auto r = ParseAcCommand(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().message().rfind(c.starts_with, 0), 0u)
        << c.text << " -> " << r.status().message();
  }
  AcCommandLimits wide{10, 35};
  EXPECT_TRUE(ParseAcCommand("name=a&temperature=31", wide).ok());
}

TEST(AcCommand, QueryAndJsonFormsRoundTrip) {
  const AcCommand c{"Server Room/AC#1", 23.5, 1};
  auto back = ParseAcCommand(FormatAcCommand(c));
  ASSERT_TRUE(back.ok()) << FormatAcCommand(c);
  EXPECT_EQ(*back, c);
  auto from_json = ParseAcCommandJson(FormatAcCommandJson(c));
  ASSERT_TRUE(from_json.ok()) << FormatAcCommandJson(c);
  EXPECT_EQ(*from_json, c);
  EXPECT_EQ(FormatAcCommand({"AC1", 24, -1}), "name=AC1&temperature=24&direction=-1");
  EXPECT_FALSE(ParseAcCommandJson(R"({"name":"a","temperature":40})").ok());
  EXPECT_FALSE(ParseAcCommandJson(R"({"name":"a","temperature":20,"x":1})").ok());
  EXPECT_FALSE(ParseAcCommandJson("[1]").ok());
  // Found by fuzz_ac_command: no narrowing of direction, no invalid UTF-8 in a name.
  EXPECT_FALSE(
      ParseAcCommandJson(R"({"name":"AC1","temperature":24,"direction":4294967297})").ok());
  EXPECT_FALSE(ParseAcCommand("temperature=22&name=\xff").ok());
  auto twice = ParseAcCommandJson(R"({"name":"a","temperature":20,"temperature":29})");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), "temperature: given twice");
}

}  // namespace
}  // namespace coolflow::reading
