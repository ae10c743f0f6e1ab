#include "agent/agent_builder.h"

#include "agent/spool.h"
#include "common/files.h"
#include "fmt/format.h"
#include "transport/broker_settings.h"
#include "transport/kafka/kafka_transport.h"
#include "transport/mqtt/mqtt_transport.h"

namespace coolflow::agent {
namespace {

Result<std::unique_ptr<transport::Transport>> MakeTransport(const AgentConfig& config,
                                                            const Topics& topics) {
  const DeliverySettings& delivery = config.delivery;
  if (delivery.transport == TransportKind::kKafka) {
    transport::KafkaOptions options = transport::KafkaOptionsFrom(delivery.kafka);
    options.client_id = "coolflow-agent-" + config.box;
    // Commands: one consumer group per agent, so each agent sees every command for it.
    options.consumer_group = "coolflow-agent-" + config.box;
    options.max_inflight = static_cast<int>(delivery.max_in_flight);
    if (Status s = transport::ValidateKafkaOptions(options); !s.ok()) {
      return Status(s.code(), fmt::format("{}: delivery.{}", config.source, s.message()));
    }
    return transport::MakeKafkaTransport(options);
  }
  auto mqtt = transport::MqttOptionsFrom(delivery.mqtt, "coolflow-agent-" + config.box);
  if (!mqtt.ok()) return mqtt.status();
  transport::MqttOptions options = std::move(*mqtt);
  options.clean_session = false;
  options.status_topic = topics.Status(config.box);
  options.max_inflight = static_cast<int>(delivery.max_in_flight);
  if (Status s = transport::ValidateMqttOptions(options); !s.ok()) {
    return Status(s.code(), fmt::format("{}: delivery.{}", config.source, s.message()));
  }
  return transport::MakeMqttTransport(options);
}

}  // namespace

Result<std::unique_ptr<Agent>> BuildAgent(const AgentConfig& config, const Clock& clock) {
  const Topics topics = TopicsFor(config.delivery);
  auto transport = MakeTransport(config, topics);
  if (!transport.ok()) return transport.status();
  SpoolOptions spool_options;
  spool_options.dir = config.spool.dir;
  spool_options.max_bytes = config.spool.max_mb << 20;
  spool_options.sync_interval = config.spool.sync_interval;
  spool_options.checkpoint_interval = config.spool.checkpoint_interval;
  auto spool = Spool::Open(spool_options, clock);
  if (!spool.ok()) {
    return Status(spool.status().code(),
                  fmt::format("{}: spool: {}", config.source, spool.status().message()));
  }
  return Agent::Create(config, clock, std::move(*transport), std::move(*spool));
}

}  // namespace coolflow::agent
