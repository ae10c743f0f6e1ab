#include "web/http_server.h"

#include <charconv>
#include <chrono>
#include <exception>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "web/internal/connection.h"
#include "web/internal/server_core.h"
#include "web/internal/stream.h"

namespace coolflow::web {

namespace asio = internal::asio;
namespace beast = internal::beast;
using tcp = internal::tcp;

namespace {

constexpr size_t kLoginBodyLimit = 4 << 10;
constexpr std::string_view kCannedUnavailable =
    "HTTP/1.1 503 Service Unavailable\r\nServer: coolflow\r\nContent-Type: application/json\r\n"
    "Content-Length: 35\r\nConnection: close\r\n\r\n{\"error\": \"too many connections\"}\r\n";
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr TimeNs kForcedCloseWait = kNanosPerSecond;

// Who a request is, and for a browser session the X-CSRF-Token its changes must carry.
std::string UserJson(const User& user, std::string_view csrf_token) {
  nlohmann::json out{{"user", user.name}, {"role", RoleName(user.role)}};
  if (!csrf_token.empty()) out["csrf_token"] = csrf_token;
  return out.dump();
}

// GET /api/audit[?limit=N]: the latest audit records, newest first (N: 1..1000, default 100).
Response AuditAnswer(const AuditLog& audit, const Request& r) {
  size_t limit = 100;
  if (std::optional<std::string_view> text = r.Query("limit")) {
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc() || end != text->data() + text->size() || limit < 1 || limit > 1000) {
      return Response::Error(400, "limit must be an integer in 1..1000");
    }
  }
  std::string out = "{\"records\": [";
  bool first = true;
  for (const AuditRecord& record : audit.Recent(limit)) {
    if (!first) out += ", ";
    first = false;
    out += AuditLog::ToJson(record);
  }
  out += "]}";
  return Response::Json(std::move(out));
}

// Answers and closes a connection over the limit, without reading from it.
void RefuseConnection(const std::shared_ptr<HttpServer::Core>& core, tcp::socket socket) {
  ++core->metrics.connections_refused;
  core->metrics.CountBadRequest(bad_request::kTooManyConnections);
  auto held = std::make_shared<tcp::socket>(std::move(socket));
  asio::async_write(*held, asio::buffer(kCannedUnavailable),
                    [held](const beast::error_code&, size_t) {
                      beast::error_code ignored;
                      held->shutdown(tcp::socket::shutdown_both, ignored);
                      held->close(ignored);
                    });
}

// A server-side TLS context: TLS 1.2 and 1.3 only, the certificate chain and private key
// from PEM files. Errors name the file and OpenSSL's reason.
Result<std::unique_ptr<internal::ssl::context>> MakeTlsContext(const HttpServer::TlsFiles& files) {
  auto context = std::make_unique<internal::ssl::context>(internal::ssl::context::tls_server);
  context->set_options(internal::ssl::context::default_workarounds |
                       internal::ssl::context::no_sslv2 | internal::ssl::context::no_sslv3 |
                       internal::ssl::context::no_tlsv1 | internal::ssl::context::no_tlsv1_1 |
                       internal::ssl::context::single_dh_use);
  beast::error_code ec;
  if (files.cert_file.empty() || files.key_file.empty()) {
    return InvalidArgument("tls: both cert_file and key_file are needed");
  }
  if (context->use_certificate_chain_file(files.cert_file, ec); ec) {
    return InvalidArgument(fmt::format("tls: cert_file {}: {}", files.cert_file, ec.message()));
  }
  if (context->use_private_key_file(files.key_file, internal::ssl::context::pem, ec); ec) {
    return InvalidArgument(fmt::format("tls: key_file {}: {}", files.key_file, ec.message()));
  }
  return context;
}

void AcceptNext(const std::shared_ptr<HttpServer::Core>& core) {
  core->acceptor->async_accept(asio::make_strand(core->ioc), [core](const beast::error_code& ec,
                                                                    tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !core->acceptor->is_open()) return;
    if (ec) {
      // Out of file descriptors, most likely: wait a moment instead of spinning.
      core->log->warn("web: accept failed: {}", ec.message());
      auto timer = std::make_shared<asio::steady_timer>(core->acceptor->get_executor());
      timer->expires_after(kAcceptRetryDelay);
      timer->async_wait([core, timer](const beast::error_code&) { AcceptNext(core); });
      return;
    }
    ++core->metrics.connections_total;
    if (core->stopping.load()) {
      beast::error_code ignored;
      socket.close(ignored);
      return;
    }
    if (core->LiveConnections() >= core->options.limits.max_connections) {
      core->log->warn("web: refusing a connection: {} open", core->options.limits.max_connections);
      RefuseConnection(core, std::move(socket));
    } else {
      internal::Stream stream = core->tls ? internal::Stream(std::move(socket), *core->tls)
                                          : internal::Stream(std::move(socket));
      std::make_shared<internal::HttpConnection>(core, std::move(stream))->Start();
    }
    AcceptNext(core);
  });
}

}  // namespace

