// Fuzzes the web server's request path without sockets: arbitrary bytes go through the same
// Beast parser (set up as the connection sets it up), then admission (target decoding,
// credentials in the query, routing, authentication with every Authorization scheme and the
// session cookie, roles, body limits), then the body, as a connection would read them.
// Properties:
//  - nothing crashes, whatever the bytes;
//  - a refusal is one of the documented statuses, with a JSON body {"error": "<text>"}, a
//    WWW-Authenticate challenge on 401 and an Allow list on 405;
//  - no answer quotes the request's Authorization or Cookie value (checked with a canary
//    credential put in their place);
//  - an admitted request matched a route, carries a decoded path starting with '/' without
//    NUL, has a user with at least the route's role (unless the route is public), no longer
//    shows its Authorization header, and on a prefix route its path_rest is the rest of the
//    path;
//  - a read error is answered with 400, 408, 413 or 431 (or the connection just closes).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "nlohmann/json.hpp"
#include "web/admission.h"
#include "web/internal/request_head.h"
#include "web/password.h"
#include "web/target.h"
#include "web/websocket.h"

namespace coolflow::fuzz {
namespace {

using web::internal::RequestParser;

// The token of the seed corpus's "Bearer" requests.
constexpr std::string_view kToken = "cf_fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfu";
constexpr size_t kMaxHeader = 8 << 10;
constexpr size_t kDefaultBody = 64 << 10;

struct World {
  World() : clock(kNow) {
    web::AuthOptions options;
    options.rate_limit.max_failures = 5;
    // "alice" / "wonderland", admin; a token user; a viewer. Few iterations: fuzzing speed.
    std::vector<web::UserRecord> users = {
        {"alice", web::Role::kAdmin, *web::HashPassword("wonderland", web::kTestPasswordCost), {}},
        {"telegraf", web::Role::kOperator, "", {{"w", web::Sha256Hex(kToken)}}},
        {"victor", web::Role::kViewer, *web::HashPassword("viewer", web::kTestPasswordCost), {}},
    };
    authenticator = std::make_unique<web::Authenticator>(std::move(users), options, clock);
    const auto add = [&](web::Method method, std::string path, bool prefix, web::Role role,
                         size_t max_body, bool websocket) {
      web::Route route;
      route.method = method;
      route.path = std::move(path);
      route.prefix = prefix;
      route.options.min_role = role;
      route.options.max_body_bytes = max_body;
      if (websocket) route.websocket = std::make_shared<web::WebSocketEndpoint>();
      FUZZ_CHECK(router.Add(std::move(route)).ok());
    };
    add(web::Method::kGet, "/", true, web::Role::kAnonymous, 0, false);
    add(web::Method::kGet, "/api/racks/", true, web::Role::kViewer, 0, false);
    add(web::Method::kPost, "/write", false, web::Role::kOperator, 1 << 20, false);
    add(web::Method::kPost, "/api/login", false, web::Role::kAnonymous, 4096, false);
    add(web::Method::kPut, "/api/users/", true, web::Role::kAdmin, 0, false);
    add(web::Method::kDelete, "/api/users/", true, web::Role::kAdmin, 0, false);
    add(web::Method::kGet, "/ws/live", false, web::Role::kViewer, 0, true);
  }
  ManualClock clock;
  std::unique_ptr<web::Authenticator> authenticator;
  web::Router router;
  web::ServerMetrics metrics;
};

World& TheWorld() {
  static World* world = new World();  // never destroyed: the fuzzer exits without cleanup
  return *world;
}

void CheckErrorBody(const web::Response& r) {
  FUZZ_CHECK_MSG(r.content_type == "application/json", r.content_type);
  const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK_MSG(j.is_object() && j.size() == 1 && j.contains("error") && j["error"].is_string(),
                 r.body);
}

bool HasHeader(const web::Response& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (web::EqualsIgnoreCase(key, name) && !value.empty()) return true;
  }
  return false;
}

void CheckRefusal(const web::Response& r) {
  static const std::set<int> kStatuses = {400, 401, 403, 404, 405, 413, 426, 429};
  FUZZ_CHECK_MSG(kStatuses.contains(r.status), fmt::format("status {}", r.status));
  CheckErrorBody(r);
  if (r.status == 401) FUZZ_CHECK(HasHeader(r, "WWW-Authenticate"));
  if (r.status == 405) FUZZ_CHECK(HasHeader(r, "Allow"));
  if (r.status == 429) FUZZ_CHECK(HasHeader(r, "Retry-After"));
}

// A credential no refusal may quote. Its control characters cannot come from anywhere else:
// the parser refuses them in a head, the target decoder in a path, and the only query text a
// message quotes is a fixed credential parameter name. (Checking the fuzzer's own credential
// instead would let it learn the messages' text through the comparison and copy it.)
constexpr std::string_view kCanary =
    "\x01"
    "canary-secret"
    "\x01";

// Admits `head` again with its Authorization and Cookie values replaced by the canary (the
// scheme kept) and checks that the answer does not quote it.
void CheckSecretsNotEchoed(const web::RequestHead& head, World& world) {
  web::RequestHead canary = head;
  bool replaced = false;
  for (auto& [name, value] : canary.headers) {
    if (web::EqualsIgnoreCase(name, "Authorization")) {
      const size_t space = value.find(' ');
      value = (space == std::string::npos ? std::string() : value.substr(0, space + 1)) +
              std::string(kCanary);
      replaced = true;
    } else if (web::EqualsIgnoreCase(name, "Cookie")) {
      value = "coolflow_session=" + std::string(kCanary);
      replaced = true;
    }
  }
  if (!replaced) return;
  const web::Admission a = web::Admit(canary, "10.0.0.2:4242", "10.0.0.2", world.router,
                                      world.authenticator.get(), kDefaultBody, nullptr);
  if (!a.refusal) return;
  FUZZ_CHECK_MSG(a.refusal->body.find(kCanary) == std::string::npos, a.refusal->body);
  for (const auto& [name, value] : a.refusal->headers) {
    FUZZ_CHECK_MSG(value.find(kCanary) == std::string::npos, value);
  }
}

void CheckAdmitted(const web::Admission& a) {
  FUZZ_CHECK(a.route != nullptr);
  const web::Request& r = a.request;
  FUZZ_CHECK_MSG(r.path.starts_with('/'), r.path);
  FUZZ_CHECK(r.path.find('\0') == std::string::npos);
  if (a.route->options.min_role != web::Role::kAnonymous) {
    FUZZ_CHECK(r.user.has_value());
    FUZZ_CHECK(web::RoleAtLeast(r.user->role, a.route->options.min_role));
  }
  for (const auto& [name, value] : r.headers) {
    FUZZ_CHECK(!web::EqualsIgnoreCase(name, "Authorization"));
  }
  if (a.route->prefix) {
    FUZZ_CHECK(r.path.starts_with(a.route->path));
    FUZZ_CHECK(r.path_rest == r.path.substr(a.route->path.size()));
  } else {
    FUZZ_CHECK(r.path == a.route->path);
  }
  for (const auto& [name, value] : r.query) {
    FUZZ_CHECK_MSG(!web::IsCredentialParameter(name), name);
  }
  FUZZ_CHECK(a.body_limit > 0);
}

void CheckReadError(const boost::system::error_code& ec, bool reading_body) {
  const auto answer = web::internal::AnswerReadError(ec, /*request_started=*/true, reading_body);
  if (!answer) return;
  static const std::set<int> kStatuses = {400, 408, 413, 431};
  FUZZ_CHECK_MSG(kStatuses.contains(answer->response.status), ec.message());
  CheckErrorBody(answer->response);
}

// Feeds `input` to `parser` until it wants more, is done with the part asked for, or fails.
boost::system::error_code Feed(RequestParser& parser, std::string_view& input, bool header_only) {
  boost::system::error_code ec;
  while (!input.empty()) {
    if (header_only ? parser.is_header_done() : parser.is_done()) break;
    const size_t used = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
    input.remove_prefix(used);
    if (ec == boost::beast::http::error::need_more) {
      ec = {};
      if (used == 0) break;  // wants more than there is
      continue;
    }
    if (ec) break;
  }
  return ec;
}

void CheckRequest(std::string_view input) {
  World& world = TheWorld();
  // Failures age out between inputs: each input meets the same rate-limit state, except for
  // the failures it makes itself.
  world.clock.Advance(kNanosPerHour);
  // Pipelined requests: up to a few per input, as a connection would read them.
  for (int i = 0; i < 4 && !input.empty(); ++i) {
    RequestParser parser;
    web::internal::ConfigureParser(parser, kMaxHeader);  // not eager: stops after the head
    boost::system::error_code ec = Feed(parser, input, /*header_only=*/true);
    if (ec) {
      CheckReadError(ec, /*reading_body=*/false);
      return;
    }
    if (!parser.is_header_done()) {
      // The input ended mid-head: the connection would wait, then answer 408 or 400.
      CheckReadError(boost::beast::http::error::partial_message, false);
      return;
    }
    const web::RequestHead head = web::internal::HeadFromParser(parser);
    const web::Admission a = web::Admit(head, "10.0.0.1:4242", "10.0.0.1", world.router,
                                        world.authenticator.get(), kDefaultBody, &world.metrics);
    CheckSecretsNotEchoed(head, world);
    if (a.refusal) {
      CheckRefusal(*a.refusal);
      return;  // a refused request with a body closes the connection; without, it goes on
    }
    CheckAdmitted(a);
    if (a.route->websocket) return;  // the socket goes to the WebSocket session
    parser.body_limit(static_cast<std::uint64_t>(a.body_limit));
    parser.eager(true);  // as http::async_read reads the body
    ec = Feed(parser, input, /*header_only=*/false);
    if (ec) {
      CheckReadError(ec, /*reading_body=*/true);
      return;
    }
    if (!parser.is_done()) return;  // the connection would wait for the rest of the body
    FUZZ_CHECK(parser.get().body().size() <= a.body_limit);
    if (!parser.get().keep_alive()) return;
  }
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coolflow::fuzz::CheckRequest(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
