// The state an HttpServer's connections share (internal).
//
// Lifetime: the server, every connection and every pending Responder hold the Core, so its
// io_context outlives every handler posted to it. After Stop, Post refuses, so no handler is
// queued on a context nobody runs (which would keep the Core alive through its own queue).
//
// Thread safety: the fields set before Start are read-only afterwards; the rest is guarded
// by `mu` or atomic.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/thread_annotations.h"
#include "spdlog/spdlog.h"
#include "web/http_server.h"
#include "web/internal/beast.h"
// beast.h first.
#include <boost/asio/ssl/context.hpp>

namespace coolflow::web {

namespace internal {

// A live connection Stop can end: HTTP or WebSocket.
class Closable {
 public:
  virtual ~Closable() = default;
  // Ends the connection soon: at once when idle, after the answer in flight otherwise.
  // `force`: close the socket now, whatever it is doing. Called from any thread.
  virtual void Shutdown(bool force) = 0;
};

}  // namespace internal

struct HttpServer::Core {
  explicit Core(Options o);

  // Registers a live connection; returns its id. Counts it as active.
  uint64_t Register(std::weak_ptr<internal::Closable> connection) COOLFLOW_EXCLUDES(mu);
  void Unregister(uint64_t id) COOLFLOW_EXCLUDES(mu);
  size_t LiveConnections() const COOLFLOW_EXCLUDES(mu);
  // Posts `fn` on `executor` unless the server has stopped; false then.
  template <typename Executor, typename Fn>
  bool Post(const Executor& executor, Fn&& fn) COOLFLOW_EXCLUDES(mu) {
    MutexLock lock(mu);
    if (stopped) return false;
    internal::asio::post(executor, std::forward<Fn>(fn));
    return true;
  }

  const Options options;
  Router router;
  ServerMetrics metrics;
  Broadcaster broadcaster;
  std::shared_ptr<spdlog::logger> log;
  internal::asio::io_context ioc;
  std::optional<internal::tcp::acceptor> acceptor;
  // Set by Start when Options::tls is: every connection then speaks TLS.
  std::unique_ptr<boost::asio::ssl::context> tls;
  std::optional<internal::asio::executor_work_guard<internal::asio::io_context::executor_type>>
      work;
  std::atomic<uint16_t> port{0};
  std::atomic<bool> stopping{false};  // no new requests; connections close when idle

  mutable Mutex mu;
  std::condition_variable drained;               // signalled when `live` empties
  bool stopped COOLFLOW_GUARDED_BY(mu) = false;  // nothing is posted any more
  uint64_t next_id COOLFLOW_GUARDED_BY(mu) = 1;
  std::map<uint64_t, std::weak_ptr<internal::Closable>> live COOLFLOW_GUARDED_BY(mu);
};

namespace internal {

// Holds one registration of a live connection; unregisters when destroyed.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(std::shared_ptr<HttpServer::Core> core, std::weak_ptr<Closable> connection)
      : core_(std::move(core)), id_(core_->Register(std::move(connection))) {}
  ~ConnectionSlot() {
    if (core_) core_->Unregister(id_);
  }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  std::shared_ptr<HttpServer::Core> core_;
  uint64_t id_ = 0;
};

// Secret-free text for logs: `text` clipped to `max` bytes, control characters escaped.
std::string LogSafe(std::string_view text, size_t max = 80);

}  // namespace internal
}  // namespace coolflow::web
