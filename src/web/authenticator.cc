#include "web/authenticator.h"

#include <algorithm>
#include <cstdlib>

#include "fmt/format.h"
#include "web/password.h"
#include "web/request.h"

namespace coolflow::web {
namespace {

constexpr size_t kSessionIdBytes = 32;
constexpr size_t kCacheKeyBytes = 32;
// Longer Authorization values are refused unread: no legitimate credential is this long.
constexpr size_t kMaxAuthorizationLength = 4096;

std::string NewCacheKey() {
  Result<std::string> key = RandomBytes(kCacheKeyBytes);
  // Without randomness nothing here is safe: crash rather than run with a known key.
  if (!key.ok()) std::abort();
  return *key;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

AuthVerdict Failure(std::string scheme, std::string reason) {
  AuthVerdict v;
  v.outcome = AuthOutcome::kBadCredentials;
  v.scheme = std::move(scheme);
  v.reason = std::move(reason);
  return v;
}

AuthVerdict Success(std::string scheme, const UserRecord& record) {
  AuthVerdict v;
  v.outcome = AuthOutcome::kAuthenticated;
  v.scheme = std::move(scheme);
  v.user = User{record.name, record.role};
  return v;
}

std::string VerifiedKey(std::string_view name, std::string_view password) {
  std::string data(name);
  data.push_back('\0');
  data.append(password);
  return data;
}

}  // namespace

Authenticator::Authenticator(std::vector<UserRecord> users, AuthOptions options, const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      cache_key_(NewCacheKey()),
      limiter_(options_.rate_limit, clock) {
  ReplaceUsers(std::move(users));
}

void Authenticator::ReplaceUsers(std::vector<UserRecord> users) {
  MutexLock lock(mu_);
  accounts_.clear();
  for (UserRecord& u : users)
    accounts_.push_back(Account{std::move(u), {}});
  dummy_hash_.clear();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = FindAccount(it->second.user) == nullptr ? sessions_.erase(it) : std::next(it);
  }
}

const Authenticator::Account* Authenticator::FindAccount(std::string_view name) const {
  for (const Account& a : accounts_) {
    if (a.record.name == name) return &a;
  }
  return nullptr;
}

std::string Authenticator::DummyHash() {
  std::string model;
  {
    MutexLock lock(mu_);
    if (!dummy_hash_.empty()) return dummy_hash_;
    // The first user's hash sets the cost an unknown name must spend.
    for (const Account& a : accounts_) {
      if (!a.record.password_hash.empty()) {
        model = a.record.password_hash;
        break;
      }
    }
  }
  Result<std::string> hash =
      model.empty() ? HashPassword("not a password") : HashPasswordLike("not a password", model);
  if (!hash.ok()) return {};
  MutexLock lock(mu_);
  dummy_hash_ = *hash;
  return dummy_hash_;
}

AuthVerdict Authenticator::CheckPassword(std::string_view name, std::string_view password,
                                         std::string_view scheme) {
  const std::string verified = HmacSha256(cache_key_, VerifiedKey(name, password));
  std::string hash;
  {
    MutexLock lock(mu_);
    const Account* account = FindAccount(name);
    if (account != nullptr && !account->record.password_hash.empty()) {
      if (!account->verified.empty() && ConstantTimeEquals(account->verified, verified)) {
        return Success(std::string(scheme), account->record);
      }
      hash = account->record.password_hash;
    }
  }
  if (hash.empty()) {
    // Unknown user, or one without a password: spend the same time as a real check.
    const std::string dummy = DummyHash();
    (void)VerifyPassword(password, dummy);
    return Failure(std::string(scheme), "unknown user or wrong password");
  }
  if (!VerifyPassword(password, hash)) {
    return Failure(std::string(scheme), "unknown user or wrong password");
  }
  MutexLock lock(mu_);
  for (Account& a : accounts_) {
    // The users may have been replaced meanwhile: remember only against the same hash.
    if (a.record.name == name && a.record.password_hash == hash) {
      a.verified = verified;
      return Success(std::string(scheme), a.record);
    }
  }
  return Failure(std::string(scheme), "unknown user or wrong password");
}

AuthVerdict Authenticator::CheckToken(std::string_view token, std::string_view scheme) {
  const std::string hash = Sha256Hex(token);
  MutexLock lock(mu_);
  const Account* found = nullptr;
  // Every token is compared, so the time does not tell which one matched.
  for (const Account& a : accounts_) {
    for (const TokenRecord& t : a.record.tokens) {
      if (ConstantTimeEquals(t.sha256_hex, hash)) found = &a;
    }
  }
  if (found == nullptr) return Failure(std::string(scheme), "unknown API token");
  return Success(std::string(scheme), found->record);
}

AuthVerdict Authenticator::CheckAuthorization(std::string_view authorization) {
  if (authorization.size() > kMaxAuthorizationLength) {
    return Failure("", "Authorization header too long");
  }
  authorization = Trim(authorization);
  const size_t space = authorization.find(' ');
  const std::string_view scheme = authorization.substr(0, space);
  const std::string_view value =
      space == std::string_view::npos ? std::string_view() : Trim(authorization.substr(space));
  if (EqualsIgnoreCase(scheme, "Basic")) {
    Result<std::string> decoded = Base64Decode(value);
    if (!decoded.ok()) return Failure("basic", "malformed Basic credentials");
    const size_t colon = decoded->find(':');
    if (colon == std::string::npos) return Failure("basic", "malformed Basic credentials");
    const std::string_view text = *decoded;
    return CheckPassword(text.substr(0, colon), text.substr(colon + 1), "basic");
  }
  if (EqualsIgnoreCase(scheme, "Bearer")) {
    if (value.empty()) return Failure("bearer", "empty Bearer token");
    return CheckToken(value, "bearer");
  }
  if (EqualsIgnoreCase(scheme, "Token")) {
    if (value.empty()) return Failure("token", "empty Token");
    const size_t colon = value.find(':');
    if (colon != std::string_view::npos) {
      return CheckPassword(value.substr(0, colon), value.substr(colon + 1), "token");
    }
    return CheckToken(value, "token");
  }
  return Failure("", "unsupported Authorization scheme (use Basic, Bearer or Token)");
}

AuthVerdict Authenticator::CheckCookie(std::string_view cookie) {
  AuthVerdict none;
  const std::optional<std::string_view> id = CookieValue(cookie, options_.cookie_name);
  if (!id || id->empty()) return none;
  const std::string key = Sha256Hex(*id);
  const TimeNs now = clock_.Now();
  MutexLock lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end() || it->second.expires <= now) {
    if (it != sessions_.end()) sessions_.erase(it);
    none.scheme = "cookie";
    none.reason = "the session expired or is unknown; log in again";
    return none;
  }
  const Account* account = FindAccount(it->second.user);
  if (account == nullptr) {
    sessions_.erase(it);
    none.scheme = "cookie";
    none.reason = "the session's user is gone";
    return none;
  }
  AuthVerdict verdict = Success("cookie", account->record);
  verdict.csrf_token = CsrfToken(*id);
  return verdict;
}

std::string Authenticator::CsrfToken(std::string_view session_id) const {
  // Derived, not stored: an HMAC of the session id under the per-process key, so a page can
  // be given it and no one without the key can compute it from a cookie.
  std::string data = "csrf";
  data.push_back('\0');
  data.append(session_id);
  return Base64UrlEncode(HmacSha256(cache_key_, data));
}

AuthVerdict Authenticator::Counted(AuthVerdict verdict, std::string_view peer) {
  if (verdict.outcome == AuthOutcome::kBadCredentials) limiter_.RecordFailure(peer);
  return verdict;
}

AuthVerdict Authenticator::Authenticate(std::optional<std::string_view> authorization,
                                        std::optional<std::string_view> cookie,
                                        std::string_view peer_address) {
  if (authorization) {
    if (const TimeNs wait = limiter_.RetryAfter(peer_address); wait > 0) {
      AuthVerdict v;
      v.outcome = AuthOutcome::kRateLimited;
      v.reason = "too many failed attempts from this address; try again later";
      v.retry_after = wait;
      return v;
    }
    return Counted(CheckAuthorization(*authorization), peer_address);
  }
  if (cookie) return CheckCookie(*cookie);
  return {};
}

Authenticator::LoginResult Authenticator::Login(std::string_view name, std::string_view password,
                                                std::string_view peer_address) {
  LoginResult result;
  if (const TimeNs wait = limiter_.RetryAfter(peer_address); wait > 0) {
    result.verdict.outcome = AuthOutcome::kRateLimited;
    result.verdict.scheme = "login";
    result.verdict.reason = "too many failed attempts from this address; try again later";
    result.verdict.retry_after = wait;
    return result;
  }
  result.verdict = Counted(CheckPassword(name, password, "login"), peer_address);
  if (result.verdict.outcome != AuthOutcome::kAuthenticated) return result;
  Result<std::string> id = RandomToken(kSessionIdBytes);
  if (!id.ok()) {
    result.verdict = Failure("login", "cannot make a session id");
    return result;
  }
  const TimeNs now = clock_.Now();
  MutexLock lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.expires <= now ? sessions_.erase(it) : std::next(it);
  }
  while (!sessions_.empty() && sessions_.size() >= options_.max_sessions) {
    auto oldest = std::min_element(
        sessions_.begin(), sessions_.end(),
        [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
    sessions_.erase(oldest);
  }
  sessions_[Sha256Hex(*id)] = Session{result.verdict.user->name, now + options_.session_ttl};
  result.verdict.csrf_token = CsrfToken(*id);
  result.session_id = std::move(*id);
  return result;
}

void Authenticator::Logout(std::optional<std::string_view> cookie) {
  if (!cookie) return;
  const std::optional<std::string_view> id = CookieValue(*cookie, options_.cookie_name);
  if (!id) return;
  const std::string key = Sha256Hex(*id);
  MutexLock lock(mu_);
  sessions_.erase(key);
}

std::string Authenticator::SessionCookie(std::string_view session_id) const {
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", options_.cookie_name,
                     session_id, options_.session_ttl / kNanosPerSecond,
                     options_.secure_cookie ? "; Secure" : "");
}

std::string Authenticator::ClearedSessionCookie() const {
  return fmt::format("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{}", options_.cookie_name,
                     options_.secure_cookie ? "; Secure" : "");
}

std::optional<std::string_view> Authenticator::CookieValue(std::string_view cookie_header,
                                                           std::string_view name) {
  while (!cookie_header.empty()) {
    const size_t semi = cookie_header.find(';');
    const std::string_view pair = Trim(cookie_header.substr(0, semi));
    cookie_header =
        semi == std::string_view::npos ? std::string_view() : cookie_header.substr(semi + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (Trim(pair.substr(0, eq)) == name) {
      std::string_view value = Trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace coolflow::web