namespace internal {

std::string LogSafe(std::string_view text, size_t max) {
  std::string out;
  for (const char c : text.substr(0, max)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out.push_back(c);
    }
  }
  if (text.size() > max) out += "...";
  return out;
}

}  // namespace internal

HttpServer::Core::Core(Options o)
    : options(std::move(o)), log(options.logger ? options.logger : spdlog::default_logger()) {}

uint64_t HttpServer::Core::Register(std::weak_ptr<internal::Closable> connection) {
  MutexLock lock(mu);
  const uint64_t id = next_id++;
  live.emplace(id, std::move(connection));
  metrics.connections_active.store(static_cast<int64_t>(live.size()));
  return id;
}

void HttpServer::Core::Unregister(uint64_t id) {
  MutexLock lock(mu);
  live.erase(id);
  metrics.connections_active.store(static_cast<int64_t>(live.size()));
  if (live.empty()) drained.notify_all();
}

size_t HttpServer::Core::LiveConnections() const {
  MutexLock lock(mu);
  return live.size();
}

HttpServer::HttpServer(Options options) : core_(std::make_shared<Core>(std::move(options))) {
  if (core_->options.authenticator) AddAuthRoutes();
  if (AuditLog* audit = core_->options.audit.get()) {
    const Status s = HandleSync(Method::kGet, "/api/audit", {.min_role = Role::kAdmin},
                                [audit](const Request& r) { return AuditAnswer(*audit, r); });
    if (!s.ok()) std::abort();  // a fixed path in a fresh router: cannot fail
  }
}

HttpServer::~HttpServer() {
  Stop();
}

Status HttpServer::AddRoute(Route route) {
  if (started_) return InvalidArgument("routes are registered before the server starts");
  return core_->router.Add(std::move(route));
}

std::vector<HttpServer::RouteInfo> HttpServer::routes() const {
  std::vector<RouteInfo> out;
  for (const std::unique_ptr<Route>& r : core_->router.routes()) {
    out.push_back({r->method, r->prefix ? r->path + "*" : r->path, r->options.min_role,
                   r->websocket != nullptr});
  }
  return out;
}

Status HttpServer::Handle(Method method, std::string path, RouteOptions options, Handler handler) {
  Route route;
  route.method = method;
  if (path.ends_with("/*")) {
    path.pop_back();
    route.prefix = true;
  }
  route.path = std::move(path);
  route.options = options;
  route.handler = std::move(handler);
  return AddRoute(std::move(route));
}

Status HttpServer::HandleSync(Method method, std::string path, RouteOptions options,
                              SyncHandler handler) {
  return Handle(method, std::move(path), options,
                [h = std::move(handler)](Request& request, Responder responder) {
                  responder.Send(h(request));
                });
}

