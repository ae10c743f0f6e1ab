// `coolflow user` as an administrator meets it: the password comes from standard input and
// is stored only as an Argon2id hash, a token is printed once and stored as its SHA-256, and
// the file it writes loads and authenticates.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "run_coolflow.h"
#include "web/password.h"
#include "web/users.h"

namespace coolflow {
namespace {

using testing::CommandRun;
using testing::Coolflow;

class UserCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/users-" + std::to_string(::getpid()) + ".yaml";
    std::filesystem::remove(path_);
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_;
};

TEST_F(UserCommand, AddStoresOnlyAnArgon2HashThatVerifies) {
  CommandRun r = Coolflow("user add olga --role operator --users " + path_, "s3cret-pass\n");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string text = testing::Slurp(path_);
  EXPECT_EQ(text.find("s3cret-pass"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result<std::vector<web::UserRecord>> users = web::LoadUsers(path_);
  ASSERT_TRUE(users.ok()) << users.status().message();
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ((*users)[0].name, "olga");
  EXPECT_EQ((*users)[0].role, web::Role::kOperator);
  EXPECT_TRUE((*users)[0].password_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
  EXPECT_TRUE(web::VerifyPassword("s3cret-pass", (*users)[0].password_hash));

  // Adding her again is refused; --replace sets a new password and role.
  r = Coolflow("user add olga --users " + path_, "another-pass\n");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("exists; --replace"), std::string::npos) << r.err;
  r = Coolflow("user add olga --replace --role admin --users " + path_, "another-pass\n");
  ASSERT_EQ(r.status, 0) << r.err;
  users = web::LoadUsers(path_);
  ASSERT_TRUE(users.ok());
  EXPECT_EQ((*users)[0].role, web::Role::kAdmin);
  EXPECT_TRUE(web::VerifyPassword("another-pass", (*users)[0].password_hash));
}

TEST_F(UserCommand, TokenIsPrintedOnceAndStoredAsItsHash) {
  CommandRun r =
      Coolflow("user token telegraf --token-name rack-writer --role operator --users " + path_, "");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string token = r.out.substr(0, r.out.find('\n'));
  ASSERT_TRUE(token.starts_with("cf_")) << r.out;
  const std::string text = testing::Slurp(path_);
  EXPECT_EQ(text.find(token), std::string::npos);
  EXPECT_NE(text.find(web::Sha256Hex(token)), std::string::npos);
  r = Coolflow("user token telegraf --token-name rack-writer --users " + path_, "");
  EXPECT_EQ(r.status, 2);
  r = Coolflow("user list --users " + path_, "");
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("telegraf"), std::string::npos);
  EXPECT_NE(r.out.find("rack-writer"), std::string::npos);
  EXPECT_EQ(r.out.find(token), std::string::npos);
}

TEST_F(UserCommand, BadInputIsRefusedAndTheFileKept) {
  EXPECT_EQ(Coolflow("user add olga --role root --users " + path_, "s3cret-pass\n").status, 2);
  EXPECT_EQ(Coolflow("user add olga --users " + path_, "short\n").status, 2);
  EXPECT_EQ(Coolflow("user add olga --users " + path_, "").status, 2);
  EXPECT_EQ(Coolflow("user add 'a b' --users " + path_, "s3cret-pass\n").status, 2);
  EXPECT_FALSE(std::filesystem::exists(path_));
  ASSERT_EQ(Coolflow("user add olga --users " + path_, "s3cret-pass\n").status, 0);
  const std::string before = testing::Slurp(path_);
  CommandRun r = Coolflow("user remove olga --users " + path_, "");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("last user"), std::string::npos) << r.err;
  EXPECT_EQ(Coolflow("user remove nobody --users " + path_, "").status, 2);
  EXPECT_EQ(testing::Slurp(path_), before);
}

}  // namespace
}  // namespace coolflow
