// One HTTP request as a handler sees it: method, decoded path and query, headers, body,
// peer and the authenticated user.
//
// Thread safety: a Request is owned by its connection and lent to one handler; the handler may
// read it (and move its body out) from any thread until it answers through its Responder.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "web/role.h"

namespace coolflow::web {

// The methods a route can be registered for. HEAD is answered by the GET route (without the
// body); OPTIONS, TRACE and CONNECT are never routed (405).
enum class Method { kGet, kPost, kPut, kDelete, kPatch };

// "GET", "POST", ...
std::string_view MethodName(Method method);
// The Method spelled `name` (case-sensitive, as HTTP says); nullopt for others.
std::optional<Method> ParseMethod(std::string_view name);

struct Request {
  Method method = Method::kGet;
  bool head = false;   // a HEAD request routed to its GET handler; the body will not be sent
  std::string path{};  // percent-decoded, starts with '/', never holds NUL
  // The part of `path` after the route's prefix, for prefix routes ("" for exact routes):
  // "/api/racks/" + "r3/temp" for /api/racks/r3/temp.
  std::string path_rest{};
  // Decoded query parameters in order; '+' reads as a space. Repeats are kept.
  std::vector<std::pair<std::string, std::string>> query{};
  // Header fields as received, except Authorization (consumed by authentication and never
  // shown to handlers, so that it cannot be logged by one).
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  std::string peer{};               // "127.0.0.1:53412"
  std::string peer_address{};       // "127.0.0.1"
  std::optional<User> user{};       // set when the request carried valid credentials
  std::string csrf_token{};         // a session's X-CSRF-Token (authenticator.h), else empty
  bool authentication_off = false;  // the server runs without users: every route is open

  // The first query parameter `name`, if any.
  std::optional<std::string_view> Query(std::string_view name) const;
  // The first header `name` (case-insensitive), if any.
  std::optional<std::string_view> Header(std::string_view name) const;
};

// Case-insensitive ASCII comparison (header and cookie names).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace coolflow::web
