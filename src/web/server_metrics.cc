#include "web/server_metrics.h"

#include "fmt/format.h"

namespace coolflow::web {
namespace {

// A label value escaped as Prometheus' text format asks: backslash, quote and newline.
std::string Escape(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void Family(std::string& out, std::string_view prefix, std::string_view name, std::string_view type,
            std::string_view help) {
  out += fmt::format("# HELP {}_{} {}\n# TYPE {}_{} {}\n", prefix, name, help, prefix, name, type);
}

}  // namespace

void ServerMetrics::CountRequest(std::string_view route, int status) {
  MutexLock lock(mu_);
  ++requests_[{std::string(route), status}];
}

void ServerMetrics::CountBadRequest(std::string_view reason) {
  MutexLock lock(mu_);
  auto it = bad_requests_.find(reason);
  if (it == bad_requests_.end()) it = bad_requests_.emplace(std::string(reason), 0).first;
  ++it->second;
}

void ServerMetrics::CountAuthFailure(std::string_view reason, std::string_view scheme) {
  MutexLock lock(mu_);
  ++auth_failures_[{std::string(reason), std::string(scheme)}];
}

uint64_t ServerMetrics::requests(std::string_view route, int status) const {
  MutexLock lock(mu_);
  auto it = requests_.find({std::string(route), status});
  return it == requests_.end() ? 0 : it->second;
}

uint64_t ServerMetrics::bad_requests(std::string_view reason) const {
  MutexLock lock(mu_);
  auto it = bad_requests_.find(reason);
  return it == bad_requests_.end() ? 0 : it->second;
}

uint64_t ServerMetrics::auth_failures(std::string_view reason, std::string_view scheme) const {
  MutexLock lock(mu_);
  uint64_t sum = 0;
  for (const auto& [key, n] : auth_failures_) {
    if (key.first == reason && (scheme.empty() || key.second == scheme)) sum += n;
  }
  return sum;
}

std::string ServerMetrics::Render(std::string_view prefix) const {
  std::string out;
  {
    MutexLock lock(mu_);
    Family(out, prefix, "requests_total", "counter",
           "HTTP requests answered, by route and status.");
    for (const auto& [key, n] : requests_) {
      out += fmt::format("{}_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", prefix,
                         Escape(key.first), key.second, n);
    }
    Family(out, prefix, "bad_requests_total", "counter",
           "Requests refused before a handler, by reason.");
    for (const auto& [reason, n] : bad_requests_) {
      out += fmt::format("{}_bad_requests_total{{reason=\"{}\"}} {}\n", prefix, Escape(reason), n);
    }
    Family(out, prefix, "auth_failures_total", "counter",
           "Requests refused by authentication or authorisation, by reason and scheme.");
    for (const auto& [key, n] : auth_failures_) {
      out += fmt::format("{}_auth_failures_total{{reason=\"{}\",scheme=\"{}\"}} {}\n", prefix,
                         Escape(key.first), Escape(key.second), n);
    }
  }
  const auto single = [&](std::string_view name, std::string_view type, std::string_view help,
                          auto value) {
    Family(out, prefix, name, type, help);
    out += fmt::format("{}_{} {}\n", prefix, name, value);
  };
  single("connections_active", "gauge", "Open connections (HTTP and WebSocket).",
         connections_active.load());
  single("connections_total", "counter", "Connections accepted.", connections_total.load());
  single("connections_refused_total", "counter", "Connections refused: too many open.",
         connections_refused.load());
  single("tls_handshake_failures_total", "counter",
         "TLS handshakes that failed (plain HTTP on the TLS port, an untrusted certificate).",
         tls_handshake_failures.load());
  single("websocket_clients", "gauge", "Connected WebSocket clients.", websocket_clients.load());
  single("websocket_dropped_total", "counter",
         "WebSocket clients dropped because their send queue was full.", websocket_dropped.load());
  single("websocket_messages_sent_total", "counter", "WebSocket messages sent.",
         websocket_messages_sent.load());
  single("websocket_messages_received_total", "counter", "WebSocket messages received.",
         websocket_messages_received.load());
  return out;
}

}  // namespace coolflow::web
