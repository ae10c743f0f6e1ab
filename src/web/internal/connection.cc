#include "web/internal/connection.h"

#include <chrono>
#include <exception>

#include "common/clock.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "web/internal/request_head.h"
#include "web/internal/websocket_session.h"

namespace coolflow::web::internal {
namespace {

constexpr size_t kReadChunk = 16 << 10;
constexpr TimeNs kLingerTime = 2 * kNanosPerSecond;
constexpr size_t kLingerBytes = 4 << 20;

// Fields the server sets itself; a handler's value for one is dropped.
bool Reserved(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Content-Type") ||
         EqualsIgnoreCase(name, "Transfer-Encoding") || EqualsIgnoreCase(name, "Connection") ||
         EqualsIgnoreCase(name, "Server");
}

bool SafeFieldText(std::string_view text) {
  return text.find_first_of("\r\n") == std::string_view::npos &&
         text.find('\0') == std::string_view::npos;
}

// The responder's end: posts the answer to the connection's strand.
class ConnectionSink final : public ResponseSink {
 public:
  explicit ConnectionSink(std::shared_ptr<HttpConnection> connection)
      : connection_(std::move(connection)) {}
  void Deliver(Response response) override { connection_->Answer(std::move(response)); }

 private:
  std::shared_ptr<HttpConnection> connection_;
};

std::chrono::nanoseconds Nanos(TimeNs t) {
  return std::chrono::nanoseconds(t);
}

}  // namespace

HttpConnection::HttpConnection(std::shared_ptr<HttpServer::Core> core, Stream stream)
    : core_(std::move(core)),
      executor_(stream.get_executor()),
      stream_(std::move(stream)),
      timer_(executor_) {
  beast::error_code ec;
  const tcp::endpoint remote = stream_.next_layer().remote_endpoint(ec);
  if (!ec) {
    peer_address_ = remote.address().to_string();
    peer_ = remote.address().is_v6() ? fmt::format("[{}]:{}", peer_address_, remote.port())
                                     : fmt::format("{}:{}", peer_address_, remote.port());
  } else {
    peer_ = peer_address_ = "unknown";
  }
}

void HttpConnection::Start() {
  slot_ = std::make_unique<ConnectionSlot>(core_, weak_from_this());
  asio::dispatch(executor_, [self = shared_from_this()] {
    if (!self->stream_.tls()) {
      self->ReadNext();
      return;
    }
    // A client that opens a connection and says nothing gets no longer than one that starts
    // a request and stalls.
    self->state_ = State::kReading;
    self->Arm(self->core_->options.limits.header_timeout);
    self->stream_.AsyncHandshake([self](const beast::error_code& ec) {
      self->Disarm();
      if (ec) {
        // Plain HTTP on the TLS port, a client that distrusts the certificate, a scanner.
        ++self->core_->metrics.tls_handshake_failures;
        self->core_->log->debug("web: {}: TLS handshake failed: {}", self->peer_,
                                self->Timed(ec).message());
        self->CloseNow();
        return;
      }
      self->ReadNext();
    });
  });
}

void HttpConnection::Shutdown(bool force) {
  core_->Post(executor_, [self = shared_from_this(), force] {
    if (force || self->state_ == State::kIdle || self->state_ == State::kLingering) {
      self->CloseNow();
    } else {
      self->close_after_ = true;
    }
  });
}

void HttpConnection::Arm(TimeNs timeout) {
  timed_out_ = false;
  const uint64_t generation = ++timer_generation_;
  timer_.expires_after(Nanos(timeout));
  timer_.async_wait([self = shared_from_this(), generation](const beast::error_code& ec) {
    if (ec || generation != self->timer_generation_) return;
    self->timed_out_ = true;
    beast::error_code ignored;
    self->stream_.next_layer().cancel(ignored);
  });
}

void HttpConnection::Disarm() {
  ++timer_generation_;
  timer_.cancel();
}

beast::error_code HttpConnection::Timed(beast::error_code ec) const {
  if (ec == asio::error::operation_aborted && timed_out_) return beast::error::timeout;
  return ec;
}

void HttpConnection::ReadNext() {
  if (state_ == State::kClosed) return;
  if (core_->stopping.load() || close_after_) {
    Linger();
    return;
  }
  parser_.emplace();
  ConfigureParser(*parser_, core_->options.limits.max_header_bytes);
  admission_ = Admission{};
  request_ = Request{};
  response_.reset();
  keep_alive_ = true;
  version_ = 11;
  if (buffer_.size() > 0) {
    ReadHeader();  // a pipelined request is waiting
    return;
  }
  state_ = State::kIdle;
  Arm(core_->options.limits.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = shared_from_this()](const beast::error_code& ec, size_t n) {
                            self->OnFirstBytes(ec, n);
                          });
}

