// A connection's byte stream (internal): the accepted TCP socket, or TLS over it when the
// server has certificates (HttpServer::Options::tls). One type for both, chosen per
// connection at run time, so the HTTP and WebSocket code is written once; Beast's algorithms
// and websocket::stream take it as any AsyncStream.
//
// Thread safety: as the socket's: one operation of each direction at a time, on the
// connection's strand.
#pragma once

#include <optional>
#include <utility>

#include "web/internal/beast.h"
// beast.h first (its include order matters); then TLS.
#include <boost/asio/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace coolflow::web::internal {

namespace ssl = boost::asio::ssl;

class Stream {
 public:
  using executor_type = tcp::socket::executor_type;
  using next_layer_type = tcp::socket;  // what beast::get_lowest_layer reaches

  // Plain TCP.
  explicit Stream(tcp::socket socket) : plain_(std::move(socket)) {}
  // TLS over `socket` with `context` (which must outlive the stream); Handshake first.
  Stream(tcp::socket socket, ssl::context& context)
      : tls_(std::in_place, std::move(socket), context) {}
  Stream(Stream&&) = default;

  bool tls() const { return tls_.has_value(); }
  executor_type get_executor() { return next_layer().get_executor(); }
  tcp::socket& next_layer() { return tls_ ? tls_->next_layer() : *plain_; }
  const tcp::socket& next_layer() const { return tls_ ? tls_->next_layer() : *plain_; }

  // The server side of the TLS handshake; completes at once (no error) on a plain stream.
  template <class Handler>
  void AsyncHandshake(Handler&& handler) {
    if (tls_) {
      tls_->async_handshake(ssl::stream_base::server, std::forward<Handler>(handler));
    } else {
      asio::post(get_executor(),
                 [h = std::forward<Handler>(handler)]() mutable { h(beast::error_code{}); });
    }
  }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

  // For the WebSocket closing handshake (teardown below).
  std::optional<ssl::stream<tcp::socket>>& tls_stream() { return tls_; }

 private:
  std::optional<tcp::socket> plain_;
  std::optional<ssl::stream<tcp::socket>> tls_;
};

// websocket::stream<Stream> finds these by argument-dependent lookup: TLS tears down with a
// close_notify, plain TCP with a shutdown, as Beast does for each.
inline void teardown(beast::role_type role, Stream& stream, beast::error_code& ec) {
  if (stream.tls()) {
    beast::teardown(role, *stream.tls_stream(), ec);
  } else {
    beast::websocket::teardown(role, stream.next_layer(), ec);
  }
}

template <class Handler>
void async_teardown(beast::role_type role, Stream& stream, Handler&& handler) {
  if (stream.tls()) {
    beast::async_teardown(role, *stream.tls_stream(), std::forward<Handler>(handler));
  } else {
    beast::websocket::async_teardown(role, stream.next_layer(), std::forward<Handler>(handler));
  }
}

}  // namespace coolflow::web::internal
