// Who is asking: checks a request's credentials against users.yaml, keeps login sessions,
// and refuses peers that fail too often.
//
// Credentials, in the order they are looked for:
//   Authorization: Basic base64(user:password)
//   Authorization: Bearer <api token>
//   Authorization: Token <api token>       (InfluxDB 2 clients)
//   Authorization: Token <user>:<password>  (InfluxDB 1.8 clients)
//   Cookie: <cookie_name>=<session id>      (set by Login, i.e. POST /api/login)
// An Authorization header is decisive: a bad one fails even when a good cookie is present.
// An unknown or expired session cookie counts as no credentials (a stale cookie must not lock
// a browser out of public pages) and is not a failure.
//
// Password checks cost an Argon2id hash (see password.h); a password verified once is remembered as
// an HMAC under a per-process random key (one per user, compared in constant time), so an InfluxDB
// client sending Basic credentials with every request pays the hash once. API tokens and session
// ids are kept only as SHA-256 hashes. Failures (bad password, unknown user or token, malformed
// header) are counted per peer address; a peer over the limit gets kRateLimited for every
// credential until its failures age out, whatever it sends.
//
// No message this class returns quotes a credential.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/thread_annotations.h"
#include "web/rate_limiter.h"
#include "web/role.h"
#include "web/users.h"

namespace coolflow::web {

struct AuthOptions {
  std::string cookie_name = "coolflow_session";
  TimeNs session_ttl = 12 * kNanosPerHour;  // a session ends this long after its login
  size_t max_sessions = 10'000;             // the oldest go first
  bool secure_cookie = false;               // add "Secure" (set when served behind TLS)
  // Origins (scheme://host[:port]) besides the server's own that may send changing requests
  // and open WebSockets, e.g. the public address of a reverse proxy that rewrites Host.
  std::vector<std::string> allowed_origins{};
  FailureRateLimiter::Options rate_limit{};  // failed credentials per peer address
};

enum class AuthOutcome {
  kNone,            // no credentials (or a stale session cookie)
  kAuthenticated,   // `user` is set
  kBadCredentials,  // unknown user or token, wrong password, malformed header: counted
  kRateLimited,     // the peer failed too often; see retry_after
};

struct AuthVerdict {
  AuthOutcome outcome = AuthOutcome::kNone;
  std::optional<User> user{};
  std::string scheme;  // "basic", "bearer", "token", "cookie", "login" or "" (none)
  std::string reason;  // why it failed, fit for a response body (names no credential)
  TimeNs retry_after = 0;
  // For a session (cookie or login): the value its changing requests must send in the
  // X-CSRF-Token header (see CsrfToken).
  std::string csrf_token{};
};

class Authenticator {
 public:
  explicit Authenticator(std::vector<UserRecord> users, AuthOptions options = {},
                         const Clock& clock = SystemClock::Instance());
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // Replaces the users (a reloaded users.yaml). Sessions of users that are gone end; the others
  // keep going with the user's new role.
  void ReplaceUsers(std::vector<UserRecord> users) COOLFLOW_EXCLUDES(mu_);

  // Checks a request's Authorization and Cookie header values (nullopt: absent), from
  // `peer_address` (an IP address, the rate limit's key).
  AuthVerdict Authenticate(std::optional<std::string_view> authorization,
                           std::optional<std::string_view> cookie, std::string_view peer_address)
      COOLFLOW_EXCLUDES(mu_);

  // Checks `name` and `password` and opens a session: on success `session_id` is the cookie's
  // value (random, 256 bits).
  struct LoginResult {
    AuthVerdict verdict{};
    std::string session_id{};
  };
  LoginResult Login(std::string_view name, std::string_view password, std::string_view peer_address)
      COOLFLOW_EXCLUDES(mu_);
  // Ends the session named in the Cookie header value, if any.
  void Logout(std::optional<std::string_view> cookie) COOLFLOW_EXCLUDES(mu_);

  // The anti-CSRF token of a session: requests that change something (POST, PUT, PATCH,
  // DELETE) and authenticate with the session cookie must carry it in an X-CSRF-Token header.
  // A page learns it from POST /api/login or GET /api/session; a cross-site page can neither
  // read it nor compute it. Base64url, 43 characters.
  std::string CsrfToken(std::string_view session_id) const;

  // Set-Cookie values that set and clear the session cookie.
  std::string SessionCookie(std::string_view session_id) const;
  std::string ClearedSessionCookie() const;

  // The value of cookie `name` in a Cookie header value.
  static std::optional<std::string_view> CookieValue(std::string_view cookie_header,
                                                     std::string_view name);

  const AuthOptions& options() const { return options_; }

 private:
  struct Account {
    UserRecord record;
    std::string verified;  // HMAC of the last password verified for this user, or empty
  };
  struct Session {
    std::string user;
    TimeNs expires = 0;
  };

  // Checks name + password (the slow hash outside the lock). `scheme` names the source in the
  // verdict.
  AuthVerdict CheckPassword(std::string_view name, std::string_view password,
                            std::string_view scheme) COOLFLOW_EXCLUDES(mu_);
  AuthVerdict CheckToken(std::string_view token, std::string_view scheme) COOLFLOW_EXCLUDES(mu_);
  AuthVerdict CheckAuthorization(std::string_view authorization) COOLFLOW_EXCLUDES(mu_);
  AuthVerdict CheckCookie(std::string_view cookie) COOLFLOW_EXCLUDES(mu_);
  // Counts a failure of `peer` when `verdict` is one.
  AuthVerdict Counted(AuthVerdict verdict, std::string_view peer);
  const Account* FindAccount(std::string_view name) const COOLFLOW_REQUIRES(mu_);
  // A hash with the iterations of the users' hashes, for unknown names to cost the same.
  std::string DummyHash() COOLFLOW_EXCLUDES(mu_);

  const AuthOptions options_;
  const Clock& clock_;
  const std::string cache_key_;  // random, for the verified-password HMACs
  FailureRateLimiter limiter_;
  Mutex mu_;
  std::vector<Account> accounts_ COOLFLOW_GUARDED_BY(mu_);
  std::string dummy_hash_ COOLFLOW_GUARDED_BY(mu_);
  // SHA-256 hex of the session id -> session.
  std::map<std::string, Session, std::less<>> sessions_ COOLFLOW_GUARDED_BY(mu_);
};

}  // namespace coolflow::web
