// A plain libmosquitto subscriber for the agent's end-to-end tests: it collects every
// message on a topic filter, independently of coolflow's own MQTT transport, and can
// publish (commands). Persistent session (clean_session false, QoS 1) with a fixed client
// id, so with a persistent broker nothing is missed while it is away.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"

struct mosquitto;
struct mosquitto_message;

namespace coolflow::testing {

struct CollectedMessage {
  std::string topic;
  std::string payload;
};

class MqttCollector {
 public:
  static Result<std::unique_ptr<MqttCollector>> Start(uint16_t port, const std::string& filter,
                                                      const std::string& client_id);
  ~MqttCollector();

  // Copies of what arrived so far, in order.
  std::vector<CollectedMessage> messages() const;
  // Waits until `done(messages)` holds; false on timeout.
  bool WaitFor(const std::function<bool(const std::vector<CollectedMessage>&)>& done,
               std::chrono::milliseconds timeout) const;
  // Waits until at least `n` messages arrived on `topic`; false on timeout.
  bool WaitForTopic(const std::string& topic, std::chrono::milliseconds timeout,
                    size_t n = 1) const;
  // Publishes at QoS 1.
  Status Publish(const std::string& topic, const std::string& payload);

 private:
  MqttCollector() = default;
  static void OnConnect(mosquitto*, void* self, int rc);
  static void OnMessage(mosquitto*, void* self, const mosquitto_message* message);

  mosquitto* client_ = nullptr;
  std::string filter_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<CollectedMessage> messages_;
};

}  // namespace coolflow::testing
