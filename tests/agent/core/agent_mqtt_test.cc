// The agent end to end against a real Mosquitto: readings from the simulated room arrive
// numbered per box; commands are applied and answered; a broker outage of a minute and a
// `kill -9` of the agent lose nothing.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent_builder.h"
#include "agent/agent_config.h"
#include "fmt/format.h"
#include "mqtt_collector.h"
#include "nlohmann/json.hpp"
#include "reading/format.h"
#include "support/lircd_server.h"
#include "support/mosquitto_server.h"
#include "support/server_process.h"

namespace coolflow::agent {
namespace {

using coolflow::testing::CollectedMessage;
using coolflow::testing::MosquittoServer;
using coolflow::testing::MqttCollector;
using std::chrono::milliseconds;

constexpr milliseconds kWait{30'000};
constexpr const char* kBox = "pi-t";

std::string ConfigYaml(uint16_t port, const std::string& spool_dir, const std::string& interval,
                       uint16_t metrics_port = 0) {
  return fmt::format(R"(box: {box}
room:
  scenario: {source}/scenarios/steady-week.yaml
inputs:
  - kind: room
    interval: {interval}
    racks: [r01, r02]
    servers: false
devices:
  - name: ac1
    kind: room
    min_interval: 1s
delivery:
  mqtt: {{host: 127.0.0.1, port: {port}, keepalive_s: 5}}
spool:
  dir: {spool}
  sync_interval: 100ms
metrics:
  port: {metrics_port}
log_level: warn
)",
                     fmt::arg("box", kBox), fmt::arg("source", COOLFLOW_SOURCE_DIR),
                     fmt::arg("interval", interval), fmt::arg("port", port),
                     fmt::arg("spool", spool_dir), fmt::arg("metrics_port", metrics_port));
}

// The readings of every message on a readings topic, decoded as the hub would.
std::vector<reading::Reading> Readings(const std::vector<CollectedMessage>& messages) {
  const reading::Format* format = reading::FindFormat("coolflow-json");
  reading::DecodeOptions options;
  options.now = SystemClock::Instance().Now();
  reading::DecodeResult result;
  for (const CollectedMessage& m : messages) {
    if (m.topic.starts_with("coolflow/temp") || m.topic.starts_with("coolflow/power") ||
        m.topic.starts_with("coolflow/fan")) {
      format->decoder->Decode(m.payload, options, result);
    }
  }
  EXPECT_TRUE(result.errors.empty()) << result.errors.front().ToString();
  return result.readings;
}

// Sequence numbers of `box`, each once, and how many duplicates there were.
std::set<uint64_t> Seqs(const std::vector<reading::Reading>& readings, size_t* duplicates) {
  std::set<uint64_t> seqs;
  for (const reading::Reading& r : readings) {
    if (r.box == kBox && !seqs.insert(r.seq).second && duplicates) ++*duplicates;
  }
  return seqs;
}

// The value of one series in /metrics text: a metric name, with its labels when it has any
// ("x_total" or "x_total{input=\"room\"}"); -1 when it is not there.
double Metric(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

// GET /metrics of an agent process on 127.0.0.1:port; "" when it does not answer.
std::string ScrapeMetrics(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string request = "GET /metrics HTTP/1.0\r\n\r\n";
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0)
      answer.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  const size_t body = answer.find("\r\n\r\n");
  // Metric() looks for a series after a newline.
  return body == std::string::npos ? "" : answer.substr(body + 3);
}

class AgentMqttTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = coolflow::testing::MakeTempDir("agent");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = *dir;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<Agent> StartAgent(uint16_t port, const std::string& interval) {
    auto config =
        ParseAgentConfig(ConfigYaml(port, (dir_ / "spool").string(), interval), "agent.yaml", ".");
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    if (!config.ok()) return nullptr;
    auto agent = BuildAgent(*config, SystemClock::Instance());
    EXPECT_TRUE(agent.ok()) << agent.status().ToString();
    if (!agent.ok()) return nullptr;
    Status started = (*agent)->Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
    return std::move(*agent);
  }

