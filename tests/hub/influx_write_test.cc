#include "hub/influx_write.h"

#include <gtest/gtest.h>

#include <string>

#include "gzip_util.h"

namespace coolflow::hub {
namespace {

TEST(WriteQueryTest, ReadsInfluxDbsParameters) {
  auto query = ParseWriteQuery(
      {{"db", "senics"}, {"rp", "autogen"}, {"precision", "s"}, {"consistency", "one"}});
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  EXPECT_EQ(query->database, "senics");
  EXPECT_EQ(query->retention_policy, "autogen");
  EXPECT_EQ(query->precision, Precision::kSeconds);
  EXPECT_EQ(ParseWriteQuery({{"db", "x"}, {"precision", "h"}})->precision, Precision::kHours);
  EXPECT_EQ(ParseWriteQuery({{"db", "x"}})->precision, Precision::kNanoseconds);
}

TEST(WriteQueryTest, RefusesWhatInfluxDbRefusesAndCredentialsInTheUrl) {
  EXPECT_EQ(ParseWriteQuery({}).status().message(), "database is required");
  EXPECT_EQ(ParseWriteQuery({{"db", ""}}).status().message(), "database is required");
  EXPECT_EQ(ParseWriteQuery({{"db", "x"}, {"precision", "weeks"}}).status().code(),
            StatusCode::kInvalidArgument);
  const Status secret = ParseWriteQuery({{"db", "x"}, {"u", "hub"}, {"p", "hunter2"}}).status();
  EXPECT_EQ(secret.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(secret.message().find("hunter2"), std::string::npos);
}

TEST(GunzipTest, InflatesAndRefusesDamageAndBombs) {
  const std::string text = "temp,box=pi-1 temperature=23.5 1764000000000000000\n";
  EXPECT_EQ(*Gunzip(Gzip(text), 1 << 20), text);
  EXPECT_EQ(Gunzip("not gzip at all", 1 << 20).status().code(), StatusCode::kInvalidArgument);
  const std::string zipped = Gzip(text);
  EXPECT_EQ(Gunzip(zipped.substr(0, zipped.size() / 2), 1 << 20).status().code(),
            StatusCode::kInvalidArgument);
  const std::string bomb = Gzip(std::string(10 << 20, 'a'));
  EXPECT_LT(bomb.size(), 100'000u);
  EXPECT_EQ(Gunzip(bomb, 1 << 20).status().code(), StatusCode::kOutOfRange);
}

TEST(AnswerWriteTest, AnswersAsInfluxDbDoes) {
  InputReport all;
  all.records = 3;
  all.stored = 3;
  EXPECT_EQ(AnswerWrite(Status::Ok(), all).status, 204);
  InputReport partial;
  partial.records = 3;
  partial.stored = 2;
  partial.refused = 1;
  partial.errors = {"line 2, column 27 (byte 60): missing field value"};
  const WriteAnswer p = AnswerWrite(Status::Ok(), partial);
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.error, "partial write: line 2, column 27 (byte 60): missing field value dropped=1");
  InputReport none;
  none.records = 1;
  none.refused = 1;
  none.errors = {"line 1: bad"};
  EXPECT_EQ(AnswerWrite(Status::Ok(), none).error, "unable to parse: line 1: bad");
  EXPECT_EQ(AnswerWrite(IOError("wal: fsync failed"), InputReport{}).status, 500);
}

}  // namespace
}  // namespace coolflow::hub
