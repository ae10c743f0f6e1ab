// Authentication and roles through the server: Basic, Bearer, Token, the session cookie,
// refusals (401, 403, 429), credentials in the query, CSRF and cross-origin requests, the
// audit log, and no secret in the log.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "test_client.h"
#include "web/http_server.h"
#include "web/password.h"

namespace coolflow::web {
namespace {

using testing::Curl;
using testing::HttpReply;
using testing::LogCapture;
using testing::RawConnection;

constexpr char kAlicePassword[] = "correct horse battery staple";
constexpr char kVictorPassword[] = "viewer-Pa55word!";

class AuthHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<ApiToken> token = NewApiToken();
    ASSERT_TRUE(token.ok());
    token_ = *token;
    UserRecord alice{"alice", Role::kAdmin, *HashPassword(kAlicePassword, kTestPasswordCost), {}};
    UserRecord victor{
        "victor", Role::kViewer, *HashPassword(kVictorPassword, kTestPasswordCost), {}};
    UserRecord telegraf{"telegraf", Role::kOperator, "", {{"rack-writer", token_.sha256_hex}}};
    AuthOptions auth_options;
    auth_options.rate_limit.max_failures = 3;
    auth_options.rate_limit.window = kNanosPerMinute;
    auth_options.allowed_origins = {"https://room.example"};
    authenticator_ = std::make_shared<Authenticator>(
        std::vector<UserRecord>{alice, victor, telegraf}, auth_options, clock_);

    audit_path_ = std::filesystem::temp_directory_path() /
                  fmt::format("web-audit-{}-{}.log", ::getpid(),
                              ::testing::UnitTest::GetInstance()->random_seed());
    std::filesystem::remove(audit_path_);
    Result<std::unique_ptr<AuditLog>> audit = AuditLog::Open({.file = audit_path_});
    ASSERT_TRUE(audit.ok()) << audit.status().message();
    audit_ = std::move(*audit);

    HttpServer::Options options;
    options.authenticator = authenticator_;
    options.audit = audit_;
    options.logger = log_.logger;
    server_ = std::make_unique<HttpServer>(options);
    const auto who = [](const Request& r) {
      return Response::Text(r.user ? fmt::format("{}:{}", r.user->name, RoleName(r.user->role))
                                   : "anonymous");
    };
    ASSERT_TRUE(
        server_->HandleSync(Method::kGet, "/api/view", {.min_role = Role::kViewer}, who).ok());
    ASSERT_TRUE(
        server_->HandleSync(Method::kPost, "/write", {.min_role = Role::kOperator}, who).ok());
    ASSERT_TRUE(
        server_->HandleSync(Method::kPost, "/api/users", {.min_role = Role::kAdmin}, who).ok());
    ASSERT_TRUE(
        server_->HandleSync(Method::kGet, "/public", {.min_role = Role::kAnonymous}, who).ok());
    ASSERT_TRUE(server_
                    ->HandleSync(Method::kPost, "/ingest",
                                 {.min_role = Role::kOperator, .audit = false}, who)
                    .ok());
    ASSERT_TRUE(server_
                    ->HandleSync(Method::kPut, "/api/setpoint", {.min_role = Role::kOperator},
                                 [](const Request&) {
                                   Response r = Response::Text("ok");
                                   r.audit = "ac-1 setpoint 22 -> 24 C";
                                   return r;
                                 })
                    .ok());
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    server_.reset();
    std::filesystem::remove(audit_path_);
  }

  // Logs alice in: her session cookie ("coolflow_session=...") and CSRF token.
  std::pair<std::string, std::string> LoginAlice() {
    const HttpReply login =
        Curl({.method = "POST",
              .url = Url("/api/login"),
              .body = fmt::format(R"({{"user":"alice","password":"{}"}})", kAlicePassword)});
    EXPECT_EQ(login.status, 200);
    const std::string set_cookie = login.Header("set-cookie");
    const nlohmann::json body = nlohmann::json::parse(login.body, nullptr, false);
    if (!body.is_object() || !body.contains("csrf_token")) return {};
    return {set_cookie.substr(0, set_cookie.find(';')), body["csrf_token"].get<std::string>()};
  }

  std::string Origin() const { return fmt::format("http://127.0.0.1:{}", server_->port()); }

  std::string Url(const std::string& path) const {
    return fmt::format("http://127.0.0.1:{}{}", server_->port(), path);
  }

  // Every secret the tests send; none may reach the log.
  std::vector<std::string> Secrets() const {
    return {kAlicePassword, kVictorPassword, token_.token, "wrong-password-123",
            Base64Encode(std::string("alice:") + kAlicePassword)};
  }

