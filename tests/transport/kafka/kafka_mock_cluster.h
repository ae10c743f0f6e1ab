// librdkafka's mock Kafka cluster for tests.
//
// Debian packages no Kafka server, so coolflow's Kafka code is tested against the mock
// brokers that librdkafka itself ships (rdkafka_mock.h): they speak the real Kafka protocol
// over TCP on 127.0.0.1 ports and support idempotent producers, consumer groups and error
// injection, with the log kept in memory. The cluster lives in this process.
//
//   auto cluster = KafkaMockCluster::Start(3);
//   ASSERT_TRUE((*cluster)->CreateTopic("coolflow.temp", 3).ok());
//   options.brokers = (*cluster)->bootstrap_servers();
//
// Thread safety: the mock functions may be called from any thread.
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace coolflow::testing {

class KafkaMockCluster {
 public:
  // A cluster of `brokers` mock brokers (ids 1..brokers) on free loopback ports.
  static Result<std::unique_ptr<KafkaMockCluster>> Start(int brokers);

  // Stops the brokers: clients see their connections drop.
  ~KafkaMockCluster();

  KafkaMockCluster(const KafkaMockCluster&) = delete;
  KafkaMockCluster& operator=(const KafkaMockCluster&) = delete;

  // "127.0.0.1:p1,127.0.0.1:p2,...", for bootstrap.servers.
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  // For error injection (rd_kafka_mock_push_request_errors and friends).
  rd_kafka_mock_cluster_t* mock() const { return mock_; }

  // Creates a topic (clients' consumers do not create topics by themselves).
  Status CreateTopic(const std::string& name, int partitions, int replication = 3);
  // How many messages partition `partition` of `topic` holds (its high watermark), asked
  // over the Kafka protocol like any client would.
  Result<int64_t> MessageCount(const std::string& topic, int partition);
  // Makes broker `broker_id` (-1: all) drop its connections and refuse new ones, or
  // accept them again.
  Status SetDown(int broker_id, bool down);
  // Delays every answer of broker `broker_id` (-1: all) by `rtt_ms`.
  Status SetRtt(int broker_id, int rtt_ms);

 private:
  KafkaMockCluster() = default;

  rd_kafka_t* handle_ = nullptr;  // owns the cluster (test.mock.num.brokers)
  rd_kafka_mock_cluster_t* mock_ = nullptr;
  std::string bootstrap_servers_;
};

}  // namespace coolflow::testing
