// The hub end to end, in process, with a real Mosquitto and a real agent standing for the
// simulated room: every reading the agent spooled is stored exactly once, across a broker
// outage; a flood of malformed messages loses no good reading.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "agent/agent_builder.h"
#include "agent/agent_config.h"
#include "fmt/format.h"
#include "hub/hub.h"
#include "support/mosquitto_server.h"
#include "support/server_process.h"
#include "transport/mqtt/mqtt_transport.h"

namespace coolflow::hub {
namespace {

using coolflow::testing::MosquittoServer;
using std::chrono::milliseconds;

constexpr milliseconds kWait{60'000};

// The value of one series in /metrics text; -1 when absent.
double Metric(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

template <typename Predicate>
bool Eventually(Predicate done, milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

MosquittoServer::Options BrokerOptions() {
  MosquittoServer::Options options;
  options.persistence = true;
  options.extra_config = {"max_queued_messages 0", "max_inflight_messages 1000"};
  return options;
}

class HubEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = coolflow::testing::MakeTempDir("hub-e2e");
    ASSERT_TRUE(dir.ok());
    dir_ = *dir;
  }
  void TearDown() override {
    if (agent_) agent_->Stop();
    if (hub_) hub_->Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void StartHub(uint16_t port) {
    HubConfig config;
    config.source = "hub.yaml";
    config.hub = "hub-e2e";
    config.store.dir = (dir_ / "store").string();
    config.mqtt.emplace();
    config.mqtt->port = port;
    config.pipeline.dead_letters = (dir_ / "dead.jsonl").string();
    config.http.port = -1;
    auto hub = Hub::Create(config, SystemClock::Instance());
    ASSERT_TRUE(hub.ok()) << hub.status().ToString();
    hub_ = std::move(*hub);
    ASSERT_TRUE(hub_->Start().ok());
  }

  void StartAgent(uint16_t port) {
    const std::string yaml = fmt::format(R"(box: pi-e2e
room:
  scenario: {}/scenarios/steady-week.yaml
inputs:
  - kind: room
    interval: 100ms
    racks: [r01, r02]
    servers: false
delivery:
  mqtt: {{host: 127.0.0.1, port: {}, keepalive_s: 5}}
spool:
  dir: {}
  sync_interval: 100ms
metrics:
  port: -1
log_level: warn
)",
                                         COOLFLOW_SOURCE_DIR, port, (dir_ / "spool").string());
    auto config = agent::ParseAgentConfig(yaml, "agent.yaml", ".");
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    auto agent = agent::BuildAgent(*config, SystemClock::Instance());
    ASSERT_TRUE(agent.ok()) << agent.status().ToString();
    agent_ = std::move(*agent);
    ASSERT_TRUE(agent_->Start().ok());
  }

  double AgentMetric(const std::string& series) { return Metric(agent_->RenderMetrics(), series); }
  uint64_t Stored() { return hub_->pipeline().stats().stored; }

  // Every point in the store, across the agent's measurements.
  size_t StoredPoints() {
    size_t n = 0;
    for (const char* measurement : {"temp", "power", "fan"}) {
      auto result = hub_->store().Range({measurement, "", {}}, 0,
                                        SystemClock::Instance().Now() + 1000 * kNanosPerDay);
      EXPECT_TRUE(result.ok()) << result.status().ToString();
      if (!result.ok()) continue;
      for (const auto& series : *result)
        n += series.points.size();
    }
    return n;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<agent::Agent> agent_;
};

TEST_F(HubEndToEndTest, ABrokerOutageLosesNoReadingAndEachIsStoredOnce) {
  auto broker = MosquittoServer::Start(BrokerOptions());
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  StartHub((*broker)->port());
  StartAgent((*broker)->port());
  ASSERT_TRUE(Eventually([&] { return Stored() >= 100; })) << Stored();

  // The broker goes away (a clean stop: it saves its sessions) while the agent goes on.
  (*broker)->Signal(SIGTERM);
  ASSERT_TRUE((*broker)->WaitExited());
  const std::string spooled = "coolflow_agent_readings_spooled_total{input=\"room\"}";
  const double before = AgentMetric(spooled);
  ASSERT_TRUE(Eventually([&] { return AgentMetric(spooled) >= before + 200; }));
  ASSERT_TRUE((*broker)->Restart().ok()) << (*broker)->LogTail();

  // The agent's spool drains; then it stops, and the hub stores what it took.
  ASSERT_TRUE(Eventually([&] {
    return AgentMetric("coolflow_agent_spool_depth_messages") == 0 &&
           static_cast<double>(Stored()) > before;
  }));
  agent_->Stop();
  const double total = AgentMetric(spooled);
  ASSERT_EQ(AgentMetric("coolflow_agent_spool_depth_messages"), 0);
  ASSERT_TRUE(Eventually([&] { return static_cast<double>(Stored()) >= total; }))
      << Stored() << " of " << total;
  EXPECT_EQ(static_cast<double>(Stored()), total) << "each reading stored once";
  EXPECT_EQ(static_cast<double>(StoredPoints()), total);
  const std::string metrics = hub_->RenderMetrics();
  EXPECT_NE(metrics.find("coolflow_hub_records_refused_total 0"), std::string::npos) << metrics;
  RecordProperty("duplicates", static_cast<int>(hub_->pipeline().stats().duplicates));
}

TEST_F(HubEndToEndTest, AFloodOfMalformedMessagesLosesNoGoodReading) {
  auto broker = MosquittoServer::Start(BrokerOptions());
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  StartHub((*broker)->port());
  StartAgent((*broker)->port());

  // A client that floods the readings topics with junk while the agent publishes.
  transport::MqttOptions options;
  options.port = (*broker)->port();
  options.client_id = "flood";
  options.max_inflight = 1'000;
  auto flood = transport::MakeMqttTransport(options);
  ASSERT_TRUE(flood.ok());
  transport::Callbacks callbacks;
  callbacks.delivered = [](uint64_t, const Status&) {};
  ASSERT_TRUE((*flood)->Start(callbacks).ok());
  ASSERT_TRUE(Eventually([&] { return (*flood)->connected(); }));
  const std::vector<std::string> junk = {
      "",
      "{",
      "{\"box\":\"pi-x\",\"measurement\":\"temp\",\"metric\":\"temperature\",\"value\":\"hot\"}",
      "{\"box\":\"pi-x\",\"measurement\":\"temp\",\"metric\":\"temperature\",\"value\":1e400}",
      "{\"box\":\"../etc\",\"measurement\":\"temp\",\"metric\":\"temperature\",\"value\":20}",
      std::string(100'000, '{'),
      std::string("\0\xff\xfe garbage", 12),
      "temp,box=pi-x temperature=",
      "0,pi-x,not-a-number,23",
      "{\"ip\":\"10.0.0.1\",\"cpu\":\"x\"}",
  };
  uint64_t sent = 0;
  for (int round = 0; round < 100; ++round) {
    for (const std::string& payload : junk) {
      for (const char* topic : {"coolflow/temp", "coolflow/resource", "coolflow/power"}) {
        while (!(*flood)->Publish({topic, "", payload}, ++sent).ok())
          std::this_thread::sleep_for(milliseconds(1));
      }
    }
  }
  ASSERT_TRUE(Eventually([&] { return (*flood)->in_flight() == 0; }));
  (*flood)->Close(1'000);
  ASSERT_TRUE(Eventually([&] { return Stored() >= 200; }));
  agent_->Stop();
  const double total = AgentMetric("coolflow_agent_readings_spooled_total{input=\"room\"}");
  ASSERT_TRUE(Eventually([&] { return static_cast<double>(Stored()) >= total; }))
      << Stored() << " of " << total;
  EXPECT_EQ(static_cast<double>(Stored()), total);
  const PipelineStats stats = hub_->pipeline().stats();
  EXPECT_GE(stats.refused_records, 100u * 3u * 5u) << "the junk was counted";
  EXPECT_GT(stats.inputs, sent) << "every junk message was taken (and acknowledged)";
}

}  // namespace
}  // namespace coolflow::hub