  ManualClock clock_{1'700'000'000 * kNanosPerSecond};
  std::filesystem::path audit_path_;
  std::shared_ptr<AuditLog> audit_;
  ApiToken token_;
  std::shared_ptr<Authenticator> authenticator_;
  LogCapture log_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(AuthHttpTest, BasicAuthenticatesAndWrongPasswordIs401WithChallenge) {
  const HttpReply ok =
      Curl({.url = Url("/api/view"), .user_password = std::string("alice:") + kAlicePassword});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "alice:admin");
  // Again: the remembered verification answers the same.
  EXPECT_EQ(
      Curl({.url = Url("/api/view"), .user_password = std::string("alice:") + kAlicePassword}).body,
      "alice:admin");
  const HttpReply bad =
      Curl({.url = Url("/api/view"), .user_password = "alice:wrong-password-123"});
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.Header("www-authenticate"), "Basic realm=\"coolflow\", charset=\"UTF-8\"");
  EXPECT_EQ(bad.body, R"({"error":"unknown user or wrong password"})");
  EXPECT_EQ(Curl({.url = Url("/api/view"), .user_password = "mallory:x"}).status, 401);
  EXPECT_EQ(server_->metrics().auth_failures("bad_credentials", "basic"), 2u);
}

TEST_F(AuthHttpTest, MissingCredentialsAre401AndPublicRoutesStayOpen) {
  const HttpReply r = Curl({.url = Url("/api/view")});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Header("www-authenticate"), "Bearer realm=\"coolflow\"");
  EXPECT_EQ(r.body, R"({"error":"authentication required"})");
  EXPECT_EQ(Curl({.url = Url("/public")}).body, "anonymous");
  EXPECT_EQ(server_->metrics().auth_failures("missing"), 1u);
}

TEST_F(AuthHttpTest, BearerAndTokenSchemesTakeApiTokensAndInfluxPasswords) {
  EXPECT_EQ(Curl({.method = "POST",
                  .url = Url("/write"),
                  .headers = {"Authorization: Bearer " + token_.token}})
                .body,
            "telegraf:operator");
  EXPECT_EQ(Curl({.method = "POST",
                  .url = Url("/write"),
                  .headers = {"Authorization: Token " + token_.token}})
                .body,
            "telegraf:operator");
  EXPECT_EQ(Curl({.method = "POST",
                  .url = Url("/write"),
                  .headers = {std::string("Authorization: Token alice:") + kAlicePassword}})
                .body,
            "alice:admin");
  const HttpReply bad =
      Curl({.method = "POST", .url = Url("/write"), .headers = {"Authorization: Bearer cf_nope"}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.body, R"({"error":"unknown API token"})");
  EXPECT_EQ(Curl({.url = Url("/api/view"), .headers = {"Authorization: Digest x"}}).status, 401);
}

TEST_F(AuthHttpTest, RoleTooLowIs403) {
  const HttpReply r = Curl({.method = "POST",
                            .url = Url("/write"),
                            .user_password = std::string("victor:") + kVictorPassword});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"error":"role operator needed; victor has role viewer"})");
  EXPECT_EQ(Curl({.method = "POST",
                  .url = Url("/api/users"),
                  .headers = {"Authorization: Bearer " + token_.token}})
                .status,
            403);
  EXPECT_EQ(server_->metrics().auth_failures("forbidden"), 2u);
}

