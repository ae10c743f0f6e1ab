#include "web/users.h"

#include <gtest/gtest.h>

#include "web/password.h"

namespace coolflow::web {
namespace {

const std::string kHash =
    "pbkdf2-sha256$1000$c2FsdHNhbHQ=$E196ZhRPzw+wA84EjzHwJO1cv/MFJdO6C/sxmUeTYqY=";
const std::string kTokenHash(64, 'a');

TEST(UsersTest, ParsesUsersRolesAndTokens) {
  const std::string text =
      "users:\n"
      "  - name: alice\n"
      "    role: admin\n"
      "    password_hash: \"" +
      kHash +
      "\"\n"
      "  - name: telegraf\n"
      "    role: operator\n"
      "    tokens:\n"
      "      - name: rack-writer\n"
      "        sha256: " +
      kTokenHash + "\n";
  Result<std::vector<UserRecord>> users = ParseUsers(text, "users.yaml");
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].name, "alice");
  EXPECT_EQ((*users)[0].role, Role::kAdmin);
  EXPECT_EQ((*users)[0].password_hash, kHash);
  EXPECT_EQ((*users)[1].role, Role::kOperator);
  ASSERT_EQ((*users)[1].tokens.size(), 1u);
  EXPECT_EQ((*users)[1].tokens[0].name, "rack-writer");
  // FormatUsers writes what ParseUsers reads.
  Result<std::vector<UserRecord>> again = ParseUsers(FormatUsers(*users), "again.yaml");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)[1].tokens[0].sha256_hex, kTokenHash);
}

struct BadFile {
  std::string text;
  std::string expected;  // the whole error, or its start
};

TEST(UsersTest, ErrorsNameFileLineAndFieldAndNeverQuoteSecrets) {
  const std::vector<BadFile> cases = {
      {"users:\n  - name: a\n    role: root\n    password_hash: \"" + kHash + "\"\n",
       "users.yaml:3:11: users[0].role: unknown role"},
      {"users:\n  - name: a\n    role: viewer\n    password: hunter2\n",
       "users.yaml:4:15: users[0].password: passwords are never stored"},
      {"users:\n  - name: a\n    role: viewer\n    password_hash: hunter2\n",
       "users.yaml:4:20: users[0].password_hash: password hash must be Argon2id"},
      {"users:\n  - name: a\n    role: viewer\n",
       "users.yaml:2:5: users[0]: needs a password_hash"},
      {"users:\n  - name: \"a b\"\n    role: viewer\n",
       "users.yaml:2:11: users[0].name: names are"},
      {"users:\n  - role: viewer\n    password_hash: \"" + kHash + "\"\n",
       "users.yaml:2:5: users[0]"},
      {"users:\n  - {name: a, role: viewer, password_hash: \"" + kHash +
           "\"}\n  - {name: a, role: admin, password_hash: \"" + kHash + "\"}\n",
       "users.yaml:3:5: users[1]: user \"a\" is listed twice"},
      {"users:\n  - name: a\n    role: viewer\n    tokens:\n      - {name: t, sha256: abc}\n",
       "users.yaml:5:27: users[0].tokens[0].sha256: must be 64"},
      {"users:\n  - name: a\n    role: viewer\n    tokens:\n      - {name: t, token: cf_x}\n",
       "users.yaml:5:26: users[0].tokens[0].token: tokens are never stored"},
      {"userz: []\n", "users.yaml:1:1: userz: unknown key"},
  };
  for (const BadFile& c : cases) {
    SCOPED_TRACE(c.text);
    Result<std::vector<UserRecord>> users = ParseUsers(c.text, "users.yaml");
    ASSERT_FALSE(users.ok());
    EXPECT_TRUE(users.status().message().starts_with(c.expected)) << users.status().message();
    EXPECT_EQ(users.status().message().find("hunter2"), std::string::npos);
  }
}

TEST(UsersTest, AMissingFileIsNotFound) {
  EXPECT_EQ(LoadUsers("/definitely/not/users.yaml").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace coolflow::web
