// A loopback HTTP/1.1 responder for fault injection: answers each request with what a script
// returns and records the raw requests, so a test can make InfluxDB "fail" on cue (503s, a
// 401) and see exactly what the adapter put on the wire. Not an imitation of InfluxDB: the
// tests of behaviour run against the real influxd.
//
// Thread safety: one thread serves; requests() and the destructor may be called from the
// test's thread (the list is guarded by a mutex).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace coolflow::store::testing {

struct ScriptedAnswer {
  int status = 204;
  std::string body;  // sent as application/json when not empty
};

class ScriptedHttpServer {
 public:
  // `script` gets the raw request (head and body) and returns the answer. Listens on a free
  // 127.0.0.1 port; each connection serves one request and is closed.
  explicit ScriptedHttpServer(std::function<ScriptedAnswer(const std::string&)> script);
  ~ScriptedHttpServer();
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  bool listening() const { return listen_fd_ >= 0; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> requests();

 private:
  void Serve();

  std::function<ScriptedAnswer(const std::string&)> script_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

}  // namespace coolflow::store::testing
