#include "web/admission.h"

#include <cctype>

#include "fmt/format.h"
#include "web/password.h"
#include "web/target.h"

namespace coolflow::web {
namespace {

std::optional<std::string_view> FindHeader(const RequestHead& head, std::string_view name) {
  for (const auto& [key, value] : head.headers) {
    if (EqualsIgnoreCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

void Refuse(Admission& a, ServerMetrics* metrics, std::string_view reason, Response response) {
  if (metrics != nullptr && !reason.empty()) metrics->CountBadRequest(reason);
  a.refusal = std::move(response);
}

Response Unauthorized(std::string_view message, std::string_view scheme) {
  Response r = Response::Error(401, message);
  r.headers.emplace_back("WWW-Authenticate",
                         std::string(scheme == "basic" ? kBasicChallenge : kBearerChallenge));
  return r;
}

void AuthFailure(Admission& a, ServerMetrics* metrics, std::string_view reason,
                 std::string_view scheme, Response response) {
  if (metrics != nullptr) metrics->CountAuthFailure(reason, scheme);
  a.refusal = std::move(response);
}

bool Changes(std::string_view method) {
  return method != "GET" && method != "HEAD";
}

// "https://Host:8443" -> "host:8443"; nullopt for "null" or anything that is not an origin.
std::optional<std::string> OriginAuthority(std::string_view origin) {
  const size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const std::string_view scheme = origin.substr(0, scheme_end);
  if (!EqualsIgnoreCase(scheme, "http") && !EqualsIgnoreCase(scheme, "https")) return std::nullopt;
  const std::string_view authority = origin.substr(scheme_end + 3);
  if (authority.empty() || authority.find('/') != std::string_view::npos) return std::nullopt;
  std::string out(authority);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Where a changing request or a WebSocket comes from, as browsers say in Origin. Absent:
// not a browser's cross-site request (browsers always send it on those). Present: its host
// and port must be this server's (the Host header) or an allowed origin. This, with the
// SameSite=Strict session cookie, is what keeps another site's page from acting as the user.
std::optional<std::string> CrossOriginReason(const RequestHead& head,
                                             const Authenticator& authenticator) {
  const std::optional<std::string_view> origin = FindHeader(head, "Origin");
  if (!origin) return std::nullopt;
  for (const std::string& allowed : authenticator.options().allowed_origins) {
    if (EqualsIgnoreCase(allowed, *origin)) return std::nullopt;
  }
  const std::optional<std::string> authority = OriginAuthority(*origin);
  const std::optional<std::string_view> host = FindHeader(head, "Host");
  if (authority && host && EqualsIgnoreCase(*authority, *host)) return std::nullopt;
  return "cross-origin request refused: its Origin is neither this server (Host) nor an "
         "allowed origin";
}

}  // namespace

Admission Admit(const RequestHead& head, std::string_view peer, std::string_view peer_address,
                const Router& router, Authenticator* authenticator, size_t default_body_limit,
                ServerMetrics* metrics) {
  Admission a;
  a.label = "unmatched";
  Result<Target> target = ParseTarget(head.target);
  if (!target.ok()) {
    Refuse(a, metrics, bad_request::kBadTarget, Response::Error(400, target.status().message()));
    return a;
  }
  for (const auto& [name, value] : target->query) {
    if (IsCredentialParameter(name)) {
      AuthFailure(a, metrics, "credentials_in_query", "query",
                  Unauthorized(fmt::format("credentials in the URL are refused (query parameter "
                                           "\"{}\"); send them in the Authorization header",
                                           name.size() <= 32 ? name : name.substr(0, 32)),
                               ""));
      return a;
    }
  }

  const RouteMatch match = router.Find(head.method, target->path);
  if (match.kind == RouteMatch::Kind::kNotFound) {
    Refuse(a, metrics, bad_request::kNotFound, Response::Error(404, "no such path"));
    return a;
  }
  if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
    Response r = Response::Error(405, fmt::format("method not allowed; allowed: {}", match.allow));
    r.headers.emplace_back("Allow", match.allow);
    Refuse(a, metrics, bad_request::kMethodNotAllowed, std::move(r));
    return a;
  }
  const Route& route = *match.route;
  a.route = &route;
  a.label = route.label;
  if (route.websocket && !head.websocket_upgrade) {
    Response r = Response::Error(426, "this path speaks WebSocket; send an upgrade request");
    r.headers.emplace_back("Upgrade", "websocket");
    Refuse(a, metrics, bad_request::kUpgradeRequired, std::move(r));
    return a;
  }

  Request& request = a.request;
  if (authenticator == nullptr) {
    request.authentication_off = true;
  } else {
    const AuthVerdict verdict = authenticator->Authenticate(
        FindHeader(head, "Authorization"), FindHeader(head, "Cookie"), peer_address);
    switch (verdict.outcome) {
      case AuthOutcome::kRateLimited: {
        Response r = Response::Error(429, verdict.reason);
        const TimeNs seconds = (verdict.retry_after + kNanosPerSecond - 1) / kNanosPerSecond;
        r.headers.emplace_back("Retry-After", std::to_string(seconds));
        AuthFailure(a, metrics, "rate_limited", verdict.scheme, std::move(r));
        return a;
      }
      case AuthOutcome::kBadCredentials:
        AuthFailure(a, metrics, "bad_credentials", verdict.scheme,
                    Unauthorized(verdict.reason, verdict.scheme));
        return a;
      case AuthOutcome::kNone:
        if (route.options.min_role != Role::kAnonymous) {
          const std::string message = verdict.reason.empty()
                                          ? std::string("authentication required")
                                          : "authentication required: " + verdict.reason;
          AuthFailure(a, metrics, "missing", verdict.scheme, Unauthorized(message, ""));
          return a;
        }
        break;
      case AuthOutcome::kAuthenticated:
        request.user = verdict.user;  // also for the audit log of a refusal below
        if (verdict.scheme == "cookie" && Changes(head.method)) {
          // A browser sends the cookie by itself; only a page of ours knows the token.
          const std::optional<std::string_view> sent = FindHeader(head, "X-CSRF-Token");
          if (!sent || !ConstantTimeEquals(*sent, verdict.csrf_token)) {
            AuthFailure(a, metrics, "csrf", verdict.scheme,
                        Response::Error(403,
                                        "a change made with a session cookie needs its "
                                        "X-CSRF-Token header (from POST /api/login or GET "
                                        "/api/session)"));
            return a;
          }
        }
        if (!RoleAtLeast(verdict.user->role, route.options.min_role)) {
          AuthFailure(
              a, metrics, "forbidden", verdict.scheme,
              Response::Error(403, fmt::format("role {} needed; {} has role {}",
                                               RoleName(route.options.min_role), verdict.user->name,
                                               RoleName(verdict.user->role))));
          return a;
        }
        request.csrf_token = verdict.csrf_token;
        break;
    }
    if (Changes(head.method) || head.websocket_upgrade) {
      if (std::optional<std::string> reason = CrossOriginReason(head, *authenticator)) {
        AuthFailure(a, metrics, "cross_origin", verdict.scheme, Response::Error(403, *reason));
        return a;
      }
    }
  }

  a.body_limit =
      route.options.max_body_bytes > 0 ? route.options.max_body_bytes : default_body_limit;
  if (head.content_length && *head.content_length > a.body_limit) {
    Refuse(a, metrics, bad_request::kBodyTooLarge,
           Response::Error(413, fmt::format("body of {} bytes is over this route's limit of {}",
                                            *head.content_length, a.body_limit)));
    return a;
  }

  request.method = route.method;
  request.head = head.method == "HEAD";
  request.path = std::move(target->path);
  if (route.prefix) request.path_rest = request.path.substr(route.path.size());
  request.query = std::move(target->query);
  for (const auto& [name, value] : head.headers) {
    if (!EqualsIgnoreCase(name, "Authorization")) request.headers.emplace_back(name, value);
  }
  request.peer = std::string(peer);
  request.peer_address = std::string(peer_address);
  return a;
}

}  // namespace coolflow::web
