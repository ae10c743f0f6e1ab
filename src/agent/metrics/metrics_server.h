// A minimal HTTP/1.1 endpoint for Prometheus scrapes: GET /metrics answers the registry's
// text, GET /healthz answers "ok". One connection at a time, each with a read deadline, so a
// stalled client delays a scrape by at most that deadline and never the agent. Anything else
// gets 400, 404, 405 or 431 with a one-line reason, and is counted.
//
// Thread safety: Start and Stop from one thread; the server runs on its own thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/status.h"

namespace coolflow::agent::metrics {

class MetricsServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";  // an IPv4 address
    uint16_t port = 0;               // 0: any free port (see port())
    int read_timeout_ms = 2'000;
  };
  // `render` produces the body of /metrics; `on_bad_request` is told the status and why.
  static Result<std::unique_ptr<MetricsServer>> Start(
      const Options& options, std::function<std::string()> render,
      std::function<void(int status, const std::string& why)> on_bad_request);

  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  uint16_t port() const { return port_; }
  void Stop();

 private:
  MetricsServer() = default;
  void Serve();
  void Handle(int fd);

  Options options_;
  std::function<std::string()> render_;
  std::function<void(int, const std::string&)> on_bad_request_;
  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace coolflow::agent::metrics
