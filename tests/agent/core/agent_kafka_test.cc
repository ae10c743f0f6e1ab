// The agent delivering through Kafka: librdkafka's mock cluster stands in for the brokers
// (Debian packages no Kafka server; the mock brokers speak the Kafka protocol on loopback
// ports). Readings arrive on <prefix>.<measurement> with the box as the key, numbered per box.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "agent/agent_builder.h"
#include "agent/agent_config.h"
#include "fmt/format.h"
#include "reading/format.h"
#include "support/server_process.h"
#include "transport/kafka/kafka_mock_cluster.h"

namespace coolflow::agent {
namespace {

using coolflow::testing::KafkaMockCluster;

struct Consumed {
  std::string topic;
  std::string key;
  std::string payload;
};

// A plain librdkafka consumer reading `topics` from the beginning.
class Consumer {
 public:
  Consumer(const std::string& brokers, const std::vector<std::string>& topics) {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto set = [&](const char* key, const std::string& value) {
      EXPECT_EQ(rd_kafka_conf_set(conf, key, value.c_str(), error, sizeof(error)), RD_KAFKA_CONF_OK)
          << error;
    };
    set("bootstrap.servers", brokers);
    set("group.id", "agent-kafka-test");
    set("auto.offset.reset", "earliest");
    handle_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    EXPECT_NE(handle_, nullptr) << error;
    rd_kafka_poll_set_consumer(handle_);
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
    for (const std::string& t : topics)
      rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
    EXPECT_EQ(rd_kafka_subscribe(handle_, list), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(list);
  }
  ~Consumer() {
    rd_kafka_consumer_close(handle_);
    rd_kafka_destroy(handle_);
  }
  // Polls until `done(messages)` or the timeout.
  bool PollUntil(const std::function<bool(const std::vector<Consumed>&)>& done,
                 std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(messages_)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      rd_kafka_message_t* m = rd_kafka_consumer_poll(handle_, 100);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        messages_.push_back({rd_kafka_topic_name(m->rkt),
                             std::string(static_cast<const char*>(m->key), m->key_len),
                             std::string(static_cast<const char*>(m->payload), m->len)});
      }
      rd_kafka_message_destroy(m);
    }
    return true;
  }
  const std::vector<Consumed>& messages() const { return messages_; }

 private:
  rd_kafka_t* handle_ = nullptr;
  std::vector<Consumed> messages_;
};

std::vector<reading::Reading> Decode(const std::vector<Consumed>& messages) {
  const reading::Format* format = reading::FindFormat("coolflow-json");
  reading::DecodeOptions options;
  options.now = SystemClock::Instance().Now();
  reading::DecodeResult result;
  for (const Consumed& m : messages)
    format->decoder->Decode(m.payload, options, result);
  EXPECT_TRUE(result.errors.empty());
  return result.readings;
}

TEST(AgentKafkaTest, DeliversNumberedReadingsKeyedByBox) {
  auto cluster = KafkaMockCluster::Start(3);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  const std::vector<std::string> topics = {"coolflow.temp", "coolflow.power", "coolflow.fan"};
  for (const std::string& t : topics)
    ASSERT_TRUE((*cluster)->CreateTopic(t, 3).ok());
  auto dir = coolflow::testing::MakeTempDir("agent-kafka");
  ASSERT_TRUE(dir.ok());
  const std::string yaml =
      fmt::format(R"(box: pi-k
room:
  scenario: {}/scenarios/steady-week.yaml
inputs:
  - kind: room
    interval: 100ms
    racks: [r01]
    servers: false
delivery:
  transport: kafka
  kafka:
    brokers: {}
spool:
  dir: {}/spool
metrics:
  port: -1
log_level: warn
)",
                  COOLFLOW_SOURCE_DIR, (*cluster)->bootstrap_servers(), dir->string());
  auto config = ParseAgentConfig(yaml, "agent.yaml", ".");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto agent = BuildAgent(*config, SystemClock::Instance());
  ASSERT_TRUE(agent.ok()) << agent.status().ToString();
  ASSERT_TRUE((*agent)->Start().ok());

  Consumer consumer((*cluster)->bootstrap_servers(), topics);
  // r01's temperature, humidity, power, fan and 2 ACs' power: 6 readings a poll. Topics
  // are consumed independently, so wait until sequence numbers 1..120 are all in.
  constexpr uint64_t kWanted = 120;
  auto seqs = [](const std::vector<Consumed>& messages, size_t* duplicates) {
    std::set<uint64_t> out;
    for (const reading::Reading& r : Decode(messages)) {
      if (!out.insert(r.seq).second && duplicates) ++*duplicates;
    }
    return out;
  };
  auto complete = [&](const std::vector<Consumed>& messages) {
    const std::set<uint64_t> got = seqs(messages, nullptr);
    for (uint64_t s = 1; s <= kWanted; ++s) {
      if (!got.count(s)) return false;
    }
    return true;
  };
  const bool all = consumer.PollUntil(complete, std::chrono::seconds(60));
  (*agent)->Stop();
  ASSERT_TRUE(all) << "sequence numbers 1.." << kWanted << " did not all arrive; got "
                   << seqs(consumer.messages(), nullptr).size();
  for (const Consumed& m : consumer.messages())
    EXPECT_EQ(m.key, "pi-k") << m.topic;
  size_t duplicates = 0;
  seqs(consumer.messages(), &duplicates);
  EXPECT_EQ(duplicates, 0u);
  std::error_code ec;
  std::filesystem::remove_all(*dir, ec);
}

}  // namespace
}  // namespace coolflow::agent