void HttpConnection::OnFirstBytes(const beast::error_code& ec, size_t bytes) {
  if (ec) {
    CloseNow();  // idle timeout, the client left, or Stop: nothing to answer
    return;
  }
  buffer_.commit(bytes);
  ReadHeader();
}

void HttpConnection::ReadHeader() {
  state_ = State::kReading;
  Arm(core_->options.limits.header_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](const beast::error_code& ec, size_t) { self->OnHeader(ec); });
}

void HttpConnection::OnHeader(beast::error_code ec) {
  ec = Timed(ec);
  if (ec) {
    Fail(ec, /*reading_body=*/false);
    return;
  }
  const RequestHead head = HeadFromParser(*parser_);
  keep_alive_ = parser_->get().keep_alive();
  version_ = parser_->get().version();
  admission_ = Admit(head, peer_, peer_address_, core_->router, core_->options.authenticator.get(),
                     core_->options.limits.max_body_bytes, &core_->metrics);
  audit_.reset();
  if (core_->options.audit != nullptr && admission_.route != nullptr &&
      admission_.route->options.audit && head.method != "GET" && head.method != "HEAD") {
    AuditRecord record;
    if (admission_.request.user) {
      record.user = admission_.request.user->name;
      record.role = std::string(RoleName(admission_.request.user->role));
    }
    record.peer = peer_address_;
    record.method = LogSafe(head.method, 16);
    // The path only: a query string may hold a secret.
    record.path = admission_.refusal
                      ? LogSafe(std::string_view(head.target).substr(0, head.target.find('?')))
                      : admission_.request.path;
    audit_ = std::move(record);
  }
  if (admission_.refusal) {
    const bool has_body = head.chunked || head.content_length.value_or(0) > 0;
    if (has_body) close_after_ = true;  // its body was not read
    // The target's path only: a query string may hold a secret.
    const std::string_view path = std::string_view(head.target).substr(0, head.target.find('?'));
    core_->log->info("web: {} {} {}: refused {}: {}", peer_, LogSafe(head.method, 16),
                     LogSafe(path), admission_.refusal->status,
                     LogSafe(admission_.refusal->body, 200));
    request_.head = head.method == "HEAD";  // a HEAD answer carries no body, refusals too
    Response refusal = std::move(*admission_.refusal);
    Write(std::move(refusal));
    return;
  }
  if (admission_.route->websocket) {
    UpgradeToWebSocket();
    return;
  }
  parser_->body_limit(static_cast<std::uint64_t>(admission_.body_limit));
  const auto expect = parser_->get().find(http::field::expect);
  if (expect != parser_->get().end() && EqualsIgnoreCase(expect->value(), "100-continue") &&
      !parser_->is_done()) {
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    state_ = State::kWriting;
    Arm(core_->options.limits.write_timeout);
    asio::async_write(stream_, asio::buffer(kContinue),
                      [self = shared_from_this()](const beast::error_code& e, size_t) {
                        if (e) {
                          self->CloseNow();
                          return;
                        }
                        self->ReadBody();
                      });
    return;
  }
  ReadBody();
}

void HttpConnection::ReadBody() {
  if (parser_->is_done()) {
    OnBody({});
    return;
  }
  state_ = State::kReading;
  Arm(core_->options.limits.body_timeout);
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](const beast::error_code& ec, size_t) { self->OnBody(ec); });
}

void HttpConnection::OnBody(beast::error_code ec) {
  ec = Timed(ec);
  if (ec) {
    Fail(ec, /*reading_body=*/true);
    return;
  }
  Dispatch();
}

void HttpConnection::Dispatch() {
  Disarm();
  state_ = State::kHandling;
  request_ = std::move(admission_.request);
  request_.body = std::move(parser_->get().body());
  Responder responder(std::make_shared<ConnectionSink>(shared_from_this()));
  try {
    admission_.route->handler(request_, responder);
  } catch (const std::exception& e) {
    core_->log->error("web: {} {}: the handler threw: {}", peer_, admission_.label,
                      LogSafe(e.what(), 200));
    if (!responder.sent()) responder.Send(Response::Error(500, "internal error"));
  }
}

