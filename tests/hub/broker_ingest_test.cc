// The hub's broker ingest against a real Mosquitto (and librdkafka's mock Kafka cluster, since
// Debian packages no Kafka server), over the real embedded engine: readings reach the store,
// agents' status reaches the handler, a failing store is retried until it takes the messages
// (the broker keeps them meanwhile), commands go out on the command topic, and several
// connections sharing one subscription store every message once and lose none when one of
// them drops.
#include "hub/broker_ingest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "store/engine/engine.h"
#include "store/wal/fault_injection_file_system.h"
#include "support/mosquitto_server.h"
#include "support/server_process.h"
#include "transport/kafka/kafka_mock_cluster.h"
#include "transport/kafka/kafka_transport.h"
#include "transport/mqtt/mqtt_transport.h"
#include "transport/transport_recorder.h"

namespace coolflow::hub {
namespace {

using coolflow::testing::MosquittoServer;
using coolflow::testing::TransportRecorder;
using store::engine::Engine;
using store::engine::EngineOptions;
using store::wal::FaultInjectionFileSystem;

constexpr std::chrono::seconds kWait{30};

std::string JsonReading(const std::string& box, uint64_t seq, double value) {
  const TimeNs time = SystemClock::Instance().Now() - 60 * kNanosPerSecond +
                      static_cast<TimeNs>(seq) * kNanosPerSecond;
  return fmt::format(
      R"({{"box":"{}","measurement":"temp","metric":"temperature","value":{},"unit":"Cel","time":{},"seq":{},"tags":{{"rack":"r01"}}}})",
      box, value, time, seq);
}

// Polls `done` until it holds or kWait passes.
template <typename Predicate>
bool Eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class BrokerIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs_.CreateDir("/db").ok());
    EngineOptions options;
    options.fs = &fs_;
    options.background = false;
    auto engine = Engine::Open("/db", options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    pipeline_ =
        std::make_unique<Pipeline>(PipelineOptions{}, *engine_, dead_, SystemClock::Instance());
    pipeline_->Start();
  }
  void TearDown() override {
    if (ingest_ != nullptr) ingest_->Stop();
    pipeline_->Stop();
  }

  size_t StoredPoints(const std::string& box) {
    auto result = engine_->Range({"temp", "temperature", {{"box", box}}}, 0,
                                 SystemClock::Instance().Now() + kNanosPerDay);
    size_t n = 0;
    if (result.ok()) {
      for (const auto& series : *result)
        n += series.points.size();
    }
    return n;
  }

  BrokerHandlers Handlers() {
    BrokerHandlers handlers;
    handlers.status = [this](std::string_view box, bool online, TimeNs) {
      std::lock_guard lock(mu_);
      statuses_.push_back(fmt::format("{}={}", box, online ? "online" : "offline"));
    };
    handlers.reply = [this](std::string_view box, std::string_view payload, TimeNs) {
      std::lock_guard lock(mu_);
      replies_.push_back(fmt::format("{}:{}", box, payload));
    };
    return handlers;
  }
  std::vector<std::string> statuses() {
    std::lock_guard lock(mu_);
    return statuses_;
  }
  std::vector<std::string> replies() {
    std::lock_guard lock(mu_);
    return replies_;
  }

  FaultInjectionFileSystem fs_;
  std::unique_ptr<Engine> engine_;
  DeadLetterLog dead_{DeadLetterOptions{}};
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<BrokerIngest> ingest_;
  std::mutex mu_;
  std::vector<std::string> statuses_;
  std::vector<std::string> replies_;
};

transport::MqttOptions Client(const MosquittoServer& broker, const std::string& id) {
  transport::MqttOptions options;
  options.port = broker.port();
  options.client_id = id;
  options.reconnect_min_ms = 100;
  options.reconnect_max_ms = 400;
  return options;
}

