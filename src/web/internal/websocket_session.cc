#include "web/internal/websocket_session.h"

#include <chrono>
#include <exception>

namespace coolflow::web::internal {
namespace {

constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

}  // namespace

WebSocketSession::WebSocketSession(std::shared_ptr<HttpServer::Core> core, Stream stream,
                                   std::shared_ptr<const WebSocketEndpoint> endpoint,
                                   Request request)
    : core_(std::move(core)),
      executor_(stream.get_executor()),
      ws_(std::move(stream)),
      endpoint_(std::move(endpoint)),
      request_(std::move(request)) {}

WebSocketSession::~WebSocketSession() = default;

void WebSocketSession::Accept(http::request<http::string_body> upgrade) {
  slot_ = std::make_unique<ConnectionSlot>(core_, weak_from_this());
  const WebSocketOptions& options = endpoint_->options;
  websocket::stream_base::timeout timeout;
  timeout.handshake_timeout = kHandshakeTimeout;
  timeout.idle_timeout = std::chrono::nanoseconds(options.idle_timeout);
  timeout.keep_alive_pings = true;
  ws_.set_option(timeout);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "coolflow"); }));
  ws_.read_message_max(options.max_incoming_message_bytes);
  ws_.async_accept(
      upgrade, [self = shared_from_this()](const beast::error_code& ec) { self->OnAccept(ec); });
}

void WebSocketSession::OnAccept(const beast::error_code& ec) {
  if (ec) {
    core_->log->info("web: {}: WebSocket handshake failed: {}", request_.peer, ec.message());
    Finish();
    return;
  }
  opened_ = true;
  ++core_->metrics.websocket_clients;
  core_->metrics.CountRequest(request_.path.empty() ? "websocket" : "GET " + request_.path, 101);
  core_->log->debug("web: {} opened WebSocket {}", request_.peer, LogSafe(request_.path));
  for (const std::string& channel : endpoint_->options.channels)
    Subscribe(channel);
  {
    MutexLock lock(mu_);
    open_ = true;
    if (!queue_.empty() && !writing_ && !closed_) {
      writing_ = true;
      asio::post(executor_, [self = shared_from_this()] { self->WriteNext(); });
    }
  }
  if (endpoint_->options.on_open) {
    try {
      endpoint_->options.on_open(*this);
    } catch (const std::exception& e) {
      core_->log->error("web: WebSocket on_open threw: {}", LogSafe(e.what(), 200));
    }
  }
  ReadNext();
}

void WebSocketSession::ReadNext() {
  ws_.async_read(read_buffer_, [self = shared_from_this()](const beast::error_code& ec, size_t) {
    self->OnRead(ec);
  });
}

void WebSocketSession::OnRead(const beast::error_code& ec) {
  if (ec) {
    if (ec != websocket::error::closed && ec != asio::error::operation_aborted &&
        ec != asio::error::eof) {
      core_->log->debug("web: {}: WebSocket read ended: {}", request_.peer, ec.message());
    }
    Finish();
    return;
  }
  ++core_->metrics.websocket_messages_received;
  const std::string message = beast::buffers_to_string(read_buffer_.data());
  read_buffer_.consume(read_buffer_.size());
  if (endpoint_->options.on_message) {
    try {
      endpoint_->options.on_message(*this, message);
    } catch (const std::exception& e) {
      core_->log->error("web: WebSocket on_message threw: {}", LogSafe(e.what(), 200));
    }
  }
  ReadNext();
}

bool WebSocketSession::Deliver(std::shared_ptr<const std::string> message) {
  const WebSocketOptions& options = endpoint_->options;
  MutexLock lock(mu_);
  if (closed_) return false;
  if (queue_.size() + 1 > options.max_queue_messages ||
      queued_bytes_ + message->size() > options.max_queue_bytes) {
    closed_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    ++core_->metrics.websocket_dropped;
    core_->log->warn("web: {}: dropping a slow WebSocket client (send queue full)", request_.peer);
    core_->Post(executor_, [self = shared_from_this()] { self->Finish(); });
    return false;
  }
  queued_bytes_ += message->size();
  queue_.push_back(std::move(message));
  if (open_ && !writing_) {
    writing_ = true;
    core_->Post(executor_, [self = shared_from_this()] { self->WriteNext(); });
  }
  return true;
}

void WebSocketSession::WriteNext() {
  std::shared_ptr<const std::string> message;
  {
    MutexLock lock(mu_);
    if (closed_ || queue_.empty() || finished_) {
      writing_ = false;
      return;
    }
    message = queue_.front();
  }
  ws_.text(true);
  ws_.async_write(asio::buffer(*message),
                  [self = shared_from_this(), message](const beast::error_code& ec, size_t) {
                    self->OnWrite(ec);
                  });
}

void WebSocketSession::OnWrite(const beast::error_code& ec) {
  if (ec) {
    {
      MutexLock lock(mu_);
      writing_ = false;
    }
    Finish();
    return;
  }
  ++core_->metrics.websocket_messages_sent;
  {
    MutexLock lock(mu_);
    if (!queue_.empty()) {
      queued_bytes_ -= queue_.front()->size();
      queue_.pop_front();
    }
  }
  WriteNext();
}

void WebSocketSession::Subscribe(const std::string& channel) {
  {
    MutexLock lock(mu_);
    if (closed_) return;
    channels_.insert(channel);
  }
  core_->broadcaster.Subscribe(channel, weak_from_this());
}

void WebSocketSession::Unsubscribe(const std::string& channel) {
  {
    MutexLock lock(mu_);
    channels_.erase(channel);
  }
  core_->broadcaster.Unsubscribe(channel, this);
}

bool WebSocketSession::Send(std::string text) {
  return Deliver(std::make_shared<const std::string>(std::move(text)));
}

void WebSocketSession::Close() {
  core_->Post(executor_, [self = shared_from_this()] {
    self->CloseGracefully(websocket::close_code::normal);
  });
}

void WebSocketSession::Shutdown(bool force) {
  core_->Post(executor_, [self = shared_from_this(), force] {
    if (force || !self->opened_) {
      self->Finish();
    } else {
      self->CloseGracefully(websocket::close_code::going_away);
    }
  });
}

void WebSocketSession::CloseGracefully(websocket::close_code code) {
  if (finished_ || closing_) return;
  closing_ = true;
  {
    MutexLock lock(mu_);
    closed_ = true;
    queue_.clear();
    queued_bytes_ = 0;
  }
  // The read loop sees the close completing and calls Finish.
  ws_.async_close(code, [self = shared_from_this()](const beast::error_code&) { self->Finish(); });
}

void WebSocketSession::Finish() {
  if (finished_) return;
  finished_ = true;
  std::set<std::string> channels;
  {
    MutexLock lock(mu_);
    closed_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    channels.swap(channels_);
  }
  for (const std::string& channel : channels)
    core_->broadcaster.Unsubscribe(channel, this);
  if (opened_) {
    --core_->metrics.websocket_clients;
    if (endpoint_->options.on_close) {
      try {
        endpoint_->options.on_close(*this);
      } catch (const std::exception& e) {
        core_->log->error("web: WebSocket on_close threw: {}", LogSafe(e.what(), 200));
      }
    }
  }
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).shutdown(tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).close(ignored);
  slot_.reset();
}

}  // namespace coolflow::web::internal
