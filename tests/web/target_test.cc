#include "web/target.h"

#include <gtest/gtest.h>

namespace coolflow::web {
namespace {

TEST(TargetTest, DecodesPathAndQuery) {
  Result<Target> t = ParseTarget("/api/racks/r%201?from=-1h&x=a+b%26c&flag&&y=");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/api/racks/r 1");
  ASSERT_EQ(t->query.size(), 4u);
  EXPECT_EQ(t->query[0], (std::pair<std::string, std::string>{"from", "-1h"}));
  EXPECT_EQ(t->query[1], (std::pair<std::string, std::string>{"x", "a b&c"}));
  EXPECT_EQ(t->query[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(t->query[3], (std::pair<std::string, std::string>{"y", ""}));
  // '+' is a space in the query only.
  EXPECT_EQ(ParseTarget("/a+b")->path, "/a+b");
}

TEST(TargetTest, RefusesWhatCannotBeAPath) {
  EXPECT_FALSE(ParseTarget("").ok());
  EXPECT_FALSE(ParseTarget("*").ok());
  EXPECT_FALSE(ParseTarget("http://host/x").ok());
  EXPECT_FALSE(ParseTarget("/a%2").ok());
  EXPECT_FALSE(ParseTarget("/a%zz").ok());
  EXPECT_FALSE(ParseTarget("/a%00b").ok());
  EXPECT_FALSE(ParseTarget("/a?x=%00").ok());
  EXPECT_FALSE(ParseTarget(std::string("/a\x01", 3)).ok());
}

TEST(TargetTest, CredentialParameters) {
  for (const char* name : {"p", "password", "token", "access_token", "api_key", "PASSWORD"}) {
    EXPECT_TRUE(IsCredentialParameter(name)) << name;
  }
  for (const char* name : {"u", "db", "precision", "q", "from"}) {
    EXPECT_FALSE(IsCredentialParameter(name)) << name;
  }
}

}  // namespace
}  // namespace coolflow::web