  std::filesystem::path dir_;
};

TEST_F(AgentMqttTest, DeliversNumberedReadingsAndAnswersCommands) {
  auto broker = MosquittoServer::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  auto collector = MqttCollector::Start((*broker)->port(), "coolflow/#", "collector-1");
  ASSERT_TRUE(collector.ok()) << collector.status().ToString();
  std::unique_ptr<Agent> agent = StartAgent((*broker)->port(), "100ms");
  ASSERT_NE(agent, nullptr);

  // Ten polls' worth: 2 racks x (temperature, humidity, power, fan) + 2 ACs' power each.
  ASSERT_TRUE(
      (*collector)
          ->WaitFor([](const auto& messages) { return Readings(messages).size() >= 100; }, kWait));
  const std::vector<reading::Reading> readings = Readings((*collector)->messages());
  size_t duplicates = 0;
  const std::set<uint64_t> seqs = Seqs(readings, &duplicates);
  EXPECT_EQ(duplicates, 0u);
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), seqs.size()) << "a gap in the sequence";
  std::set<std::string> metrics;
  for (const reading::Reading& r : readings)
    metrics.insert(r.measurement + "/" + r.metric);
  EXPECT_EQ(metrics, (std::set<std::string>{"temp/temperature", "temp/humidity", "power/power",
                                            "fan/fan_speed"}));

  // Commands: applied, out of range, unknown device, too soon.
  const std::string command_topic = "coolflow/command/pi-t";
  ASSERT_TRUE(
      (*collector)->Publish(command_topic, R"({"id":"c1","device":"ac1","setpoint_c":22})").ok());
  ASSERT_TRUE(
      (*collector)->Publish(command_topic, R"({"id":"c2","device":"ac1","setpoint_c":35})").ok());
  ASSERT_TRUE(
      (*collector)->Publish(command_topic, R"({"id":"c3","device":"ac7","power":false})").ok());
  ASSERT_TRUE((*collector)->Publish(command_topic, "name=ac1&temperature=23").ok());
  ASSERT_TRUE((*collector)->Publish(command_topic, "{not json").ok());
  std::vector<nlohmann::json> replies;
  ASSERT_TRUE((*collector)
                  ->WaitFor(
                      [&](const auto& messages) {
                        replies.clear();
                        for (const CollectedMessage& m : messages) {
                          if (m.topic == "coolflow/reply/pi-t")
                            replies.push_back(nlohmann::json::parse(m.payload));
                        }
                        return replies.size() >= 5;
                      },
                      kWait));
  EXPECT_EQ(replies[0]["id"], "c1");
  EXPECT_EQ(replies[0]["outcome"], "applied");
  EXPECT_EQ(replies[0]["state"]["setpoint_c"], 22);
  EXPECT_EQ(replies[1]["outcome"], "refused");
  EXPECT_EQ(replies[1]["error"], "setpoint 35 C is outside 18..30 C for ac1");
  EXPECT_EQ(replies[2]["outcome"], "refused");
  EXPECT_EQ(replies[2]["error"], "unknown device \"ac7\"");
  EXPECT_EQ(replies[3]["outcome"], "rate_limited");  // within min_interval of c1
  EXPECT_EQ(replies[4]["outcome"], "refused");
  EXPECT_EQ(replies[4]["error"], "command: not valid JSON");

  const std::string text = agent->RenderMetrics();
  EXPECT_GE(Metric(text, "coolflow_agent_readings_read_total{input=\"room\"}"), 100);
  EXPECT_EQ(Metric(text, "coolflow_agent_commands_total{device=\"ac1\",outcome=\"applied\"}"), 1);
  EXPECT_EQ(Metric(text, "coolflow_agent_bad_commands_total"), 1);
  EXPECT_EQ(Metric(text, "coolflow_agent_broker_connected"), 1);
  agent->Stop();
}

