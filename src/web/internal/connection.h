// One HTTP connection (internal): reads a request, admits it, reads its body, runs its
// handler, writes the answer, and again, until the client or the server closes it. A
// WebSocket upgrade hands the socket over to a WebSocketSession.
//
// Thread safety: everything runs on the connection's strand, except Shutdown and the
// responder's Deliver, which post to it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "web/admission.h"
#include "web/audit_log.h"
#include "web/internal/beast.h"
#include "web/internal/server_core.h"
#include "web/internal/stream.h"

namespace coolflow::web::internal {

class HttpConnection final : public Closable, public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(std::shared_ptr<HttpServer::Core> core, Stream stream);
  // Registers with the server, completes the TLS handshake (when TLS) and starts reading.
  void Start();
  void Shutdown(bool force) override;
  // Writes `response` as the answer to the current request (posted by the responder).
  void Answer(Response response);

 private:
  enum class State { kIdle, kReading, kHandling, kWriting, kLingering, kClosed };

  void ReadNext();
  void OnFirstBytes(const beast::error_code& ec, size_t bytes);
  void ReadHeader();
  void OnHeader(beast::error_code ec);
  void ReadBody();
  void OnBody(beast::error_code ec);
  void Dispatch();
  void UpgradeToWebSocket();
  // Answers a read error (or just closes).
  void Fail(beast::error_code ec, bool reading_body);
  void Write(Response response);
  void OnWrite(const beast::error_code& ec, bool close);
  // Half-closes and reads what the client still sends for a moment, so that it sees the answer
  // instead of a reset.
  void Linger();
  void LingerRead();
  void CloseNow();

  // A deadline for the current operation: when it passes, the socket's operations are
  // cancelled (not the socket closed, so a 408 can still be written).
  void Arm(TimeNs timeout);
  void Disarm();
  // `ec`, or timeout when the deadline cancelled the operation.
  beast::error_code Timed(beast::error_code ec) const;

  std::shared_ptr<HttpServer::Core> core_;
  const asio::any_io_executor executor_;  // the strand; read from any thread
  Stream stream_;
  asio::steady_timer timer_;
  uint64_t timer_generation_ = 0;
  bool timed_out_ = false;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::unique_ptr<ConnectionSlot> slot_;
  std::string peer_;
  std::string peer_address_;
  State state_ = State::kIdle;

  // Records the current request in the audit log when it is one to audit.
  void Audit(const Response& response);

  // The current request.
  Admission admission_;
  // Set when the current request is to be audited: what its record needs beyond the answer.
  std::optional<AuditRecord> audit_{};
  Request request_;
  bool keep_alive_ = true;
  bool close_after_ = false;
  unsigned version_ = 11;
  std::shared_ptr<http::response<http::string_body>> response_;
  std::string scratch_;  // lingering reads land here
  size_t lingered_ = 0;
};

}  // namespace coolflow::web::internal
