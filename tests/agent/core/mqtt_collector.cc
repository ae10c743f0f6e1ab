#include "mqtt_collector.h"

#include <mosquitto.h>

#include "fmt/format.h"

namespace coolflow::testing {
namespace {

constexpr int kKeepaliveS = 5;
constexpr int kQos = 1;

}  // namespace

Result<std::unique_ptr<MqttCollector>> MqttCollector::Start(uint16_t port,
                                                            const std::string& filter,
                                                            const std::string& client_id) {
  mosquitto_lib_init();
  std::unique_ptr<MqttCollector> collector(new MqttCollector());
  collector->filter_ = filter;
  collector->client_ = mosquitto_new(client_id.c_str(), /*clean_session=*/false, collector.get());
  if (collector->client_ == nullptr) return Internal("mosquitto_new failed");
  mosquitto_connect_callback_set(collector->client_, &MqttCollector::OnConnect);
  mosquitto_message_callback_set(collector->client_, &MqttCollector::OnMessage);
  mosquitto_reconnect_delay_set(collector->client_, 1, 2, false);
  if (int rc = mosquitto_connect(collector->client_, "127.0.0.1", port, kKeepaliveS);
      rc != MOSQ_ERR_SUCCESS) {
    return Unavailable(fmt::format("collector: connect: {}", mosquitto_strerror(rc)));
  }
  if (int rc = mosquitto_loop_start(collector->client_); rc != MOSQ_ERR_SUCCESS) {
    return Internal(fmt::format("collector: loop_start: {}", mosquitto_strerror(rc)));
  }
  return collector;
}

MqttCollector::~MqttCollector() {
  if (client_ == nullptr) return;
  mosquitto_disconnect(client_);
  mosquitto_loop_stop(client_, /*force=*/true);
  mosquitto_destroy(client_);
}

void MqttCollector::OnConnect(mosquitto* client, void* self, int rc) {
  if (rc != 0) return;
  auto* collector = static_cast<MqttCollector*>(self);
  mosquitto_subscribe(client, nullptr, collector->filter_.c_str(), kQos);
}

void MqttCollector::OnMessage(mosquitto*, void* self, const mosquitto_message* message) {
  auto* collector = static_cast<MqttCollector*>(self);
  std::lock_guard lock(collector->mutex_);
  collector->messages_.push_back(
      {message->topic, std::string(static_cast<const char*>(message->payload),
                                   static_cast<size_t>(message->payloadlen))});
  collector->changed_.notify_all();
}

std::vector<CollectedMessage> MqttCollector::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

bool MqttCollector::WaitFor(const std::function<bool(const std::vector<CollectedMessage>&)>& done,
                            std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return done(messages_); });
}

bool MqttCollector::WaitForTopic(const std::string& topic, std::chrono::milliseconds timeout,
                                 size_t n) const {
  return WaitFor(
      [&](const std::vector<CollectedMessage>& messages) {
        size_t count = 0;
        for (const CollectedMessage& m : messages)
          count += m.topic == topic ? size_t{1} : size_t{0};
        return count >= n;
      },
      timeout);
}

Status MqttCollector::Publish(const std::string& topic, const std::string& payload) {
  const int rc = mosquitto_publish(client_, nullptr, topic.c_str(),
                                   static_cast<int>(payload.size()), payload.data(), kQos, false);
  if (rc != MOSQ_ERR_SUCCESS) {
    return Unavailable(fmt::format("collector: publish: {}", mosquitto_strerror(rc)));
  }
  return Status::Ok();
}

}  // namespace coolflow::testing