// A command from the broker reaches a real lircd as the seed's remote and keys; a device
// that takes MQTT gets its whole state; `format: seed` writes the seed's temp CSV.
TEST_F(AgentMqttTest, DrivesLircAndMqttDevicesAndSpeaksTheSeedsFormat) {
  auto broker = MosquittoServer::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  auto lircd = coolflow::testing::LircdServer::Start();
  ASSERT_TRUE(lircd.ok()) << lircd.status().ToString();
  auto collector = MqttCollector::Start((*broker)->port(), "#", "collector-devices");
  ASSERT_TRUE(collector.ok()) << collector.status().ToString();
  const std::string yaml =
      fmt::format(R"(box: {box}
room:
  scenario: {source}/scenarios/steady-week.yaml
inputs:
  - kind: room
    interval: 200ms
    racks: [r01]
    servers: false
    acs: false
devices:
  - name: ServerRoom_AC1
    kind: lirc
    socket: {socket}
    remote: ServerRoom_AC1
  - name: fan-r01
    kind: mqtt
    class: fan
delivery:
  format: seed
  mqtt: {{host: 127.0.0.1, port: {port}}}
spool:
  dir: {spool}
metrics:
  port: -1
log_level: warn
)",
                  fmt::arg("box", kBox), fmt::arg("source", COOLFLOW_SOURCE_DIR),
                  fmt::arg("socket", (*lircd)->socket()), fmt::arg("port", (*broker)->port()),
                  fmt::arg("spool", (dir_ / "spool").string()));
  auto config = ParseAgentConfig(yaml, "agent.yaml", ".");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto agent = BuildAgent(*config, SystemClock::Instance());
  ASSERT_TRUE(agent.ok()) << agent.status().ToString();
  ASSERT_TRUE((*agent)->Start().ok());

  // Readings flowing means the agent is connected and subscribed to its command topic.
  ASSERT_TRUE((*collector)->WaitForTopic("coolflow/temp", kWait));
  // The seed's controlAC1 command, as its hub sent it.
  auto replies = [&](size_t n) {
    return (*collector)->WaitForTopic("coolflow/reply/pi-t", kWait, n);
  };
  ASSERT_TRUE(
      (*collector)
          ->Publish("coolflow/command/pi-t", "name=ServerRoom_AC1&temperature=24&direction=1")
          .ok());
  ASSERT_TRUE(replies(1));
  auto sent = (*lircd)->Transmitted();
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(*sent, (std::vector<std::string>{"ServerRoom_AC1 POWER_ON", "ServerRoom_AC1 SET_24"}));

  ASSERT_TRUE(
      (*collector)
          ->Publish("coolflow/command/pi-t", R"({"id":"f1","device":"fan-r01","fan_percent":40})")
          .ok());
  ASSERT_TRUE((*collector)->WaitForTopic("coolflow/device/fan-r01", kWait));
  for (const CollectedMessage& m : (*collector)->messages()) {
    if (m.topic != "coolflow/device/fan-r01") continue;
    const auto state = nlohmann::json::parse(m.payload);
    EXPECT_EQ(state["device"], "fan-r01");
    EXPECT_EQ(state["power"], true);
    EXPECT_EQ(state["fan_percent"], 40);
  }

  // Readings of measurement temp go out as the seed's CSV: x,id,humidity,temperature.
  ASSERT_TRUE((*collector)->WaitForTopic("coolflow/temp", kWait));
  const reading::Format* csv = reading::FindFormat("temp-csv");
  for (const CollectedMessage& m : (*collector)->messages()) {
    if (m.topic != "coolflow/temp") continue;
    reading::DecodeOptions options;
    options.now = SystemClock::Instance().Now();
    reading::DecodeResult result;
    csv->decoder->Decode(m.payload, options, result);
    EXPECT_TRUE(result.errors.empty()) << m.payload;
    EXPECT_EQ(result.readings.size(), 2u) << m.payload;
  }
  (*agent)->Stop();
}

