// The checks every request passes between its parsed head and its handler, without sockets
// (the server's connections and the fuzzer both run them): target decoding, credentials in
// the query, routing (404/405), WebSocket upgrade, authentication (401/429), the route's role
// (403) and its body limit (413, when Content-Length says so).
//
// Thread safety: Admit may be called from any thread; it reads the Router and calls the
// Authenticator and ServerMetrics, which are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "web/authenticator.h"
#include "web/request.h"
#include "web/response.h"
#include "web/router.h"
#include "web/server_metrics.h"

namespace coolflow::web {

// A request head as the parser leaves it.
struct RequestHead {
  std::string method{};  // as sent
  std::string target{};  // as sent
  std::vector<std::pair<std::string, std::string>> headers{};
  std::optional<uint64_t> content_length;
  bool chunked = false;
  bool websocket_upgrade = false;  // a valid WebSocket upgrade request
};

struct Admission {
  // Set when the request is refused: the answer to send. The connection is then closed when
  // the request has a body (it was not read).
  std::optional<Response> refusal{};
  const Route* route = nullptr;  // the route it matched, if any
  std::string label{};           // the metrics label: the route's, or "unmatched"
  Request request;               // filled when admitted (all but the body)
  size_t body_limit = 0;         // the largest body the route takes
};

// Runs the checks for `head` from `peer` ("address:port"; `peer_address` is the address).
// `authenticator` null means authentication is off: every route is open. Refusals are
// counted in `metrics` when given.
Admission Admit(const RequestHead& head, std::string_view peer, std::string_view peer_address,
                const Router& router, Authenticator* authenticator, size_t default_body_limit,
                ServerMetrics* metrics);

// The WWW-Authenticate challenge sent with every 401.
inline constexpr std::string_view kBasicChallenge = "Basic realm=\"coolflow\", charset=\"UTF-8\"";
inline constexpr std::string_view kBearerChallenge = "Bearer realm=\"coolflow\"";

}  // namespace coolflow::web
