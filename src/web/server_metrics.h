// The web server's counters, rendered in Prometheus' text format for the hub's /metrics:
//
//   coolflow_web_requests_total{route="GET /api/racks/*",status="200"}
//   coolflow_web_bad_requests_total{reason="header_too_large"}
//   coolflow_web_auth_failures_total{reason="bad_credentials",scheme="basic"}
//   coolflow_web_connections_active / _total / _refused_total
//   coolflow_web_websocket_clients, _websocket_dropped_total, _websocket_messages_sent_total,
//   _websocket_messages_received_total
//
// Labels come from route patterns and fixed reason names, never from request paths, so their
// number is bounded.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "common/thread_annotations.h"

namespace coolflow::web {

// Why a request was refused before it reached a handler: the `reason` label.
namespace bad_request {
inline constexpr std::string_view kMalformed = "malformed";   // 400: the parser refused it
inline constexpr std::string_view kBadTarget = "bad_target";  // 400: path/query undecodable
inline constexpr std::string_view kHeaderTooLarge = "header_too_large";  // 431
inline constexpr std::string_view kBodyTooLarge = "body_too_large";      // 413
inline constexpr std::string_view kTimeout = "timeout";                  // 408
inline constexpr std::string_view kIncomplete = "incomplete";  // the peer left mid-request
inline constexpr std::string_view kNotFound = "not_found";     // 404
inline constexpr std::string_view kMethodNotAllowed = "method_not_allowed";      // 405
inline constexpr std::string_view kUpgradeRequired = "upgrade_required";         // 426
inline constexpr std::string_view kTooManyConnections = "too_many_connections";  // 503
}  // namespace bad_request

class ServerMetrics {
 public:
  void CountRequest(std::string_view route, int status) COOLFLOW_EXCLUDES(mu_);
  void CountBadRequest(std::string_view reason) COOLFLOW_EXCLUDES(mu_);
  // `reason`: missing, bad_credentials, forbidden, rate_limited, credentials_in_query.
  void CountAuthFailure(std::string_view reason, std::string_view scheme) COOLFLOW_EXCLUDES(mu_);

  std::atomic<int64_t> connections_active{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<uint64_t> tls_handshake_failures{0};
  std::atomic<int64_t> websocket_clients{0};
  std::atomic<uint64_t> websocket_dropped{0};
  std::atomic<uint64_t> websocket_messages_sent{0};
  std::atomic<uint64_t> websocket_messages_received{0};

  // The counters above, for tests and status pages.
  uint64_t requests(std::string_view route, int status) const COOLFLOW_EXCLUDES(mu_);
  uint64_t bad_requests(std::string_view reason) const COOLFLOW_EXCLUDES(mu_);
  // Summed over schemes when `scheme` is empty.
  uint64_t auth_failures(std::string_view reason, std::string_view scheme = {}) const
      COOLFLOW_EXCLUDES(mu_);

  // Every counter, each family with its # HELP and # TYPE lines; names start with `prefix`.
  std::string Render(std::string_view prefix = "coolflow_web") const COOLFLOW_EXCLUDES(mu_);

 private:
  mutable Mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_ COOLFLOW_GUARDED_BY(mu_);
  std::map<std::string, uint64_t, std::less<>> bad_requests_ COOLFLOW_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, uint64_t> auth_failures_ COOLFLOW_GUARDED_BY(mu_);
};

}  // namespace coolflow::web