// TLS and a password through the agent's own config: the broker takes no anonymous clients
// and speaks only TLS; the password comes from a file.
TEST_F(AgentMqttTest, DeliversOverTlsWithAPasswordFromAFile) {
  MosquittoServer::Options broker_options;
  broker_options.tls = true;
  broker_options.users = {{"pi-t", "s3cret-pass"}};
  auto broker = MosquittoServer::Start(broker_options);
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  const std::filesystem::path password = dir_ / "mqtt-password";
  ASSERT_TRUE(coolflow::testing::WriteFile(password, "s3cret-pass\n").ok());
  std::string yaml = ConfigYaml((*broker)->port(), (dir_ / "spool").string(), "100ms");
  const std::string plain =
      fmt::format("mqtt: {{host: 127.0.0.1, port: {}, keepalive_s: 5}}", (*broker)->port());
  const size_t at = yaml.find(plain);
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, plain.size(),
               fmt::format("mqtt: {{host: 127.0.0.1, port: {}, username: pi-t, password_file: {}, "
                           "ca_file: {}}}",
                           (*broker)->port(), password.string(), (*broker)->ca_file().string()));
  auto config = ParseAgentConfig(yaml, "agent.yaml", ".");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto agent = BuildAgent(*config, SystemClock::Instance());
  ASSERT_TRUE(agent.ok()) << agent.status().ToString();
  ASSERT_TRUE((*agent)->Start().ok());
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (Metric((*agent)->RenderMetrics(), "coolflow_agent_messages_sent_total") < 20 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  const std::string text = (*agent)->RenderMetrics();
  EXPECT_GE(Metric(text, "coolflow_agent_messages_sent_total"), 20) << text;
  EXPECT_EQ(Metric(text, "coolflow_agent_broker_connected"), 1);
  (*agent)->Stop();
}

// The issue's outage test: publishing at 10 Hz, Mosquitto goes away for 60 s and comes back;
// every reading arrives, exactly once after de-duplication by sequence number.
TEST_F(AgentMqttTest, BrokerOutageOfAMinuteLosesNothing) {
  MosquittoServer::Options options;
  options.persistence = true;  // the collector's session and queue survive the restart
  auto broker = MosquittoServer::Start(options);
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  const uint16_t port = (*broker)->port();
  auto collector = MqttCollector::Start(port, "coolflow/#", "collector-outage");
  ASSERT_TRUE(collector.ok()) << collector.status().ToString();
  std::unique_ptr<Agent> agent = StartAgent(port, "100ms");
  ASSERT_NE(agent, nullptr);
  ASSERT_TRUE(
      (*collector)
          ->WaitFor([](const auto& messages) { return Readings(messages).size() >= 50; }, kWait));

  // A clean stop (SIGTERM) so the broker saves its queues; the agent sees the connection go.
  (*broker)->Signal(SIGTERM);
  const auto gone = std::chrono::steady_clock::now() + kWait;
  while (coolflow::testing::CanConnect(port) && std::chrono::steady_clock::now() < gone)
    std::this_thread::sleep_for(milliseconds(50));
  ASSERT_FALSE(coolflow::testing::CanConnect(port));
  std::this_thread::sleep_for(std::chrono::seconds(60));
  EXPECT_GT(Metric(agent->RenderMetrics(), "coolflow_agent_spool_depth_messages"), 100)
      << "a minute of readings waits in the spool";
  ASSERT_TRUE((*broker)->Restart().ok()) << (*broker)->LogTail();

  // The spool drains once the agent has reconnected by itself.
  const auto drained = std::chrono::steady_clock::now() + kWait;
  while (Metric(agent->RenderMetrics(), "coolflow_agent_spool_depth_messages") > 2 &&
         std::chrono::steady_clock::now() < drained) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  agent->Stop();
  const std::string text = agent->RenderMetrics();
  EXPECT_EQ(Metric(text, "coolflow_agent_spool_depth_messages"), 0) << text;
  const double spooled = Metric(text, "coolflow_agent_readings_spooled_total{input=\"room\"}");
  EXPECT_GE(spooled, 600);  // more than a minute at 10 Hz, 10 readings a poll

  // Everything the agent spooled arrives: sequence numbers 1..N, each at least once.
  ASSERT_TRUE((*collector)
                  ->WaitFor(
                      [&](const auto& messages) {
                        return static_cast<double>(Seqs(Readings(messages), nullptr).size()) >=
                               spooled;
                      },
                      kWait))
      << "received " << Seqs(Readings((*collector)->messages()), nullptr).size() << " of "
      << spooled;
  size_t duplicates = 0;
  const std::set<uint64_t> seqs = Seqs(Readings((*collector)->messages()), &duplicates);
  EXPECT_EQ(static_cast<double>(seqs.size()), spooled);
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), seqs.size()) << "a gap in the sequence";
  RecordProperty("duplicates", static_cast<int>(duplicates));
}

