// Runs the real `coolflow` binary the way a user checks a sensor feed.
#include <gtest/gtest.h>

#include <string>

#include "run_coolflow.h"

namespace coolflow {
namespace {

using testing::CommandRun;
using testing::Coolflow;

TEST(ReadingsConvert, CleanFeedExitsZero) {
  CommandRun r = Coolflow("readings convert --from temp-csv --to line-protocol",
                          "2025-11-24T15:59:00Z,pi-1,45.5,23.4\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "temp,box=pi-1 humidity=45.5,temperature=23.4 1763999940000000000\n");
  EXPECT_NE(r.err.find("1 records, 0 refused, 2 readings written"), std::string::npos) << r.err;
}

TEST(ReadingsConvert, RefusedRecordsGoToStderrWithLineAndColumn) {
  CommandRun r = Coolflow("readings convert --from lp --to json",
                          "temp,box=pi-1 temperature=23.5 1763999940000000000\n"
                          "temp,box=pi-1 temperature=99 1763999940000000000\n"
                          "nonsense\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("\"value\":23.5"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("stdin:2:27: (byte 77) temperature: 99 Cel is outside the physical range"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("stdin:3:9: (byte 108) fields: missing fields"), std::string::npos) << r.err;
}

TEST(ReadingsConvert, AcCommandsToJsonAndBack) {
  CommandRun r =
      Coolflow("readings convert --from ac-command --to json",
               "name=ServerRoom_AC1&temperature=24&direction=-1\nname=x&temperature=40\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out,
            "{\"command\":\"set_ac\",\"name\":\"ServerRoom_AC1\",\"temperature\":24.0,"
            "\"direction\":-1}\n");
  EXPECT_NE(r.err.find("stdin:2: temperature: setpoint 40"), std::string::npos) << r.err;
  CommandRun back = Coolflow("readings convert --from json --to ac-command", r.out);
  EXPECT_EQ(back.status, 0) << back.err;
  EXPECT_EQ(back.out, "name=ServerRoom_AC1&temperature=24&direction=-1\n");
  CommandRun same = Coolflow("readings convert --from ac-command --to ac-command",
                             "direction=-1&name=ServerRoom_AC1&temperature=24\n");
  EXPECT_EQ(same.status, 0) << same.err;
  EXPECT_EQ(same.out, "name=ServerRoom_AC1&temperature=24&direction=-1\n");
}

TEST(ReadingsConvert, BadUsageExitsTwo) {
  EXPECT_EQ(Coolflow("readings convert --from nope --to json", "").status, 2);
  EXPECT_EQ(Coolflow("readings convert --from json", "").status, 2);
  EXPECT_EQ(Coolflow("readings convert --from json --to lp --precision h2", "").status, 2);
  EXPECT_EQ(Coolflow("readings convert --from ac-command --to lp", "").status, 2);
  EXPECT_EQ(Coolflow("no-such-command", "").status, 2);
}

TEST(ReadingsConvert, VersionAndHelp) {
  CommandRun v = Coolflow("version", "");
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("coolflow ", 0), 0u);
  CommandRun h = Coolflow("--help", "");
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("readings"), std::string::npos);
}

TEST(ReadingsConvert, InfluxDb16ModeRefusesUnsigned) {
  const std::string line = "m,box=b f=1u 1763999940000000000\n";
  EXPECT_EQ(Coolflow("readings convert --from lp --to lp", line).status, 0);
  CommandRun r = Coolflow("readings convert --from lp --to lp --influxdb-1.6", line);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("invalid number"), std::string::npos);
}

}  // namespace
}  // namespace coolflow