Status HttpServer::ServeStatic(std::string url_prefix, const std::filesystem::path& directory,
                               StaticOptions options, RouteOptions route) {
  if (url_prefix.empty() || url_prefix.back() != '/') url_prefix.push_back('/');
  Result<StaticFiles> files = StaticFiles::Open(directory, options);
  if (!files.ok()) return files.status();
  auto shared = std::make_shared<const StaticFiles>(std::move(*files));
  return Handle(Method::kGet, url_prefix + "*", route,
                [shared](Request& request, Responder responder) {
                  responder.Send(shared->Serve(request, request.path_rest));
                });
}

Status HttpServer::AddWebSocket(std::string path, WebSocketOptions options) {
  Route route;
  route.method = Method::kGet;
  route.path = std::move(path);
  route.options.min_role = options.min_role;
  route.websocket = std::make_shared<WebSocketEndpoint>(WebSocketEndpoint{std::move(options)});
  return AddRoute(std::move(route));
}

void HttpServer::AddAuthRoutes() {
  Core* core = core_.get();  // the routes live in the core: no cycle through a shared_ptr
  Authenticator* auth = core_->options.authenticator.get();
  RouteOptions open{.min_role = Role::kAnonymous, .max_body_bytes = kLoginBodyLimit};
  Status s = HandleSync(Method::kPost, "/api/login", open, [core, auth](const Request& r) {
    const nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
    if (!body.is_object() || !body.contains("user") || !body.contains("password") ||
        !body["user"].is_string() || !body["password"].is_string()) {
      return Response::Error(400, "send a JSON object {\"user\": \"...\", \"password\": \"...\"}");
    }
    const std::string user = body["user"].get<std::string>();
    const std::string password = body["password"].get<std::string>();
    Authenticator::LoginResult result = auth->Login(user, password, r.peer_address);
    switch (result.verdict.outcome) {
      case AuthOutcome::kAuthenticated: {
        core->log->info("web: {}: {} logged in", r.peer, result.verdict.user->name);
        Response ok = Response::Json(UserJson(*result.verdict.user, result.verdict.csrf_token));
        ok.audit = "logged in as " + result.verdict.user->name;
        ok.headers.emplace_back("Set-Cookie", auth->SessionCookie(result.session_id));
        ok.headers.emplace_back("Cache-Control", "no-store");
        return ok;
      }
      case AuthOutcome::kRateLimited: {
        core->metrics.CountAuthFailure("rate_limited", "login");
        Response limited = Response::Error(429, result.verdict.reason);
        const TimeNs seconds = (result.verdict.retry_after + kNanosPerSecond - 1) / kNanosPerSecond;
        limited.headers.emplace_back("Retry-After", std::to_string(seconds));
        return limited;
      }
      default: {
        // The name is not logged: people type passwords into the name field.
        core->log->warn("web: {}: failed login", r.peer);
        core->metrics.CountAuthFailure("bad_credentials", "login");
        Response bad = Response::Error(401, "unknown user or wrong password");
        bad.audit = "failed login";  // not the name: people type passwords there
        bad.headers.emplace_back("WWW-Authenticate", std::string(kBearerChallenge));
        return bad;
      }
    }
  });
  if (!s.ok()) std::abort();  // the first routes of an empty router: cannot fail
  s = HandleSync(Method::kPost, "/api/logout", open, [auth](const Request& r) {
    auth->Logout(r.Header("Cookie"));
    Response bye;
    bye.status = 204;
    bye.audit = r.user ? "logged out " + r.user->name : "logged out";
    bye.headers.emplace_back("Set-Cookie", auth->ClearedSessionCookie());
    return bye;
  });
  if (!s.ok()) std::abort();
  s = HandleSync(Method::kGet, "/api/session", {.min_role = Role::kViewer},
                 [](const Request& r) { return Response::Json(UserJson(*r.user, r.csrf_token)); });
  if (!s.ok()) std::abort();
}

