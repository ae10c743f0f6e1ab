// WebSocket endpoints and channels. A client upgrades on a registered path (its credentials
// checked before the upgrade, like any route's); it is then subscribed to the endpoint's
// channels, and may be subscribed to more by the endpoint's callbacks. Broadcaster::Publish
// queues a text message for every subscriber of a channel and returns at once.
//
// Each client has a bounded send queue (messages and bytes). A client whose queue is full is
// dropped (its connection closed, counted in websocket_dropped_total): a slow client never
// stalls the publisher or the other clients. The server pings an idle client and closes it
// when it stops answering.
//
// Thread safety: Broadcaster and WebSocketClient methods may be called from any thread. The
// callbacks run on the server's I/O threads, one at a time per client, and must not block.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/thread_annotations.h"
#include "web/role.h"

namespace coolflow::web {

// One connected client, as the endpoint's callbacks see it.
class WebSocketClient {
 public:
  virtual ~WebSocketClient() = default;
  // The user it authenticated as (nullopt on a public endpoint without credentials).
  virtual const std::optional<User>& user() const = 0;
  virtual const std::string& peer() const = 0;
  // The query parameters of its upgrade request (decoded).
  virtual const std::vector<std::pair<std::string, std::string>>& query() const = 0;
  // Adds / removes this client to / from `channel`.
  virtual void Subscribe(const std::string& channel) = 0;
  virtual void Unsubscribe(const std::string& channel) = 0;
  // Queues a text message for this client only; false when it is closed or was just dropped
  // for a full queue.
  virtual bool Send(std::string text) = 0;
  // Closes the connection (normal closure).
  virtual void Close() = 0;
};

struct WebSocketOptions {
  Role min_role = Role::kViewer;
  std::vector<std::string> channels{};  // subscribed on connect
  // Called once the handshake is done, for each text (or binary) message received, and once
  // when the client is gone.
  std::function<void(WebSocketClient&)> on_open{};
  std::function<void(WebSocketClient&, std::string_view message)> on_message{};
  std::function<void(WebSocketClient&)> on_close{};
  size_t max_queue_messages = 256;               // per client, waiting to be sent
  size_t max_queue_bytes = 8 << 20;              // per client, waiting to be sent
  size_t max_incoming_message_bytes = 64 << 10;  // larger messages close the connection
  TimeNs idle_timeout = 30 * kNanosPerSecond;    // pinged at half of it; closed after it silent
};

// A registered endpoint (the server's; a route points at it).
struct WebSocketEndpoint {
  WebSocketOptions options;
};

// Something a message can be queued for: a client's connection. Implemented by the server.
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // Queues `message`; false when the subscriber is closed or just dropped for a full queue.
  virtual bool Deliver(std::shared_ptr<const std::string> message) = 0;
};

class Broadcaster {
 public:
  // Queues `text` for every subscriber of `channel`; returns how many took it.
  size_t Publish(std::string_view channel, std::string text) COOLFLOW_EXCLUDES(mu_);
  // How many subscribers `channel` has now.
  size_t Subscribers(std::string_view channel) const COOLFLOW_EXCLUDES(mu_);

  // For the server's sessions. A subscriber is held weakly: one that is gone is skipped.
  void Subscribe(const std::string& channel, std::weak_ptr<Subscriber> subscriber)
      COOLFLOW_EXCLUDES(mu_);
  void Unsubscribe(const std::string& channel, const Subscriber* subscriber) COOLFLOW_EXCLUDES(mu_);

 private:
  mutable Mutex mu_;
  std::map<std::string, std::map<const Subscriber*, std::weak_ptr<Subscriber>>, std::less<>>
      channels_ COOLFLOW_GUARDED_BY(mu_);
};

}  // namespace coolflow::web