// `kill -9` of an agent process holding a spool: after a restart everything spooled arrives.
TEST_F(AgentMqttTest, KilledAgentLosesNothingItSpooled) {
  auto broker = MosquittoServer::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  const uint16_t port = (*broker)->port();
  (*broker)->Stop();  // away while the first agent runs: everything goes to the spool
  auto metrics_port = coolflow::testing::FreeLoopbackPort();
  ASSERT_TRUE(metrics_port.ok()) << metrics_port.status().ToString();
  const std::filesystem::path config = dir_ / "agent.yaml";
  ASSERT_TRUE(coolflow::testing::WriteFile(
                  config, ConfigYaml(port, (dir_ / "spool").string(), "100ms", *metrics_port))
                  .ok());
  const std::string program = std::string(COOLFLOW_BINARY_DIR) + "/apps/coolflow";
  auto first = coolflow::testing::ServerProcess::Spawn(
      {program, "agent", "--config", config.string()}, dir_ / "agent-1.log");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // Let it spool at least 100 readings (about 10 polls), however slow the machine is.
  const std::string spooled = "coolflow_agent_readings_spooled_total{input=\"room\"}";
  const auto spooling = std::chrono::steady_clock::now() + kWait;
  while (Metric(ScrapeMetrics(*metrics_port), spooled) < 100 &&
         std::chrono::steady_clock::now() < spooling && !(*first)->Exited()) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_FALSE((*first)->Exited()) << (*first)->LogTail();
  ASSERT_GE(Metric(ScrapeMetrics(*metrics_port), spooled), 100) << (*first)->LogTail();
  const TimeNs killed_at = SystemClock::Instance().Now();
  (*first)->Signal(SIGKILL);
  (*first)->Kill();

  ASSERT_TRUE((*broker)->Restart().ok());
  auto collector = MqttCollector::Start(port, "coolflow/#", "collector-kill");
  ASSERT_TRUE(collector.ok()) << collector.status().ToString();
  auto second = coolflow::testing::ServerProcess::Spawn(
      {program, "agent", "--config", config.string()}, dir_ / "agent-2.log");
  ASSERT_TRUE(second.ok()) << second.status().ToString();

  // The first run's readings: every one from seq 1 on, with no hole.
  auto first_run = [&](const std::vector<CollectedMessage>& messages) {
    std::vector<reading::Reading> before;
    for (reading::Reading& r : Readings(messages)) {
      if (r.time < killed_at) before.push_back(std::move(r));
    }
    return before;
  };
  // Wait until readings stamped after the kill arrive: the spool's backlog came first.
  ASSERT_TRUE((*collector)
                  ->WaitFor(
                      [&](const auto& messages) {
                        for (const reading::Reading& r : Readings(messages)) {
                          if (r.time > killed_at) return true;
                        }
                        return false;
                      },
                      kWait))
      << (*second)->LogTail();
  const std::set<uint64_t> seqs = Seqs(first_run((*collector)->messages()), nullptr);
  // It had spooled at least 100 when it was killed.
  EXPECT_GE(seqs.size(), 100u);
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), seqs.size()) << "a reading of the killed agent is missing";
  // The second run numbers on after the first, never reusing a number.
  uint64_t second_min = UINT64_MAX;
  for (const reading::Reading& r : Readings((*collector)->messages())) {
    if (r.time > killed_at) second_min = std::min(second_min, r.seq);
  }
  EXPECT_GT(second_min, *seqs.rbegin());
  (*second)->Terminate();
}

}  // namespace
}  // namespace coolflow::agent