Status HttpServer::Start() {
  if (started_) return InvalidArgument("the server is already started");
  Core& core = *core_;
  if (core.options.tls) {
    auto context = MakeTlsContext(*core.options.tls);
    if (!context.ok()) return context.status();
    core.tls = std::move(*context);
  }
  beast::error_code ec;
  const auto address = asio::ip::make_address(core.options.host, ec);
  if (ec)
    return InvalidArgument(fmt::format("web: \"{}\" is not an IP address", core.options.host));
  const tcp::endpoint endpoint(address, core.options.port);
  core.acceptor.emplace(asio::make_strand(core.ioc));
  auto fail = [&](std::string_view what) {
    return IOError(
        fmt::format("web: {} {}:{}: {}", what, core.options.host, core.options.port, ec.message()));
  };
  if (core.acceptor->open(endpoint.protocol(), ec); ec) return fail("open");
  if (core.acceptor->set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return fail("set_option");
  }
  if (core.acceptor->bind(endpoint, ec); ec) return fail("bind");
  if (core.acceptor->listen(asio::socket_base::max_listen_connections, ec); ec) {
    return fail("listen");
  }
  core.port = core.acceptor->local_endpoint(ec).port();
  if (!core.options.authenticator) {
    core.log->warn("web: authentication is off: every route on {}:{} is open to anyone",
                   core.options.host, core.port.load());
  }
  started_ = true;
  core.work.emplace(core.ioc.get_executor());
  AcceptNext(core_);
  const int threads = std::max(1, core.options.threads);
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([c = core_] { c->ioc.run(); });
  }
  core.log->info("web: listening on {}:{} ({}, {} threads)", core.options.host, core.port.load(),
                 core.tls ? "HTTPS" : "HTTP", threads);
  return Status::Ok();
}

uint16_t HttpServer::port() const {
  return core_->port.load();
}

void HttpServer::Stop() {
  if (!started_ || stopped_) {
    stopped_ = true;
    return;
  }
  stopped_ = true;
  Core& core = *core_;
  core.stopping = true;
  asio::post(core.acceptor->get_executor(), [c = core_] {
    beast::error_code ignored;
    c->acceptor->close(ignored);
  });
  const auto shutdown_all = [&](bool force) {
    std::vector<std::shared_ptr<internal::Closable>> live;
    {
      MutexLock lock(core.mu);
      for (const auto& [id, weak] : core.live) {
        if (auto c = weak.lock()) live.push_back(std::move(c));
      }
    }
    for (const auto& c : live)
      c->Shutdown(force);
  };
  const auto wait_drained = [&](TimeNs timeout) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeout);
    MutexLock lock(core.mu);
    while (!core.live.empty()) {
      if (!lock.WaitUntil(core.drained, until)) break;
    }
    return core.live.empty();
  };
  shutdown_all(false);
  if (!wait_drained(core.options.limits.drain_timeout)) {
    core.log->warn("web: stopping: closing connections still busy after the drain timeout");
    shutdown_all(true);
    (void)wait_drained(kForcedCloseWait);
  }
  {
    MutexLock lock(core.mu);
    core.stopped = true;
  }
  core.work.reset();
  core.ioc.stop();
  for (std::thread& t : threads_)
    t.join();
  threads_.clear();
  // Runs what is left in the queue (completions of closed sockets), so no handler keeps a
  // connection, and through it the core, alive.
  core.ioc.restart();
  while (core.ioc.poll() > 0) {
  }
  core.log->info("web: stopped");
}

Broadcaster& HttpServer::broadcaster() {
  return core_->broadcaster;
}
ServerMetrics& HttpServer::metrics() {
  return core_->metrics;
}
std::string HttpServer::RenderMetrics(std::string_view prefix) const {
  return core_->metrics.Render(prefix);
}

}  // namespace coolflow::web