TEST_F(BrokerIngestTest, MqttReadingsReachTheStoreAndStatusTheHandler) {
  auto broker = MosquittoServer::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  auto hub_transport = transport::MakeMqttTransport(Client(**broker, "hub-ingest"));
  ASSERT_TRUE(hub_transport.ok());
  ingest_ = std::make_unique<BrokerIngest>(BrokerIngestOptions{}, std::move(*hub_transport),
                                           *pipeline_, dead_, Handlers(), SystemClock::Instance());
  const Status started = ingest_->Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  ASSERT_TRUE(Eventually([&] { return ingest_->connected(); }));

  // An agent: its status topic, readings, a reply; and it listens for its commands.
  TransportRecorder agent;
  transport::MqttOptions agent_options = Client(**broker, "agent-pi-1");
  agent_options.status_topic = "coolflow/status/pi-1";
  auto box = coolflow::testing::StartTransport(transport::MakeMqttTransport(agent_options), agent);
  ASSERT_NE(box, nullptr);
  ASSERT_TRUE(box->Subscribe("coolflow/command/pi-1").ok());
  ASSERT_TRUE(coolflow::testing::WaitConnected(agent));
  // The hub's subscription may still be on its way: the retained status proves it is there.
  ASSERT_TRUE(Eventually([&] { return !statuses().empty(); }));
  EXPECT_EQ(statuses().front(), "pi-1=online");

  for (uint64_t seq = 1; seq <= 20; ++seq) {
    ASSERT_TRUE(box->Publish({"coolflow/temp", "",
                              JsonReading("pi-1", seq, 20.0 + static_cast<double>(seq) / 10.0)},
                             seq)
                    .ok());
  }
  ASSERT_TRUE(
      box->Publish({"coolflow/reply/pi-1", "", R"({"id":"c1","outcome":"applied"})"}, 100).ok());
  ASSERT_TRUE(Eventually([&] { return StoredPoints("pi-1") == 20; })) << StoredPoints("pi-1");
  ASSERT_TRUE(Eventually([&] { return !replies().empty(); }));
  EXPECT_EQ(replies().front(), R"(pi-1:{"id":"c1","outcome":"applied"})");

  // A command reaches the agent.
  ASSERT_TRUE(Eventually(
      [&] { return ingest_->PublishCommand("pi-1", R"({"device":"ac1","setpoint_c":24})").ok(); }));
  ASSERT_TRUE(agent.WaitFor([&] {
    for (const auto& m : agent.received_locked()) {
      if (m.topic == "coolflow/command/pi-1") return true;
    }
    return false;
  }));
  box->Close(1'000);
  ASSERT_TRUE(Eventually([&] { return statuses().back() == "pi-1=offline"; }));
  const std::string metrics = ingest_->RenderMetrics();
  EXPECT_NE(metrics.find("coolflow_hub_broker_messages_total{source=\"mqtt\"} 20"),
            std::string::npos)
      << metrics;
}

TEST_F(BrokerIngestTest, AFailingStoreIsRetriedAndTheBrokerKeepsTheMessagesMeanwhile) {
  auto broker = MosquittoServer::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  auto hub_transport = transport::MakeMqttTransport(Client(**broker, "hub-retry"));
  ASSERT_TRUE(hub_transport.ok());
  BrokerIngestOptions options;
  options.retry_min = std::chrono::milliseconds(20);
  options.retry_max = std::chrono::milliseconds(50);
  ingest_ = std::make_unique<BrokerIngest>(options, std::move(*hub_transport), *pipeline_, dead_,
                                           Handlers(), SystemClock::Instance());
  const Status started = ingest_->Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  TransportRecorder agent;
  transport::MqttOptions agent_options = Client(**broker, "agent-pi-2");
  agent_options.status_topic = "coolflow/status/pi-2";
  auto box = coolflow::testing::StartTransport(transport::MakeMqttTransport(agent_options), agent);
  ASSERT_NE(box, nullptr);
  ASSERT_TRUE(Eventually([&] { return !statuses().empty(); }));

  fs_.FailNext(FaultInjectionFileSystem::Op::kWrite, ENOSPC, /*count=*/3);  // a full disk
  for (uint64_t seq = 1; seq <= 5; ++seq)
    ASSERT_TRUE(box->Publish({"coolflow/temp", "", JsonReading("pi-2", seq, 21.5)}, seq).ok());
  ASSERT_TRUE(Eventually([&] { return StoredPoints("pi-2") == 5; })) << StoredPoints("pi-2");
  EXPECT_GE(pipeline_->stats().store_failures, 1u);
  EXPECT_EQ(pipeline_->stats().duplicates, 0u);
  const std::string metrics = ingest_->RenderMetrics();
  EXPECT_EQ(metrics.find("coolflow_hub_broker_store_retries_total{source=\"mqtt\"} 0"),
            std::string::npos)
      << metrics;
  box->Close(1'000);
}

// The hub's connections for one ingest: persistent sessions, client ids "<id>", "<id>-2"...
std::vector<std::unique_ptr<transport::Transport>> HubConnections(const MosquittoServer& broker,
                                                                  const std::string& id,
                                                                  int count) {
  std::vector<std::unique_ptr<transport::Transport>> transports;
  for (int i = 0; i < count; ++i) {
    transport::MqttOptions options = Client(broker, i == 0 ? id : fmt::format("{}-{}", id, i + 1));
    options.clean_session = false;
    auto made = transport::MakeMqttTransport(options);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    if (made.ok()) transports.push_back(std::move(*made));
  }
  return transports;
}

// Publishes readings of box `box` numbered first..last at QoS 1, waiting while the window is
// full; true once the broker acknowledged every one.
bool PublishAll(transport::Transport& agent, TransportRecorder& recorder, const std::string& box,
                uint64_t first, uint64_t last) {
  for (uint64_t seq = first; seq <= last; ++seq) {
    const transport::Message message{"coolflow/temp", "", JsonReading(box, seq, 21.0)};
    if (!Eventually([&] { return agent.Publish(message, seq).ok(); })) return false;
  }
  return recorder.WaitFor([&] {
    for (uint64_t seq = first; seq <= last; ++seq) {
      if (!recorder.delivered_locked(seq)) return false;
    }
    return true;
  });
}

// Waits until every connection of `ingest` took a message: their shared subscriptions are in
// place (a message published before would reach none of them and be dropped).
bool EveryConnectionTakesMessages(BrokerIngest& ingest, transport::Transport& agent,
                                  const std::string& probe_box) {
  uint64_t seq = 0;
  return Eventually([&] {
    ++seq;
    (void)agent.Publish({"coolflow/temp", "", JsonReading(probe_box, seq, 20.0)}, 1'000'000 + seq);
    const std::vector<uint64_t> counts = ingest.messages_per_connection();
    return std::all_of(counts.begin(), counts.end(), [](uint64_t n) { return n > 0; });
  });
}

TEST_F(BrokerIngestTest, SeveralConnectionsShareTheReadingsAndStoreEachMessageOnce) {
  auto broker = MosquittoServer::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  ingest_ = std::make_unique<BrokerIngest>(BrokerIngestOptions{},
                                           HubConnections(**broker, "hub-shared", 3), *pipeline_,
                                           dead_, Handlers(), SystemClock::Instance());
  ASSERT_EQ(ingest_->connections(), 3u);
  const Status started = ingest_->Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  ASSERT_TRUE(Eventually([&] { return ingest_->connected(); }));

  TransportRecorder agent;
  transport::MqttOptions agent_options = Client(**broker, "agent-pi-5");
  agent_options.status_topic = "coolflow/status/pi-5";
  auto box = coolflow::testing::StartTransport(transport::MakeMqttTransport(agent_options), agent);
  ASSERT_NE(box, nullptr);
  ASSERT_TRUE(coolflow::testing::WaitConnected(agent));
  ASSERT_TRUE(EveryConnectionTakesMessages(*ingest_, *box, "probe-5"));

  constexpr uint64_t kMessages = 200;
  ASSERT_TRUE(PublishAll(*box, agent, "pi-5", 1, kMessages));
  ASSERT_TRUE(
      box->Publish({"coolflow/reply/pi-5", "", R"({"id":"c5","outcome":"applied"})"}, 500).ok());
  ASSERT_TRUE(Eventually([&] { return StoredPoints("pi-5") == kMessages; }))
      << StoredPoints("pi-5");
  // Each message went to one connection: a second copy would have been dropped as one.
  EXPECT_EQ(pipeline_->stats().duplicates, 0u);
  // The status and the replies are not shared: the first connection alone takes them, once.
  ASSERT_TRUE(Eventually([&] { return !replies().empty(); }));
  box->Close(1'000);
  ASSERT_TRUE(Eventually([&] { return statuses().size() >= 2; }));
  EXPECT_EQ(statuses(), (std::vector<std::string>{"pi-5=online", "pi-5=offline"}));
  EXPECT_EQ(replies(), (std::vector<std::string>{R"(pi-5:{"id":"c5","outcome":"applied"})"}));
  // Commands go out through one of them.
  EXPECT_TRUE(ingest_->PublishCommand("pi-5", R"({"device":"ac1","setpoint_c":24})").ok());
  const std::string metrics = ingest_->RenderMetrics();
  EXPECT_NE(metrics.find("coolflow_hub_broker_connections_up{source=\"mqtt\"} 3"),
            std::string::npos)
      << metrics;
}

TEST_F(BrokerIngestTest, AConnectionThatDropsLosesNothingTheBrokerConsidersDelivered) {
  auto broker = MosquittoServer::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  std::vector<std::unique_ptr<transport::Transport>> connections =
      HubConnections(**broker, "hub-drop", 2);
  ASSERT_EQ(connections.size(), 2u);
  transport::Transport* second = connections[1].get();
  ingest_ = std::make_unique<BrokerIngest>(BrokerIngestOptions{}, std::move(connections),
                                           *pipeline_, dead_, Handlers(), SystemClock::Instance());
  ASSERT_TRUE(ingest_->Start().ok());
  TransportRecorder agent;
  auto box = coolflow::testing::StartTransport(
      transport::MakeMqttTransport(Client(**broker, "agent-pi-6")), agent);
  ASSERT_NE(box, nullptr);
  ASSERT_TRUE(coolflow::testing::WaitConnected(agent));
  ASSERT_TRUE(EveryConnectionTakesMessages(*ingest_, *box, "probe-6"));

  // The second connection goes away while readings flow; the broker acknowledged all of them
  // to the agent, so it owes them to the hub: its share waits in that connection's session.
  constexpr uint64_t kMessages = 200;
  ASSERT_TRUE(PublishAll(*box, agent, "pi-6", 1, kMessages / 2));
  second->Close(0);
  EXPECT_FALSE(ingest_->connected());
  ASSERT_TRUE(PublishAll(*box, agent, "pi-6", kMessages / 2 + 1, kMessages));

  // The hub comes back with the same sessions: every reading is stored, none twice.
  ingest_->Stop();
  ingest_ =
      std::make_unique<BrokerIngest>(BrokerIngestOptions{}, HubConnections(**broker, "hub-drop", 2),
                                     *pipeline_, dead_, Handlers(), SystemClock::Instance());
  ASSERT_TRUE(ingest_->Start().ok());
  ASSERT_TRUE(Eventually([&] { return StoredPoints("pi-6") == kMessages; }))
      << StoredPoints("pi-6");
  box->Close(1'000);
}

TEST_F(BrokerIngestTest, KafkaReadingsReachTheStoreThroughARegexSubscription) {
  auto cluster = coolflow::testing::KafkaMockCluster::Start(1);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  ASSERT_TRUE((*cluster)->CreateTopic("coolflow.temp", 2, 1).ok());
  ASSERT_TRUE((*cluster)->CreateTopic("coolflow.reply.pi-3", 1, 1).ok());
  transport::KafkaOptions hub_options;
  hub_options.brokers = (*cluster)->bootstrap_servers();
  hub_options.client_id = "hub";
  hub_options.consumer_group = "coolflow-hub";
  hub_options.consumer_extra["auto.offset.reset"] = "earliest";
  hub_options.consumer_extra["topic.metadata.refresh.interval.ms"] = "500";
  auto hub_transport = transport::MakeKafkaTransport(hub_options);
  ASSERT_TRUE(hub_transport.ok()) << hub_transport.status().ToString();
  BrokerIngestOptions options;
  options.source = "kafka";
  options.separator = '.';
  ingest_ = std::make_unique<BrokerIngest>(options, std::move(*hub_transport), *pipeline_, dead_,
                                           Handlers(), SystemClock::Instance());
  const Status started = ingest_->Start();
  ASSERT_TRUE(started.ok()) << started.ToString();

  transport::KafkaOptions agent_options;
  agent_options.brokers = (*cluster)->bootstrap_servers();
  agent_options.client_id = "pi-3";
  TransportRecorder agent;
  auto box = coolflow::testing::StartTransport(transport::MakeKafkaTransport(agent_options), agent);
  ASSERT_NE(box, nullptr);
  ASSERT_TRUE(coolflow::testing::WaitConnected(agent));
  for (uint64_t seq = 1; seq <= 10; ++seq)
    ASSERT_TRUE(box->Publish({"coolflow.temp", "pi-3", JsonReading("pi-3", seq, 22.0)}, seq).ok());
  ASSERT_TRUE(box->Publish({"coolflow.reply.pi-3", "pi-3", R"({"id":"c9"})"}, 11).ok());
  ASSERT_TRUE(Eventually([&] { return StoredPoints("pi-3") == 10; })) << StoredPoints("pi-3");
  ASSERT_TRUE(Eventually([&] { return !replies().empty(); }));
  EXPECT_EQ(replies().front(), R"(pi-3:{"id":"c9"})");
  box->Close(1'000);
  // Before the cluster goes: a consumer whose group coordinator is gone blocks in its
  // destruction for session.timeout.ms (librdkafka issue 4519).
  ingest_->Stop();
}

}  // namespace
}  // namespace coolflow::hub