TEST_F(AuthHttpTest, CredentialsInTheQueryAreRefused) {
  for (const char* query : {"?p=secret", "?u=alice&p=secret", "?token=abc", "?access_token=abc",
                            "?api_key=abc", "?Password=x"}) {
    SCOPED_TRACE(query);
    const HttpReply r = Curl({.url = Url(std::string("/public") + query)});
    EXPECT_EQ(r.status, 401);
    EXPECT_NE(r.body.find("send them in the Authorization header"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("secret"), std::string::npos);
  }
  EXPECT_EQ(Curl({.url = Url("/public?u=alice&db=senics")}).status, 200);
  EXPECT_EQ(server_->metrics().auth_failures("credentials_in_query"), 6u);
}

TEST_F(AuthHttpTest, LoginSetsASessionCookieAndLogoutEndsIt) {
  const HttpReply login =
      Curl({.method = "POST",
            .url = Url("/api/login"),
            .body = fmt::format(R"({{"user":"alice","password":"{}"}})", kAlicePassword)});
  ASSERT_EQ(login.status, 200);
  const nlohmann::json body = nlohmann::json::parse(login.body);
  EXPECT_EQ(body["user"], "alice");
  EXPECT_EQ(body["role"], "admin");
  const std::string csrf = body["csrf_token"].get<std::string>();
  EXPECT_EQ(csrf.size(), 43u);
  const std::string set_cookie = login.Header("set-cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(set_cookie.find("Path=/"), std::string::npos);
  ASSERT_TRUE(set_cookie.starts_with("coolflow_session="));
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  EXPECT_EQ(Curl({.url = Url("/api/view"), .headers = {"Cookie: theme=dark; " + cookie}}).body,
            "alice:admin");
  EXPECT_EQ(Curl({.url = Url("/api/session"), .headers = {"Cookie: " + cookie}}).body,
            fmt::format(R"({{"csrf_token":"{}","role":"admin","user":"alice"}})", csrf));
  const HttpReply logout = Curl({.method = "POST",
                                 .url = Url("/api/logout"),
                                 .headers = {"Cookie: " + cookie, "X-CSRF-Token: " + csrf}});
  EXPECT_EQ(logout.status, 204);
  EXPECT_NE(logout.Header("set-cookie").find("Max-Age=0"), std::string::npos);
  const HttpReply after = Curl({.url = Url("/api/view"), .headers = {"Cookie: " + cookie}});
  EXPECT_EQ(after.status, 401);
  EXPECT_NE(after.body.find("log in again"), std::string::npos);
  // A stale cookie does not lock anyone out of public pages.
  EXPECT_EQ(Curl({.url = Url("/public"), .headers = {"Cookie: " + cookie}}).status, 200);
}

TEST_F(AuthHttpTest, SessionsExpire) {
  const HttpReply login =
      Curl({.method = "POST",
            .url = Url("/api/login"),
            .body = fmt::format(R"({{"user":"victor","password":"{}"}})", kVictorPassword)});
  ASSERT_EQ(login.status, 200);
  const std::string set_cookie = login.Header("set-cookie");
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  EXPECT_EQ(Curl({.url = Url("/api/view"), .headers = {"Cookie: " + cookie}}).status, 200);
  clock_.Advance(13 * kNanosPerHour);
  EXPECT_EQ(Curl({.url = Url("/api/view"), .headers = {"Cookie: " + cookie}}).status, 401);
}

TEST_F(AuthHttpTest, BadLoginsAre401AndMalformedOnes400) {
  const HttpReply bad = Curl({.method = "POST",
                              .url = Url("/api/login"),
                              .body = R"({"user":"alice","password":"wrong-password-123"})"});
  EXPECT_EQ(bad.status, 401);
  EXPECT_TRUE(bad.Header("set-cookie").empty());
  EXPECT_EQ(Curl({.method = "POST", .url = Url("/api/login"), .body = "user=alice"}).status, 400);
  EXPECT_EQ(Curl({.method = "POST", .url = Url("/api/login"), .body = R"({"user":1,"password":2})"})
                .status,
            400);
  EXPECT_EQ(server_->metrics().auth_failures("bad_credentials", "login"), 1u);
}

TEST_F(AuthHttpTest, FailuresAreRateLimitedPerPeer) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Curl({.url = Url("/api/view"), .user_password = "alice:wrong-password-123"}).status,
              401);
  }
  // Over the limit: even the right password is refused, and so is a login.
  const HttpReply limited =
      Curl({.url = Url("/api/view"), .user_password = std::string("alice:") + kAlicePassword});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Header("retry-after"), "60");
  const HttpReply login =
      Curl({.method = "POST",
            .url = Url("/api/login"),
            .body = fmt::format(R"({{"user":"alice","password":"{}"}})", kAlicePassword)});
  EXPECT_EQ(login.status, 429);
  EXPECT_EQ(server_->metrics().auth_failures("rate_limited"), 2u);
  clock_.Advance(61 * kNanosPerSecond);
  EXPECT_EQ(Curl({.url = Url("/api/view"), .user_password = std::string("alice:") + kAlicePassword})
                .status,
            200);
}