void HttpConnection::UpgradeToWebSocket() {
  Disarm();
  state_ = State::kClosed;  // this connection ends here; the session takes the socket
  slot_.reset();
  auto session = std::make_shared<WebSocketSession>(
      core_, std::move(stream_), admission_.route->websocket, std::move(admission_.request));
  session->Accept(parser_->release());
}

void HttpConnection::Answer(Response response) {
  core_->Post(executor_, [self = shared_from_this(), r = std::move(response)]() mutable {
    self->Write(std::move(r));
  });
}

void HttpConnection::Fail(beast::error_code ec, bool reading_body) {
  std::optional<ReadFailure> failure = AnswerReadError(ec, /*request_started=*/true, reading_body);
  if (!failure) {
    CloseNow();
    return;
  }
  core_->metrics.CountBadRequest(failure->reason);
  core_->log->info("web: {}: refused {}: {}", peer_, failure->response.status,
                   LogSafe(ec.message()));
  close_after_ = true;
  Write(std::move(failure->response));
}

void HttpConnection::Write(Response r) {
  if (state_ == State::kClosed) return;
  const bool close = close_after_ || !keep_alive_ || core_->stopping.load();
  auto res = std::make_shared<http::response<http::string_body>>();
  if (r.status < 100 || r.status > 999) {
    core_->log->error("web: {}: a handler answered status {}; sending 500", admission_.label,
                      r.status);
    r = Response::Error(500, "the handler answered an invalid status");
  }
  res->result(static_cast<unsigned>(r.status));
  res->version(version_ == 10 ? 10 : 11);
  res->set(http::field::server, "coolflow");
  if (!r.content_type.empty() && SafeFieldText(r.content_type)) {
    res->set(http::field::content_type, r.content_type);
  }
  for (const auto& [name, value] : r.headers) {
    if (Reserved(name)) continue;
    if (name.empty() || !SafeFieldText(name) || !SafeFieldText(value)) {
      core_->log->error("web: {}: a handler's header field holds a line break; dropped",
                        admission_.label);
      continue;
    }
    res->insert(name, value);
  }
  res->keep_alive(!close);
  Audit(r);  // before the body moves: a refusal's reason is read from it
  res->body() = std::move(r.body);
  res->prepare_payload();
  if (request_.head) res->body().clear();  // Content-Length stays that of the GET answer

  core_->metrics.CountRequest(admission_.label, r.status);
  if (admission_.route != nullptr) {
    core_->log->debug("web: {} {} {} {} {}", peer_, admission_.label, LogSafe(request_.path),
                      r.status, res->body().size());
  }
  response_ = res;
  state_ = State::kWriting;
  Arm(core_->options.limits.write_timeout);
  http::async_write(stream_, *response_,
                    [self = shared_from_this(), close](const beast::error_code& ec, size_t) {
                      self->OnWrite(ec, close);
                    });
}

void HttpConnection::Audit(const Response& response) {
  if (!audit_) return;
  AuditRecord record = std::move(*audit_);
  audit_.reset();
  record.time = SystemClock::Instance().Now();
  record.status = response.status;
  record.detail = response.audit;
  if (record.detail.empty() && response.status >= 400) {
    // A refusal's reason, from its {"error": "..."} body.
    const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_object() && body.contains("error") && body["error"].is_string()) {
      record.detail = "refused: " + body["error"].get<std::string>();
    }
  }
  core_->options.audit->Record(std::move(record));
}

void HttpConnection::OnWrite(const beast::error_code& ec, bool close) {
  Disarm();
  response_.reset();
  if (ec) {
    CloseNow();
    return;
  }
  if (close) {
    Linger();
    return;
  }
  ReadNext();
}

void HttpConnection::Linger() {
  if (state_ == State::kLingering || state_ == State::kClosed) return;
  state_ = State::kLingering;
  beast::error_code ignored;
  stream_.next_layer().shutdown(tcp::socket::shutdown_send, ignored);
  Arm(kLingerTime);
  scratch_.resize(kReadChunk);
  lingered_ = 0;
  LingerRead();
}

void HttpConnection::LingerRead() {
  stream_.async_read_some(
      asio::buffer(scratch_), [self = shared_from_this()](const beast::error_code& ec, size_t n) {
        self->lingered_ += n;
        if (ec || self->lingered_ > kLingerBytes || self->state_ != State::kLingering) {
          self->CloseNow();
          return;
        }
        self->LingerRead();
      });
}

void HttpConnection::CloseNow() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  Disarm();
  beast::error_code ignored;
  stream_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.next_layer().close(ignored);
  // No longer a live connection, though a responder may keep this object a while.
  slot_.reset();
}

}  // namespace coolflow::web::internal
