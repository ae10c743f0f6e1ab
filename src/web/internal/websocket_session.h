// One WebSocket client (internal): the handshake, the read loop that feeds on_message, and
// the bounded send queue Broadcaster::Publish and WebSocketClient::Send fill.
//
// Thread safety: the socket is used on the session's strand only. Deliver, Send, Subscribe,
// Unsubscribe, Close and Shutdown may be called from any thread; the queue and the channel
// set are guarded by mu_.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/thread_annotations.h"
#include "web/internal/beast.h"
#include "web/internal/server_core.h"
#include "web/internal/stream.h"
#include "web/request.h"
#include "web/websocket.h"

namespace coolflow::web::internal {

class WebSocketSession final : public Closable,
                               public Subscriber,
                               public WebSocketClient,
                               public std::enable_shared_from_this<WebSocketSession> {
 public:
  // `request`: the admitted upgrade request (its user, peer and query).
  WebSocketSession(std::shared_ptr<HttpServer::Core> core, Stream stream,
                   std::shared_ptr<const WebSocketEndpoint> endpoint, Request request);
  ~WebSocketSession() override;

  // Answers the upgrade request and starts the session.
  void Accept(http::request<http::string_body> upgrade);

  // Closable
  void Shutdown(bool force) override;
  // Subscriber
  bool Deliver(std::shared_ptr<const std::string> message) override COOLFLOW_EXCLUDES(mu_);
  // WebSocketClient
  const std::optional<User>& user() const override { return request_.user; }
  const std::string& peer() const override { return request_.peer; }
  const std::vector<std::pair<std::string, std::string>>& query() const override {
    return request_.query;
  }
  void Subscribe(const std::string& channel) override COOLFLOW_EXCLUDES(mu_);
  void Unsubscribe(const std::string& channel) override COOLFLOW_EXCLUDES(mu_);
  bool Send(std::string text) override;
  void Close() override;

 private:
  void OnAccept(const beast::error_code& ec);
  void ReadNext();
  void OnRead(const beast::error_code& ec);
  void WriteNext() COOLFLOW_EXCLUDES(mu_);
  void OnWrite(const beast::error_code& ec) COOLFLOW_EXCLUDES(mu_);
  void CloseGracefully(websocket::close_code code) COOLFLOW_EXCLUDES(mu_);
  // The client is gone: unsubscribes, tells on_close, closes the socket. Once.
  void Finish() COOLFLOW_EXCLUDES(mu_);

  std::shared_ptr<HttpServer::Core> core_;
  const asio::any_io_executor executor_;  // the strand; read from any thread
  websocket::stream<Stream> ws_;
  const std::shared_ptr<const WebSocketEndpoint> endpoint_;
  const Request request_;
  std::unique_ptr<ConnectionSlot> slot_;
  beast::flat_buffer read_buffer_;
  // Strand only.
  bool opened_ = false;
  bool finished_ = false;
  bool closing_ = false;

  Mutex mu_;
  std::deque<std::shared_ptr<const std::string>> queue_ COOLFLOW_GUARDED_BY(mu_);
  size_t queued_bytes_ COOLFLOW_GUARDED_BY(mu_) = 0;
  bool writing_ COOLFLOW_GUARDED_BY(mu_) = false;  // a WriteNext chain is running
  bool open_ COOLFLOW_GUARDED_BY(mu_) = false;     // handshake done
  bool closed_ COOLFLOW_GUARDED_BY(mu_) = false;   // no more messages taken
  std::set<std::string> channels_ COOLFLOW_GUARDED_BY(mu_);
};

}  // namespace coolflow::web::internal