TEST_F(AuthHttpTest, NoSecretReachesTheLog) {
  // Every kind of credential, right and wrong, in headers, bodies and query strings.
  (void)Curl({.url = Url("/api/view"), .user_password = std::string("alice:") + kAlicePassword});
  (void)Curl({.url = Url("/api/view"), .user_password = "alice:wrong-password-123"});
  (void)Curl({.url = Url("/api/view"), .headers = {"Authorization: Bearer " + token_.token}});
  (void)Curl({.url = Url("/public?p=" + std::string("wrong-password-123"))});
  (void)Curl({.url = Url("/public?token=" + token_.token)});
  const HttpReply login =
      Curl({.method = "POST",
            .url = Url("/api/login"),
            .body = fmt::format(R"({{"user":"victor","password":"{}"}})", kVictorPassword)});
  const std::string set_cookie = login.Header("set-cookie");
  const std::string session =
      set_cookie.substr(set_cookie.find('=') + 1, set_cookie.find(';') - set_cookie.find('=') - 1);
  ASSERT_GT(session.size(), 20u);
  (void)Curl({.url = Url("/api/view"), .headers = {"Cookie: coolflow_session=" + session}});
  (void)Curl({.method = "POST",
              .url = Url("/api/login"),
              .body = R"({"user":"wrong-password-123","password":"wrong-password-123"})"});
  // A malformed request quoting a secret in its head.
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.Send(std::string("GET /api/view HTTP/1.1\r\nAuthorization: Bearer ") +
                       token_.token + "\r\nbroken header\r\n\r\n"));
  EXPECT_EQ(raw.ReadReply().status, 400);
  server_->Stop();
  const std::string log = log_.Text();
  ASSERT_FALSE(log.empty());
  std::vector<std::string> secrets = Secrets();
  secrets.push_back(session);
  for (const std::string& secret : secrets) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "leaked: " << secret << "\n" << log;
  }
}

TEST_F(AuthHttpTest, ReplacedUsersTakeEffectAtOnce) {
  const std::string basic = std::string("alice:") + kAlicePassword;
  ASSERT_EQ(Curl({.url = Url("/api/view"), .user_password = basic}).status, 200);
  UserRecord demoted{"alice", Role::kViewer, *HashPassword(kAlicePassword, kTestPasswordCost), {}};
  authenticator_->ReplaceUsers({demoted});
  EXPECT_EQ(Curl({.url = Url("/api/view"), .user_password = basic}).body, "alice:viewer");
  EXPECT_EQ(Curl({.method = "POST",
                  .url = Url("/write"),
                  .headers = {"Authorization: Bearer " + token_.token}})
                .status,
            401);
}

