#include "web/authenticator.h"

#include <gtest/gtest.h>

#include "web/password.h"

namespace coolflow::web {
namespace {

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    token_ = *NewApiToken();
    AuthOptions options;
    options.rate_limit.max_failures = 2;
    options.rate_limit.window = 10 * kNanosPerSecond;
    options.session_ttl = kNanosPerHour;
    options.max_sessions = 3;
    auth_ = std::make_unique<Authenticator>(
        std::vector<UserRecord>{
            {"alice", Role::kAdmin, *HashPassword("pw-alice", kTestPasswordCost), {}},
            {"bot", Role::kOperator, "", {{"t", token_.sha256_hex}}}},
        options, clock_);
  }
  static std::string Basic(const std::string& user_password) {
    return "Basic " + Base64Encode(user_password);
  }

  ManualClock clock_{1'000 * kNanosPerSecond};
  ApiToken token_;
  std::unique_ptr<Authenticator> auth_;
};

TEST_F(AuthenticatorTest, Schemes) {
  AuthVerdict v = auth_->Authenticate(Basic("alice:pw-alice"), std::nullopt, "10.0.0.1");
  ASSERT_EQ(v.outcome, AuthOutcome::kAuthenticated);
  EXPECT_EQ(v.user->name, "alice");
  EXPECT_EQ(v.scheme, "basic");
  EXPECT_EQ(auth_->Authenticate("bearer " + token_.token, std::nullopt, "p").user->name, "bot");
  EXPECT_EQ(auth_->Authenticate("Token " + token_.token, std::nullopt, "p").user->role,
            Role::kOperator);
  EXPECT_EQ(auth_->Authenticate("Token alice:pw-alice", std::nullopt, "p").user->name, "alice");
  EXPECT_EQ(auth_->Authenticate(std::nullopt, std::nullopt, "p").outcome, AuthOutcome::kNone);
}

TEST_F(AuthenticatorTest, BadCredentialsNeverQuoteThem) {
  for (const std::string& header :
       {Basic("alice:nope-secret"), Basic("nope-secret"), std::string("Basic !!nope-secret"),
        std::string("Bearer nope-secret"), std::string("Bearer"), std::string("Weird nope-secret"),
        Basic("bot:nope-secret"), std::string(5000, 'x')}) {
    const AuthVerdict v = auth_->Authenticate(header, std::nullopt, "peer-" + header.substr(0, 9));
    EXPECT_EQ(v.outcome, AuthOutcome::kBadCredentials) << header;
    EXPECT_FALSE(v.reason.empty());
    EXPECT_EQ(v.reason.find("nope-secret"), std::string::npos);
  }
}

TEST_F(AuthenticatorTest, RateLimitPerPeerAndItAgesOut) {
  EXPECT_EQ(auth_->Authenticate(Basic("alice:x"), std::nullopt, "1.1.1.1").outcome,
            AuthOutcome::kBadCredentials);
  EXPECT_EQ(auth_->Login("alice", "y", "1.1.1.1").verdict.outcome, AuthOutcome::kBadCredentials);
  const AuthVerdict limited = auth_->Authenticate(Basic("alice:pw-alice"), std::nullopt, "1.1.1.1");
  EXPECT_EQ(limited.outcome, AuthOutcome::kRateLimited);
  EXPECT_EQ(limited.retry_after, 10 * kNanosPerSecond);
  // Another peer is not affected.
  EXPECT_EQ(auth_->Authenticate(Basic("alice:pw-alice"), std::nullopt, "2.2.2.2").outcome,
            AuthOutcome::kAuthenticated);
  clock_.Advance(10 * kNanosPerSecond);
  EXPECT_EQ(auth_->Authenticate(Basic("alice:pw-alice"), std::nullopt, "1.1.1.1").outcome,
            AuthOutcome::kAuthenticated);
}

TEST_F(AuthenticatorTest, SessionsExpireAreBoundedAndEndAtLogout) {
  Authenticator::LoginResult login = auth_->Login("alice", "pw-alice", "p");
  ASSERT_EQ(login.verdict.outcome, AuthOutcome::kAuthenticated);
  const std::string cookie = "a=b; coolflow_session=" + login.session_id;
  EXPECT_EQ(auth_->Authenticate(std::nullopt, cookie, "p").user->name, "alice");
  clock_.Advance(kNanosPerHour);
  AuthVerdict expired = auth_->Authenticate(std::nullopt, cookie, "p");
  EXPECT_EQ(expired.outcome, AuthOutcome::kNone);
  EXPECT_FALSE(expired.reason.empty());

  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(auth_->Login("alice", "pw-alice", "p").session_id);
    clock_.Advance(kNanosPerSecond);
  }
  // max_sessions is 3: the oldest went.
  EXPECT_EQ(auth_->Authenticate(std::nullopt, "coolflow_session=" + ids[0], "p").outcome,
            AuthOutcome::kNone);
  EXPECT_EQ(auth_->Authenticate(std::nullopt, "coolflow_session=" + ids[3], "p").outcome,
            AuthOutcome::kAuthenticated);
  auth_->Logout("coolflow_session=" + ids[3]);
  EXPECT_EQ(auth_->Authenticate(std::nullopt, "coolflow_session=" + ids[3], "p").outcome,
            AuthOutcome::kNone);
}

TEST_F(AuthenticatorTest, ReplacingUsersEndsSessionsOfUsersThatAreGone) {
  const std::string id = auth_->Login("alice", "pw-alice", "p").session_id;
  auth_->ReplaceUsers({{"bot", Role::kViewer, "", {{"t", token_.sha256_hex}}}});
  EXPECT_EQ(auth_->Authenticate(std::nullopt, "coolflow_session=" + id, "p").outcome,
            AuthOutcome::kNone);
  EXPECT_EQ(auth_->Authenticate("Bearer " + token_.token, std::nullopt, "p").user->role,
            Role::kViewer);
  EXPECT_EQ(auth_->Authenticate(Basic("alice:pw-alice"), std::nullopt, "p").outcome,
            AuthOutcome::kBadCredentials);
}

TEST_F(AuthenticatorTest, Cookies) {
  EXPECT_EQ(Authenticator::CookieValue("a=1; b=2;c=\"3\"", "c"), "3");
  EXPECT_EQ(Authenticator::CookieValue("a=1; b=2", "b"), "2");
  EXPECT_FALSE(Authenticator::CookieValue("ab=1", "a").has_value());
  const std::string set = auth_->SessionCookie("xyz");
  EXPECT_EQ(set, "coolflow_session=xyz; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict");
}

}  // namespace
}  // namespace coolflow::web
