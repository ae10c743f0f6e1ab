// The HTTP/1.1 + WebSocket server of the hub and the workflow engine (Boost.Beast over Asio).
//
//   web::HttpServer::Options options;
//   options.port = 8080;
//   options.authenticator = std::make_shared<web::Authenticator>(*web::LoadUsers("users.yaml"));
//   web::HttpServer server(options);
//   server.HandleSync(web::Method::kGet, "/api/racks/*", {.min_role = web::Role::kViewer},
//                     [](const web::Request& r) { return web::Response::Json(...); });
//   server.Handle(web::Method::kPost, "/write",
//                 {.min_role = web::Role::kOperator, .max_body_bytes = 64 << 20},
//                 [&](web::Request& r, web::Responder done) {
//                   store.WriteAsync(std::move(r.body), [done](Status s) {
//                     done.Send(s.ok() ? web::Response::Text("", 204)
//                                      : web::Response::Error(500, s.message()));
//                   });
//                 });
//   server.AddWebSocket("/ws/live", {.channels = {"live"}});
//   server.ServeStatic("/", "ui/dist", {});
//   Status s = server.Start();               // binds; server.port() is the bound port
//   server.broadcaster().Publish("live", json);
//   server.Stop();
//
// The model: `threads` I/O threads run every connection; a connection reads one request,
// admits it (admission.h: routing, authentication, limits), reads its body, calls the
// handler and writes its answer before it reads the next request, so keep-alive and
// pipelined requests are answered in order. Handlers run on an I/O thread and must not
// block; a slow one answers later through its Responder from its own thread.
//
// Every refusal is an answer with a JSON body {"error": "..."} and is counted (metrics()):
// 400 malformed request or target, 401 missing/bad credentials (with WWW-Authenticate) or
// credentials in the query, 403 role too low, 404, 405 (with Allow), 408 request too slow,
// 413 body over the route's limit, 426 non-upgrade on a WebSocket path, 429 too many
// failed credentials from this address, 431 header too large, 503 too many connections.
// After a refusal made before the body was read, or after any parse error, the connection is
// closed. Nothing the client sends crashes the server or reaches the log verbatim; secrets
// (Authorization, Cookie values, passwords, tokens, query strings) are never logged.
//
// When `authenticator` is set, the server also answers
//   POST /api/login   {"user": "...", "password": "..."} -> 200 {"user","role","csrf_token"}
//                     + Set-Cookie
//   POST /api/logout  -> 204, the session ended and its cookie cleared
//   GET  /api/session -> 200 {"user","role"} for whoever the request authenticates as (and
//                     "csrf_token" for a session)
// A changing request (not GET or HEAD) that authenticates with the session cookie must send
// X-CSRF-Token: <csrf_token>, else 403; a changing request or WebSocket upgrade whose Origin
// is neither this server (Host) nor in AuthOptions::allowed_origins gets 403.
// Without one, authentication is off: every route is open (logged as a warning at Start).
//
// Thread safety: register routes (Handle*, ServeStatic, AddWebSocket) before Start. Start and
// Stop from one thread. port(), broadcaster(), metrics() and RenderMetrics() from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "web/audit_log.h"
#include "web/authenticator.h"
#include "web/router.h"
#include "web/server_metrics.h"
#include "web/static_files.h"
#include "web/websocket.h"

namespace spdlog {
class logger;
}

namespace coolflow::web {

struct Limits {
  size_t max_header_bytes = 16 << 10;  // request line + header fields; over it: 431
  size_t max_body_bytes = 1 << 20;     // the default per route (RouteOptions overrides); 413
  size_t max_connections = 512;        // open HTTP + WebSocket connections; over it: 503
  TimeNs idle_timeout = 60 * kNanosPerSecond;    // no request started: closed silently
  TimeNs header_timeout = 10 * kNanosPerSecond;  // request head started, not complete: 408
  TimeNs body_timeout = 120 * kNanosPerSecond;   // head complete, body not: 408
  TimeNs write_timeout = 60 * kNanosPerSecond;   // answer not taken by the client: closed
  TimeNs drain_timeout = 5 * kNanosPerSecond;    // Stop waits this long for answers in flight
};

class HttpServer {
 public:
  // A certificate chain and its private key, PEM files (HTTPS and WSS).
  struct TlsFiles {
    std::string cert_file;
    std::string key_file;
  };

  struct Options {
    std::string host = "127.0.0.1";  // an IPv4 or IPv6 address
    uint16_t port = 0;               // 0: any free port (see port())
    int threads = 2;                 // I/O threads
    Limits limits{};
    // Null: authentication off. Shared, so the owner can ReplaceUsers on a reload.
    std::shared_ptr<Authenticator> authenticator{};
    // Records changing requests (audit_log.h) and serves GET /api/audit (admin) when set.
    std::shared_ptr<AuditLog> audit{};
    // Serve HTTPS (TLS 1.2 and 1.3) instead of plain HTTP; Start fails naming a file that
    // does not load. Set AuthOptions::secure_cookie too.
    std::optional<TlsFiles> tls{};
    // Where the server logs (warnings for refusals, debug for each request); null: spdlog's
    // default logger.
    std::shared_ptr<spdlog::logger> logger{};
  };

  explicit HttpServer(Options options);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers `handler` for `method` on `path`: an exact path, or a prefix when it ends with
  // "/*" ("/api/racks/*" matches "/api/racks/r1/temp"; Request::path_rest is "r1/temp").
  // InvalidArgument for a bad path or once the server has started; AlreadyExists for a taken
  // method and path.
  Status Handle(Method method, std::string path, RouteOptions options, Handler handler);
  // The same for a handler that answers at once.
  Status HandleSync(Method method, std::string path, RouteOptions options, SyncHandler handler);

  // Serves the files under `directory` below `url_prefix` ("/" or "/ui/"), to anyone
  // (`min_role` of `route` applies; the default here is kAnonymous). Prefix routes registered
  // for longer prefixes (e.g. "/api/*") still win. NotFound when `directory` is missing.
  Status ServeStatic(std::string url_prefix, const std::filesystem::path& directory,
                     StaticOptions options = {},
                     RouteOptions route = {.min_role = Role::kAnonymous});

  // A WebSocket endpoint on `path` (exact).
  Status AddWebSocket(std::string path, WebSocketOptions options);

  // Binds host:port and starts the I/O threads. IOError when the address cannot be bound.
  Status Start();
  // The bound port (after Start).
  uint16_t port() const;
  // Stops accepting, lets requests in flight be answered (up to drain_timeout), closes
  // WebSockets (going away) and idle connections, joins the threads. Idempotent. Responders
  // called after Stop are ignored.
  void Stop();

  // Every registered route, in the order added: its method, its path as registered (a prefix
  // ends with "/*") and the least role it needs. For API documents and their tests.
  struct RouteInfo {
    Method method = Method::kGet;
    std::string path;
    Role min_role = Role::kViewer;
    bool websocket = false;
  };
  std::vector<RouteInfo> routes() const;

  Broadcaster& broadcaster();
  ServerMetrics& metrics();
  // metrics().Render(prefix).
  std::string RenderMetrics(std::string_view prefix = "coolflow_web") const;

  struct Core;  // the state connections share (internal)

 private:
  Status AddRoute(Route route);
  void AddAuthRoutes();

  std::shared_ptr<Core> core_;
  std::vector<std::thread> threads_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace coolflow::web