TEST_F(AuthHttpTest, SessionChangesNeedTheirCsrfToken) {
  const auto [cookie, csrf] = LoginAlice();
  ASSERT_FALSE(csrf.empty());
  // Reads need no token.
  EXPECT_EQ(Curl({.url = Url("/api/view"), .headers = {"Cookie: " + cookie}}).status, 200);
  // A change with the cookie alone is what a forged cross-site form sends: refused.
  const HttpReply forged =
      Curl({.method = "POST", .url = Url("/write"), .headers = {"Cookie: " + cookie}});
  EXPECT_EQ(forged.status, 403);
  EXPECT_NE(forged.body.find("X-CSRF-Token"), std::string::npos);
  EXPECT_EQ(Curl({.method = "POST",
                  .url = Url("/write"),
                  .headers = {"Cookie: " + cookie, "X-CSRF-Token: " + csrf + "x"}})
                .status,
            403);
  const HttpReply ok = Curl({.method = "POST",
                             .url = Url("/write"),
                             .headers = {"Cookie: " + cookie, "X-CSRF-Token: " + csrf}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "alice:admin");
  // Another session has another token.
  const auto [cookie2, csrf2] = LoginAlice();
  EXPECT_NE(csrf2, csrf);
  EXPECT_EQ(Curl({.method = "POST",
                  .url = Url("/write"),
                  .headers = {"Cookie: " + cookie2, "X-CSRF-Token: " + csrf}})
                .status,
            403);
  // Header credentials are not sent by a browser on its own: no token needed.
  EXPECT_EQ(Curl({.method = "POST",
                  .url = Url("/write"),
                  .headers = {"Authorization: Bearer " + token_.token}})
                .status,
            200);
  EXPECT_EQ(server_->metrics().auth_failures("csrf", "cookie"), 3u);
}

TEST_F(AuthHttpTest, ChangesFromForeignOriginsAreRefused) {
  const std::string bearer = "Authorization: Bearer " + token_.token;
  auto post = [&](const std::string& origin) {
    return Curl({.method = "POST", .url = Url("/write"), .headers = {bearer, "Origin: " + origin}});
  };
  EXPECT_EQ(post(Origin()).status, 200);
  EXPECT_EQ(post("https://room.example").status, 200);  // allowed_origins
  const HttpReply evil = post("http://evil.example");
  EXPECT_EQ(evil.status, 403);
  EXPECT_NE(evil.body.find("cross-origin"), std::string::npos);
  EXPECT_EQ(post("null").status, 403);
  EXPECT_EQ(post("http://127.0.0.1:1").status, 403);  // same host, another port
  // A login from another site's page would sign the victim in as the attacker.
  EXPECT_EQ(Curl({.method = "POST",
                  .url = Url("/api/login"),
                  .body = fmt::format(R"({{"user":"alice","password":"{}"}})", kAlicePassword),
                  .headers = {"Origin: http://evil.example"}})
                .status,
            403);
  // Reads may come from anywhere (the browser keeps the answer from a foreign page).
  EXPECT_EQ(
      Curl({.url = Url("/api/view"), .headers = {bearer, "Origin: http://evil.example"}}).status,
      200);
  EXPECT_EQ(server_->metrics().auth_failures("cross_origin", "bearer"), 3u);
}

TEST_F(AuthHttpTest, AuditLogRecordsChangesAndRefusalsButNoSecrets) {
  const std::string basic = std::string("alice:") + kAlicePassword;
  const std::string victor = std::string("victor:") + kVictorPassword;
  const auto [cookie, csrf] = LoginAlice();
  EXPECT_EQ(Curl({.method = "PUT",
                  .url = Url("/api/setpoint"),
                  .headers = {"Cookie: " + cookie, "X-CSRF-Token: " + csrf}})
                .status,
            200);
  EXPECT_EQ(Curl({.method = "PUT", .url = Url("/api/setpoint"), .user_password = victor}).status,
            403);
  EXPECT_EQ(Curl({.method = "PUT", .url = Url("/api/setpoint?note=hunter2")}).status, 401);
  EXPECT_EQ(Curl({.method = "POST",
                  .url = Url("/api/login"),
                  .body = R"({"user":"alice","password":"wrong-password-123"})"})
                .status,
            401);
  // Not audited: reads, and routes that opt out (bulk data).
  EXPECT_EQ(Curl({.url = Url("/api/view"), .user_password = basic}).status, 200);
  EXPECT_EQ(Curl({.method = "POST",
                  .url = Url("/ingest"),
                  .headers = {"Authorization: Bearer " + token_.token}})
                .status,
            200);

  const std::vector<AuditRecord> records = audit_->Recent(100);
  ASSERT_EQ(records.size(), 5u);  // newest first
  EXPECT_EQ(records[0].path, "/api/login");
  EXPECT_EQ(records[0].status, 401);
  EXPECT_EQ(records[0].detail, "failed login");
  EXPECT_EQ(records[1].path, "/api/setpoint");  // the query is not kept
  EXPECT_EQ(records[1].status, 401);
  EXPECT_TRUE(records[1].user.empty());
  EXPECT_EQ(records[2].user, "victor");
  EXPECT_EQ(records[2].role, "viewer");
  EXPECT_EQ(records[2].status, 403);
  EXPECT_EQ(records[2].detail, "refused: role operator needed; victor has role viewer");
  EXPECT_EQ(records[3].user, "alice");
  EXPECT_EQ(records[3].method, "PUT");
  EXPECT_EQ(records[3].detail, "ac-1 setpoint 22 -> 24 C");
  EXPECT_EQ(records[3].peer, "127.0.0.1");
  EXPECT_EQ(records[4].detail, "logged in as alice");

  // The file holds the same, one JSON line each, oldest first, and no secret.
  std::ifstream file(audit_path_);
  std::stringstream text;
  text << file.rdbuf();
  std::vector<std::string> lines;
  for (std::string line; std::getline(text, line);)
    lines.push_back(line);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[1], AuditLog::ToJson(records[3]));
  for (const std::string& secret :
       {std::string(kAlicePassword), std::string("hunter2"), std::string("wrong-password-123"),
        csrf, cookie.substr(cookie.find('=') + 1)}) {
    EXPECT_EQ(text.str().find(secret), std::string::npos) << secret;
  }

  // GET /api/audit: admins only.
  const HttpReply listed = Curl({.url = Url("/api/audit?limit=2"), .user_password = basic});
  ASSERT_EQ(listed.status, 200);
  const nlohmann::json json = nlohmann::json::parse(listed.body);
  ASSERT_EQ(json["records"].size(), 2u);
  EXPECT_EQ(json["records"][0]["detail"], "failed login");
  EXPECT_EQ(Curl({.url = Url("/api/audit"), .user_password = victor}).status, 403);
  EXPECT_EQ(Curl({.url = Url("/api/audit?limit=0"), .user_password = basic}).status, 400);
}

}  // namespace
}  // namespace coolflow::web
