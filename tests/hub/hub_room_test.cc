// The hub driving a simulated room end to end: a real Mosquitto, an agent standing for the
// room (its sensors and its ACs' infrared), the hub's runtime (store, live state, alerts,
// controller). When both air conditioners fail, the room warms, the hub raises an alert, and
// the controller's commands reach the agent.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "agent/agent_builder.h"
#include "agent/agent_config.h"
#include "fmt/format.h"
#include "hub/hub_runtime.h"
#include "support/mosquitto_server.h"
#include "support/server_process.h"

namespace coolflow::hub {
namespace {

using coolflow::testing::MosquittoServer;
using std::chrono::milliseconds;

template <typename Predicate>
bool Eventually(Predicate done, milliseconds timeout = milliseconds(90'000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return done();
}

double Metric(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

TEST(HubRoomTest, BothAcsFailingRaisesAnAlertAndTheControllerActs) {
  auto dir = coolflow::testing::MakeTempDir("hub-room");
  ASSERT_TRUE(dir.ok());
  // The degraded-ac room, with both units failing five simulated minutes in.
  std::ifstream in(std::string(COOLFLOW_SOURCE_DIR) + "/scenarios/degraded-ac.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::string scenario = text.str();
  scenario = scenario.substr(0, scenario.find("\nfaults:")) +
             "\nfaults:\n"
             "  - {kind: ac_failure, target: ac1, start: 5m}\n"
             "  - {kind: ac_failure, target: ac2, start: 5m}\n";
  const std::filesystem::path scenario_file = *dir / "both-acs-fail.yaml";
  ASSERT_TRUE(coolflow::testing::WriteFile(scenario_file, scenario).ok());

  MosquittoServer::Options broker_options;
  broker_options.extra_config = {"max_queued_messages 0", "max_inflight_messages 1000"};
  auto broker = MosquittoServer::Start(broker_options);
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();

  const std::string hub_yaml =
      fmt::format(R"(hub: hub-room
store: {{dir: {store}}}
mqtt: {{host: 127.0.0.1, port: {port}}}
http: {{port: -1}}
scenario: {scenario}
room_box: pi-room
alerts:
  evaluation_interval: 1s
  default_rules: false
  rules:
    - name: inlet_hot
      expr: temperature > 27
      severity: critical
)",
                  fmt::arg("store", (*dir / "store").string()), fmt::arg("port", (*broker)->port()),
                  fmt::arg("scenario", scenario_file.string()));
  auto config = ParseHubConfig(hub_yaml, "hub.yaml", dir->string());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  // The controller's layout comes from the scenario.
  auto runtime = HubRuntime::Create(*config, SystemClock::Instance(), 200 * kNanosPerMilli);
  ASSERT_TRUE(runtime.ok()) << runtime.status().ToString();
  ASSERT_TRUE((*runtime)->Start().ok());

  // Ten simulated minutes a second: the failure comes half a second in.
  const std::string agent_yaml =
      fmt::format(R"(box: pi-room
room:
  scenario: {scenario}
  speed: 600
inputs:
  - kind: room
    interval: 200ms
    servers: false
devices:
  - {{name: ac1, kind: room, min_interval: 0s}}
  - {{name: ac2, kind: room, min_interval: 0s}}
delivery:
  mqtt: {{host: 127.0.0.1, port: {port}, keepalive_s: 5}}
spool:
  dir: {spool}
metrics:
  port: -1
log_level: warn
)",
                  fmt::arg("scenario", scenario_file.string()), fmt::arg("port", (*broker)->port()),
                  fmt::arg("spool", (*dir / "spool").string()));
  auto agent_config = agent::ParseAgentConfig(agent_yaml, "agent.yaml", dir->string());
  ASSERT_TRUE(agent_config.ok()) << agent_config.status().ToString();
  auto agent = agent::BuildAgent(*agent_config, SystemClock::Instance());
  ASSERT_TRUE(agent.ok()) << agent.status().ToString();
  ASSERT_TRUE((*agent)->Start().ok());

  std::string fired;
  ASSERT_TRUE(Eventually([&] {
    for (const alerts::Alert& alert : (*runtime)->alerts().Active()) {
      if (alert.rule == "inlet_hot" && alert.state == alerts::AlertState::kFiring) {
        fired = fmt::format("{} at {} C", alert.fingerprint, alert.value);
        return true;
      }
    }
    return false;
  })) << (*runtime)->RenderMetrics();
  RecordProperty("alert", fired);
  // The controller commanded the units and the agent applied the commands.
  const std::string metrics = (*runtime)->RenderMetrics();
  EXPECT_GT(Metric(metrics, "coolflow_hub_controller_commands_published_total"), 0) << metrics;
  EXPECT_TRUE(Eventually([&] {
    return Metric((*agent)->RenderMetrics(),
                  "coolflow_agent_commands_total{device=\"ac1\",outcome=\"applied\"}") > 0;
  })) << (*agent)->RenderMetrics();
  (*agent)->Stop();
  (*runtime)->Stop();
  agent->reset();
  runtime->reset();
  std::error_code ec;
  std::filesystem::remove_all(*dir, ec);
}

}  // namespace
}  // namespace coolflow::hub
