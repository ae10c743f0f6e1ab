// How readings and commands cross the network: a message broker (MQTT through libmosquitto,
// Kafka through librdkafka) or, in one process, a direct hand-over. Each transport lives in
// its own folder under src/transport/.
//
// Delivery is at least once: Publish hands a message over and the transport reports, once
// per message, when the broker has acknowledged it (MQTT PUBACK at QoS 1, Kafka acks=all) or
// when it gave up on it. The caller (the agent's spool) keeps every message until then and
// replays unacknowledged ones after a restart, so duplicates are possible and the hub
// de-duplicates them by the readings' sequence numbers.
//
// Thread safety: every method may be called from any thread. Callbacks run on the
// transport's own thread, one at a time; they must not block, and must not call Close.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coolflow::transport {

struct Message {
  std::string topic;    // MQTT topic or Kafka topic
  std::string key;      // Kafka partitioning key (the box id); MQTT ignores it
  std::string payload;  // bytes as sent

  friend bool operator==(const Message&, const Message&) = default;
};

struct Callbacks {
  // A message published with `token` was acknowledged (Ok), or the transport gave up on it
  // for good (the status says why): the caller must publish it again to deliver it.
  std::function<void(uint64_t token, const Status& outcome)> delivered;
  // A message arrived on a subscribed topic.
  std::function<void(const Message& message)> received;
  // Optional. Called after `received` handed over one or more messages and before the broker
  // learns they were taken (MQTT QoS 1: before their PUBACKs leave; Kafka: before their
  // offsets are stored for the next commit); it returns once they may be. The hub returns
  // once their readings are durable, so a message the broker thinks delivered is never
  // lost. It may block (the transport's thread waits, and takes no new message meanwhile);
  // unset, messages are acknowledged as soon as `received` returns.
  std::function<void()> settle;
  // The connection to the broker came up (Ok) or went down (the status says why).
  std::function<void(const Status& state)> connection;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Starts connecting in the background (retrying with backoff while the broker is away)
  // and keeps the connection up until Close. Fails only when it can never work (bad
  // options, TLS files that cannot be read).
  virtual Status Start(Callbacks callbacks) = 0;

  // Whether the broker connection is up right now.
  virtual bool connected() const = 0;

  // Hands `message` to the transport. Ok means it is queued and `delivered(token, ...)`
  // will follow exactly once; an error (not connected, too many messages in flight) means
  // it was not taken, and no callback follows.
  virtual Status Publish(const Message& message, uint64_t token) = 0;

  // Subscribes to `topic` (MQTT filter or Kafka topic); survives reconnects.
  virtual Status Subscribe(std::string_view topic) = 0;

  // Messages handed over and not yet reported by `delivered`: a message no longer counts
  // by the time its `delivered` runs.
  virtual size_t in_flight() const = 0;

  // Disconnects cleanly (MQTT DISCONNECT: no last will), waiting at most `timeout_ms` for
  // messages in flight; stops the transport's thread. No callback runs after Close returns.
  virtual void Close(int timeout_ms) = 0;
};

}  // namespace coolflow::transport
