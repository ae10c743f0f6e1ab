// The Kafka transport: transport.h over librdkafka, for installations that outgrow one
// MQTT broker (partitions and consumer groups spread ingest over several hubs).
//
//   KafkaOptions options;
//   options.brokers = "kafka1:9092,kafka2:9092";
//   options.client_id = "pi-r01";
//   options.topic_prefix = "coolflow.";
//   options.consumer_group = "agent-pi-r01";  // only to Subscribe
//   auto transport = MakeKafkaTransport(options);
//   (*transport)->Start(callbacks);
//   (*transport)->Publish({"temp", "pi-r01", "0,pi-r01,41.0,23.5"}, token);
//
// Behaviour (beyond transport.h):
// - The producer is idempotent with acks=all (both fixed: options cannot turn them off),
//   so librdkafka retries a failed or unanswered produce request without writing the
//   message twice and without reordering a partition. Message.key (the box id) is the
//   Kafka key: one box's messages share a partition and stay in order. An empty key
//   leaves the partition to librdkafka's partitioner.
// - Topic names are `topic_prefix + topic`, verbatim; received messages come back with
//   the prefix removed. Kafka allows only [A-Za-z0-9._-] in topic names (so "coolflow."
//   rather than "coolflow/").
// - Publish refuses (Unavailable) while no broker is reachable and (ResourceExhausted)
//   when `max_inflight` messages await their report. librdkafka keeps retrying an
//   accepted message through broker outages; it gives up after `message_timeout_ms`
//   (delivered(token, Unavailable)). 0 means it never gives up.
// - connected() becomes true when a metadata request succeeds (asked at start and every
//   second while down) and false when librdkafka reports that all brokers are down.
// - Subscribe takes a topic (topic_prefix prepended) or, starting with '^', a POSIX extended
//   regular expression of full topic names, as librdkafka does ("^coolflow\\..*": every
//   topic under "coolflow."; new topics that match are picked up at the next metadata
//   refresh, topic.metadata.refresh.interval.ms).
// - Subscribe uses a consumer in `consumer_group`. A message's offset is stored only after
//   Callbacks::settle returned for it (enable.auto.offset.store=false, fixed) and committed
//   in the background from there, so a restarted transport goes on where it stopped and
//   reads again what was not settled. A group with no committed offset starts
//   at the newest message ("latest"); set consumer_extra["auto.offset.reset"] to
//   "earliest" to read the backlog instead.
// - If the idempotent producer raises a fatal error (its guarantees can no longer hold),
//   every message in flight is reported as failed and a new producer takes over.
// - Close waits up to `timeout_ms` for messages in flight, then purges the rest and reports
//   them as delivered(token, Cancelled), and leaves the consumer group.
// - Property values of secret-looking properties (password, secret, keys) never appear in
//   a Status.
//
// Thread safety: as transport.h. One internal thread per transport polls the producer and
// the consumer and runs every callback.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "transport/transport.h"

namespace coolflow::transport {

struct KafkaOptions {
  // bootstrap.servers: "host:port[,host:port...]".
  std::string brokers;
  // client.id; the box id is a good choice (it shows in broker logs and quotas).
  std::string client_id;
  // Prepended verbatim to every topic, e.g. "coolflow.".
  std::string topic_prefix;
  // group.id of the consumer behind Subscribe; empty: Subscribe is refused.
  std::string consumer_group;
  // message.timeout.ms: how long librdkafka retries one message before giving up on it
  // (0: never). Generous by default: the spool behind the transport holds messages anyway.
  int message_timeout_ms = 300'000;
  // Messages handed over and not yet reported, at most.
  int max_inflight = 1'000;
  // Further librdkafka properties (CONFIGURATION.md), for the producer and the consumer
  // (security.protocol, ssl.*, sasl.*), the producer only (linger.ms, compression.type) or
  // the consumer only (auto.offset.reset, session.timeout.ms). enable.idempotence and acks
  // are fixed and refused here.
  std::map<std::string, std::string> extra;
  std::map<std::string, std::string> producer_extra;
  std::map<std::string, std::string> consumer_extra;
};

// Checks `options` without connecting: every property is set on a librdkafka config,
// which checks names and values. Errors name the field ("kafka.producer_extra.linger.ms:
// ..."), with librdkafka's reason, and never a secret property's value.
// librdkafka is loaded on demand (rdkafka_library.h): the fields coolflow checks itself
// (brokers, max_inflight, ...) are checked first, and only then is librdkafka loaded; when it
// cannot be, NotFound says why ("kafka: cannot load librdkafka.so.1: ...").
Status ValidateKafkaOptions(const KafkaOptions& options);

// A transport for `options` (validated as above, so librdkafka is loaded by now: a process
// that never calls these two functions never maps it). It creates the producer (and, with a
// consumer_group, the consumer) at once; they connect in the background.
Result<std::unique_ptr<Transport>> MakeKafkaTransport(const KafkaOptions& options);

// Tests only: makes the transport's producer raise a fatal error through librdkafka's
// rd_kafka_test_fatal_error (real ones cannot be provoked on demand). InvalidArgument when
// `transport` is not a Kafka transport.
Status RaiseKafkaFatalErrorForTesting(Transport& transport, std::string_view reason);

}  // namespace coolflow::transport
