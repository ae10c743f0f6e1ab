// Routes: method + exact path ("/api/login") or method + prefix ("/api/racks/", which matches
// every path below it). An exact route beats a prefix route; a longer prefix beats a shorter
// one. A path some route matches with another method gets 405 with Allow; no match at all
// gets 404.
//
// Thread safety: Add before the server starts; Find from any thread afterwards (const).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "web/request.h"
#include "web/responder.h"
#include "web/role.h"

namespace coolflow::web {

// A handler answers through its Responder, now or later, from any thread. `request` stays
// valid (and the connection waits) until Send is called; the handler may move its body out.
using Handler = std::function<void(Request& request, Responder responder)>;
// A handler that answers at once, on the I/O thread: it must not block.
using SyncHandler = std::function<Response(const Request& request)>;

struct RouteOptions {
  // The least role a request needs; Role::kAnonymous makes the route public.
  Role min_role = Role::kViewer;
  // The largest body accepted, in bytes; 0 means the server's default (Limits::max_body_bytes).
  size_t max_body_bytes = 0;
  // Changing requests (not GET or HEAD) to this route go to the audit log, when the server
  // has one. Off for bulk data ingestion (the hub's /write), which changes no setting.
  bool audit = true;
};

struct WebSocketEndpoint;  // websocket.h

struct Route {
  Method method = Method::kGet;
  std::string path;  // the exact path, or the prefix (ends with '/') when `prefix`
  bool prefix = false;
  RouteOptions options{};
  Handler handler{};                               // empty for WebSocket routes
  std::shared_ptr<WebSocketEndpoint> websocket{};  // set for WebSocket routes
  std::string label{};                             // "GET /api/racks/*", for metrics and logs
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed };
  Kind kind = Kind::kNotFound;
  const Route* route = nullptr;  // set when kFound
  std::string allow{};           // for kMethodNotAllowed: "GET, HEAD, POST"
};

class Router {
 public:
  // Adds a route. InvalidArgument when `path` does not start with '/' (or, for a prefix, does
  // not end with '/'); AlreadyExists when the same method and path are taken.
  Status Add(Route route);

  // The route for `method` (as sent: "GET", "HEAD", "FOO") and decoded `path`. HEAD finds the
  // GET route.
  RouteMatch Find(std::string_view method, std::string_view path) const;

  // Every route, in the order added.
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  // The routes registered for `path` exactly (exact) or for the longest prefix of it.
  std::vector<const Route*> Candidates(std::string_view path) const;

  std::vector<std::unique_ptr<Route>> routes_;
  std::map<std::string, std::vector<const Route*>, std::less<>> exact_;
  // Longest prefix first.
  std::vector<std::pair<std::string, std::vector<const Route*>>> prefixes_;
};

}  // namespace coolflow::web
