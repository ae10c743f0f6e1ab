// The Kafka transport against librdkafka's mock Kafka cluster (kafka_mock_cluster.h).
//
// Debian packages no Kafka server, so these tests use the mock brokers librdkafka ships:
// they speak the Kafka protocol over TCP on 127.0.0.1 and support the idempotent producer,
// consumer groups and error injection. What they cannot show is a real broker's storage,
// replication and performance.
#include "transport/kafka/kafka_transport.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fmt/format.h"
#include "transport/kafka/kafka_mock_cluster.h"
#include "transport/kafka/rdkafka_library.h"
#include "transport/transport_recorder.h"

namespace coolflow::transport {
namespace {

using coolflow::testing::KafkaMockCluster;
using coolflow::testing::WaitConnected;
using Recorder = coolflow::testing::TransportRecorder;

constexpr int kBrokers = 3;
constexpr int16_t kProduceApiKey = 0;  // the Kafka protocol's ProduceRequest
constexpr const char* kPrefix = "coolflow.";

KafkaOptions ProducerOptions(const KafkaMockCluster& cluster, const std::string& client_id) {
  KafkaOptions options;
  options.brokers = cluster.bootstrap_servers();
  options.client_id = client_id;
  options.topic_prefix = kPrefix;
  return options;
}

KafkaOptions ConsumerOptions(const KafkaMockCluster& cluster, const std::string& group) {
  KafkaOptions options = ProducerOptions(cluster, group);
  options.consumer_group = group;
  options.consumer_extra["auto.offset.reset"] = "earliest";
  return options;
}

std::unique_ptr<Transport> StartClient(const KafkaOptions& options, Recorder& recorder) {
  return coolflow::testing::StartTransport(MakeKafkaTransport(options), recorder);
}

// Every token in [0, count) was reported exactly once, and Ok.
void ExpectDeliveredOnceOk(Recorder& recorder, uint64_t count) {
  const auto delivered = recorder.delivered();
  EXPECT_EQ(delivered.size(), count);
  for (const auto& [token, outcomes] : delivered) {
    EXPECT_LT(token, count);
    ASSERT_EQ(outcomes.size(), 1u) << "token " << token << " reported more than once";
    EXPECT_TRUE(outcomes[0].ok()) << token << ": " << outcomes[0].ToString();
  }
}

// Consumes `topic` from the beginning until `count` messages came, and returns them.
std::vector<Message> ConsumeAll(const KafkaMockCluster& cluster, const std::string& topic,
                                size_t count) {
  Recorder hub;
  auto consumer = StartClient(ConsumerOptions(cluster, "hub"), hub);
  EXPECT_NE(consumer, nullptr);
  if (consumer == nullptr) return {};
  EXPECT_TRUE(consumer->Subscribe(topic).ok());
  EXPECT_TRUE(hub.WaitFor([&] { return hub.received_count_locked() >= count; }))
      << "received " << hub.received().size() << " of " << count;
  consumer->Close(1'000);
  return hub.received();
}

TEST(KafkaTransportTest, DeliversEveryMessageOnceKeyedByBoxAndInOrder) {
  auto cluster = KafkaMockCluster::Start(kBrokers);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  ASSERT_TRUE((*cluster)->CreateTopic("coolflow.temp", 3).ok());
  Recorder agent;
  auto producer = StartClient(ProducerOptions(**cluster, "box-all"), agent);
  ASSERT_NE(producer, nullptr);
  ASSERT_TRUE(WaitConnected(agent));
  EXPECT_TRUE(producer->connected());

  constexpr int kBoxes = 5;
  constexpr int kPerBox = 100;
  uint64_t token = 0;
  for (int i = 0; i < kPerBox; ++i) {
    for (int box = 0; box < kBoxes; ++box) {
      const Message message{"temp", fmt::format("box-{}", box), fmt::format("box-{},{}", box, i)};
      const Status published = producer->Publish(message, token++);
      ASSERT_TRUE(published.ok()) << published.ToString();
    }
  }
  ASSERT_TRUE(agent.WaitFor([&] { return agent.delivered_count_locked() == token; }));
  ExpectDeliveredOnceOk(agent, token);
  EXPECT_EQ(producer->in_flight(), 0u);

  int64_t stored = 0;
  for (int partition = 0; partition < 3; ++partition) {
    auto count = (*cluster)->MessageCount("coolflow.temp", partition);
    ASSERT_TRUE(count.ok()) << count.status().ToString();
    stored += *count;
  }
  EXPECT_EQ(stored, static_cast<int64_t>(token));
  const std::vector<Message> received = ConsumeAll(**cluster, "temp", token);
  ASSERT_EQ(received.size(), token);
  std::map<std::string, std::vector<std::string>> by_key;
  for (const Message& m : received) {
    EXPECT_EQ(m.topic, "temp");  // the prefix is removed
    by_key[m.key].push_back(m.payload);
  }
  ASSERT_EQ(by_key.size(), static_cast<size_t>(kBoxes));
  for (int box = 0; box < kBoxes; ++box) {
    const std::vector<std::string>& payloads = by_key[fmt::format("box-{}", box)];
    ASSERT_EQ(payloads.size(), static_cast<size_t>(kPerBox)) << box;
    for (int i = 0; i < kPerBox; ++i) {
      EXPECT_EQ(payloads[static_cast<size_t>(i)], fmt::format("box-{},{}", box, i));
    }
  }
  producer->Close(1'000);
}

// Publishes tokens [from, to) as "m<token>" with key box-retry; all must be taken.
void PublishRange(Transport& producer, uint64_t from, uint64_t to) {
  for (uint64_t token = from; token < to; ++token) {
    const Status published =
        producer.Publish({"temp", "box-retry", fmt::format("m{}", token)}, token);
    ASSERT_TRUE(published.ok()) << published.ToString();
  }
}

TEST(KafkaTransportTest, RetriesBrokerErrorsWithoutDuplicatesOrReordering) {
  auto cluster = KafkaMockCluster::Start(kBrokers);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  rd_kafka_mock_cluster_t* mock = (*cluster)->mock();
  ASSERT_TRUE((*cluster)->CreateTopic("coolflow.temp", 1).ok());
  ASSERT_EQ(rd_kafka_mock_partition_set_leader(mock, "coolflow.temp", 0, 1),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  Recorder agent;
  KafkaOptions options = ProducerOptions(**cluster, "box-retry");
  // A request unanswered for 1 s counts as lost: the connection is dropped and the
  // messages are sent again (see the late answer below).
  options.producer_extra["socket.timeout.ms"] = "1000";
  auto producer = StartClient(options, agent);
  ASSERT_NE(producer, nullptr);
  ASSERT_TRUE(WaitConnected(agent));
  PublishRange(*producer, 0, 50);
  ASSERT_TRUE(agent.WaitFor([&] { return agent.delivered_count_locked() == 50; }));

  // A message the broker writes but answers too late: the producer sends it again with the
  // same producer id and sequence number, and the broker answers that it has it already.
  // (The mock writes every request it accepts and cannot recognise a resent batch itself,
  // so it is told to answer the resend DUPLICATE_SEQUENCE_NUMBER, as Kafka does. Without
  // idempotence that answer is an error and the message fails.)
  ASSERT_EQ(rd_kafka_mock_broker_push_request_error_rtts(
                mock, 1, kProduceApiKey, 2, RD_KAFKA_RESP_ERR_NO_ERROR, 3'000,
                RD_KAFKA_RESP_ERR_DUPLICATE_SEQUENCE_NUMBER, 0),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  PublishRange(*producer, 50, 51);
  ASSERT_TRUE(agent.WaitFor([&] { return agent.delivered_count_locked() == 51; }));

  // Refused requests and a dropped connection, each retried by librdkafka in order.
  rd_kafka_mock_push_request_errors(
      mock, kProduceApiKey, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
      RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
      RD_KAFKA_RESP_ERR__TRANSPORT);
  constexpr uint64_t kCount = 200;
  PublishRange(*producer, 51, kCount);
  ASSERT_TRUE(agent.WaitFor([&] { return agent.delivered_count_locked() == kCount; }));
  ExpectDeliveredOnceOk(agent, kCount);

  auto stored = (*cluster)->MessageCount("coolflow.temp", 0);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(*stored, static_cast<int64_t>(kCount));
  const std::vector<Message> received = ConsumeAll(**cluster, "temp", kCount);
  ASSERT_EQ(received.size(), kCount);
  for (uint64_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(received[i].payload, fmt::format("m{}", i)) << "at " << i;
    EXPECT_EQ(received[i].key, "box-retry");
  }
  producer->Close(1'000);
}

// The life shared by the broker transports (transport/broker_transport.h): calls outside it
// are refused with a message that names the transport's state.
TEST(KafkaTransportTest, RefusesCallsOutsideItsLifeNamingTheState) {
  auto cluster = KafkaMockCluster::Start(kBrokers);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  auto made = MakeKafkaTransport(ConsumerOptions(**cluster, "box-life"));
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  Transport& transport = **made;
  auto has = [](const Status& s, std::string_view part) {
    return s.message().find(part) != std::string::npos;
  };

  const Status no_callback = transport.Start(Callbacks{});
  EXPECT_EQ(no_callback.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(has(no_callback, "kafka transport Start: no delivered callback"))
      << no_callback.ToString();
  const Status early = transport.Publish({"temp", "box-life", "x"}, 1);
  EXPECT_EQ(early.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(has(early, "kafka brokers 127.0.0.1:")) << early.ToString();
  EXPECT_TRUE(has(early, ": transport not started")) << early.ToString();

  Recorder agent;
  ASSERT_TRUE(transport.Start(agent.callbacks()).ok());
  ASSERT_TRUE(WaitConnected(agent));
  transport.Close(1'000);
  EXPECT_FALSE(transport.connected());
  const Status late = transport.Publish({"temp", "box-life", "x"}, 2);
  EXPECT_EQ(late.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(has(late, ": transport closed")) << late.ToString();
  const Status subscribe = transport.Subscribe("temp");
  EXPECT_EQ(subscribe.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(has(subscribe, ": transport closed")) << subscribe.ToString();
  EXPECT_EQ(transport.Start(agent.callbacks()).code(), StatusCode::kAlreadyExists);
  transport.Close(0);  // again: returns at once
  EXPECT_TRUE(agent.delivered().empty());
}

TEST(KafkaTransportTest, ReportsBrokersDownAndRefusesMessagesMeanwhile) {
  auto cluster = KafkaMockCluster::Start(kBrokers);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  ASSERT_TRUE((*cluster)->CreateTopic("coolflow.temp", 1).ok());
  Recorder agent;
  auto producer = StartClient(ProducerOptions(**cluster, "box-down"), agent);
  ASSERT_NE(producer, nullptr);
  EXPECT_EQ(producer->Start(agent.callbacks()).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(WaitConnected(agent));
  ASSERT_TRUE(producer->Publish({"temp", "box-down", "before"}, 1).ok());
  ASSERT_TRUE(agent.WaitFor([&] { return agent.delivered_count_locked() == 1; }));

  ASSERT_TRUE((*cluster)->SetDown(-1, true).ok());
  ASSERT_TRUE(agent.WaitFor([&] { return agent.last_connection_down_locked(); }));
  const Status down = agent.connection().back();
  EXPECT_EQ(down.code(), StatusCode::kUnavailable);
  EXPECT_NE(down.message().find("kafka brokers 127.0.0.1:"), std::string::npos) << down.ToString();
  EXPECT_FALSE(producer->connected());
  EXPECT_EQ(producer->Publish({"temp", "box-down", "during"}, 2).code(), StatusCode::kUnavailable);

  ASSERT_TRUE((*cluster)->SetDown(-1, false).ok());
  ASSERT_TRUE(WaitConnected(agent));
  ASSERT_TRUE(producer->Publish({"temp", "box-down", "after"}, 3).ok());
  ASSERT_TRUE(agent.WaitFor([&] { return agent.delivered_count_locked() == 2; }));
  const auto delivered = agent.delivered();
  EXPECT_EQ(delivered.count(2), 0u);  // refused, so never reported
  ASSERT_EQ(delivered.count(3), 1u);
  EXPECT_TRUE(delivered.at(3).front().ok()) << delivered.at(3).front().ToString();
  producer->Close(1'000);
}

TEST(KafkaTransportTest, FillsTheWindowAndCancelsWhatIsInFlightAtClose) {
  auto cluster = KafkaMockCluster::Start(kBrokers);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  ASSERT_TRUE((*cluster)->CreateTopic("coolflow.temp", 1).ok());
  Recorder agent;
  KafkaOptions options = ProducerOptions(**cluster, "box-window");
  options.max_inflight = 3;
  auto producer = StartClient(options, agent);
  ASSERT_NE(producer, nullptr);
  ASSERT_TRUE(WaitConnected(agent));

  ASSERT_TRUE((*cluster)->SetRtt(-1, 10'000).ok());  // nothing is acknowledged for now
  for (uint64_t token = 1; token <= 3; ++token) {
    ASSERT_TRUE(producer->Publish({"temp", "box-window", "x"}, token).ok());
  }
  EXPECT_EQ(producer->in_flight(), 3u);
  EXPECT_EQ(producer->Publish({"temp", "box-window", "x"}, 4).code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(producer->Publish({"temp/x", "box-window", "x"}, 5).code(),
            StatusCode::kInvalidArgument);

  producer->Close(100);
  const auto delivered = agent.delivered();  // all reported before Close returned
  ASSERT_EQ(delivered.size(), 3u);
  for (const auto& [token, outcomes] : delivered) {
    ASSERT_EQ(outcomes.size(), 1u) << token;
    EXPECT_EQ(outcomes[0].code(), StatusCode::kCancelled) << outcomes[0].ToString();
  }
  EXPECT_EQ(producer->in_flight(), 0u);
  EXPECT_EQ(producer->Publish({"temp", "box-window", "x"}, 6).code(), StatusCode::kUnavailable);
  producer.reset();
  EXPECT_EQ(agent.delivered().size(), 3u);
}

TEST(KafkaTransportTest, StartsANewProducerAfterAFatalError) {
  auto cluster = KafkaMockCluster::Start(kBrokers);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  ASSERT_TRUE((*cluster)->CreateTopic("coolflow.temp", 1).ok());
  Recorder agent;
  auto producer = StartClient(ProducerOptions(**cluster, "box-fatal"), agent);
  ASSERT_NE(producer, nullptr);
  ASSERT_TRUE(WaitConnected(agent));

  ASSERT_TRUE((*cluster)->SetRtt(-1, 5'000).ok());  // keep the next messages in flight
  for (uint64_t token = 1; token <= 3; ++token) {
    ASSERT_TRUE(producer->Publish({"temp", "box-fatal", "x"}, token).ok());
  }
  ASSERT_TRUE(RaiseKafkaFatalErrorForTesting(*producer, "coolflow test").ok());
  ASSERT_TRUE(agent.WaitFor([&] { return agent.delivered_count_locked() == 3; }));
  for (const auto& [token, outcomes] : agent.delivered()) {
    ASSERT_EQ(outcomes.size(), 1u) << token;
    EXPECT_FALSE(outcomes[0].ok()) << token;  // the caller publishes them again
  }
  // librdkafka may report the purged messages before the transport reports the failure.
  EXPECT_TRUE(agent.WaitFor([&] {
    for (const Status& s : agent.connection_locked()) {
      if (s.message().find("failed for good") != std::string::npos) return true;
    }
    return false;
  }));

  ASSERT_TRUE((*cluster)->SetRtt(-1, 0).ok());
  ASSERT_TRUE(WaitConnected(agent));  // the new producer
  Status published = producer->Publish({"temp", "box-fatal", "after"}, 4);
  ASSERT_TRUE(published.ok()) << published.ToString();
  ASSERT_TRUE(agent.WaitFor([&] { return agent.delivered_count_locked() == 4; }));
  EXPECT_TRUE(agent.delivered().at(4).front().ok()) << agent.delivered().at(4).front().ToString();
  producer->Close(1'000);
}

TEST(KafkaOptionsTest, RejectsBadOptionsNamingTheField) {
  KafkaOptions good;
  good.brokers = "127.0.0.1:9";
  good.client_id = "box-1";
  EXPECT_TRUE(ValidateKafkaOptions(good).ok());

  struct Case {
    std::string field;
    KafkaOptions options;
  };
  std::vector<Case> cases;
  auto add = [&](std::string field, auto change) {
    KafkaOptions options = good;
    change(options);
    cases.push_back({std::move(field), std::move(options)});
  };
  add("kafka.brokers", [](KafkaOptions& o) { o.brokers.clear(); });
  add("kafka.max_inflight", [](KafkaOptions& o) { o.max_inflight = 0; });
  add("kafka.message_timeout_ms", [](KafkaOptions& o) { o.message_timeout_ms = -1; });
  add("kafka.topic_prefix", [](KafkaOptions& o) { o.topic_prefix = "coolflow/"; });
  add("kafka.extra.acks", [](KafkaOptions& o) { o.extra["acks"] = "1"; });
  add("kafka.producer_extra.enable.idempotence",
      [](KafkaOptions& o) { o.producer_extra["enable.idempotence"] = "false"; });
  add("kafka.extra.bootstrap.servers", [](KafkaOptions& o) { o.extra["bootstrap.servers"] = "x"; });
  add("kafka.extra.no.such.property", [](KafkaOptions& o) { o.extra["no.such.property"] = "1"; });
  add("kafka.producer_extra.linger.ms",
      [](KafkaOptions& o) { o.producer_extra["linger.ms"] = "-5"; });
  add("kafka.consumer_extra", [](KafkaOptions& o) { o.consumer_extra["auto.offset.reset"] = "x"; });
  add("kafka.consumer_extra.auto.offset.reset", [](KafkaOptions& o) {
    o.consumer_group = "g";
    o.consumer_extra["auto.offset.reset"] = "sometimes";
  });
  for (const Case& c : cases) {
    const Status status = ValidateKafkaOptions(c.options);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_TRUE(status.message().starts_with(c.field)) << c.field << ": " << status.ToString();
    EXPECT_FALSE(MakeKafkaTransport(c.options).ok()) << c.field;
  }

  // Settings librdkafka checks only as a whole, when it makes the client.
  KafkaOptions conflicting = good;
  conflicting.producer_extra["max.in.flight"] = "10";  // more than idempotence allows
  auto made = MakeKafkaTransport(conflicting);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(made.status().message().find("max.in.flight"), std::string::npos)
      << made.status().ToString();

  // Without a consumer group there is nothing to subscribe with; bad topics are refused.
  auto transport = MakeKafkaTransport(good);
  ASSERT_TRUE(transport.ok()) << transport.status().ToString();
  const Status subscribed = (*transport)->Subscribe("command");
  EXPECT_EQ(subscribed.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(subscribed.message().starts_with("kafka.consumer_group")) << subscribed.ToString();
  EXPECT_EQ((*transport)->Publish({"temp", "", "x"}, 1).code(), StatusCode::kUnavailable);
  EXPECT_EQ((*transport)->Publish({"a b", "", "x"}, 1).code(), StatusCode::kInvalidArgument);
}

// This binary links librdkafka (for the mock cluster), so LoadRdKafka finds the copy already
// mapped: the table's functions are the ones the process calls directly. (That a process
// linking no librdkafka maps it only on demand: kafka_on_demand_test.cc.)
TEST(RdKafkaLibraryTest, LoadsOnceAndCallsLibrdkafka) {
  auto first = LoadRdKafka();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = LoadRdKafka();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(*first, *second) << "one table for the process";

  const RdKafka& rdkafka = **first;
  EXPECT_STREQ(rdkafka.err2name(RD_KAFKA_RESP_ERR__TIMED_OUT),
               rd_kafka_err2name(RD_KAFKA_RESP_ERR__TIMED_OUT));
  EXPECT_STREQ(rdkafka.err2str(RD_KAFKA_RESP_ERR__FATAL),
               rd_kafka_err2str(RD_KAFKA_RESP_ERR__FATAL));
}

}  // namespace
}  // namespace coolflow::transport
