// `kill -9` of the hub process while readings flow: after a restart every reading the broker
// acknowledged to the publisher is in the store, once. The hub acknowledges a message to the
// broker only once its readings are durable, so the broker sends the rest again to the hub's
// persistent session.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "common/clock.h"
#include "fmt/format.h"
#include "http_call.h"
#include "nlohmann/json.hpp"
#include "support/mosquitto_server.h"
#include "support/server_process.h"
#include "transport/mqtt/mqtt_transport.h"
#include "transport/transport_recorder.h"

namespace coolflow::hub {
namespace {

using coolflow::testing::MosquittoServer;
using coolflow::testing::ServerProcess;
using std::chrono::milliseconds;

constexpr int kMessages = 3'000;
constexpr milliseconds kWait{60'000};

template <typename Predicate>
bool Eventually(Predicate done, milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return done();
}

TEST(HubKillTest, KillNineLosesNoReadingTheBrokerAcknowledged) {
  MosquittoServer::Options broker_options;
  broker_options.persistence = true;
  broker_options.extra_config = {"max_queued_messages 0", "max_inflight_messages 1000"};
  auto broker = MosquittoServer::Start(broker_options);
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  auto dir = coolflow::testing::MakeTempDir("hub-kill");
  ASSERT_TRUE(dir.ok());
  auto http_port = coolflow::testing::FreeLoopbackPort();
  ASSERT_TRUE(http_port.ok());
  const std::filesystem::path config = *dir / "hub.yaml";
  ASSERT_TRUE(coolflow::testing::WriteFile(
                  config, fmt::format("hub: hub-kill\nstore: {{dir: {}}}\n"
                                      "mqtt: {{host: 127.0.0.1, port: {}}}\n"
                                      "http: {{host: 127.0.0.1, port: {}}}\nlog_level: warn\n",
                                      (*dir / "store").string(), (*broker)->port(), *http_port))
                  .ok());
  const std::string program = std::string(COOLFLOW_BINARY_DIR) + "/apps/coolflow";
  const std::string base = fmt::format("http://127.0.0.1:{}", *http_port);
  const auto spawn = [&](const std::string& log) {
    auto hub = ServerProcess::Spawn({program, "hub", "--config", config.string()}, *dir / log);
    EXPECT_TRUE(hub.ok()) << hub.status().ToString();
    EXPECT_TRUE(Eventually([&] { return Call("GET", base + "/healthz", "", {}).status == 200; }))
        << (hub.ok() ? (*hub)->LogTail() : "");
    return hub.ok() ? std::move(*hub) : nullptr;
  };
  auto hub = spawn("hub-1.log");
  ASSERT_NE(hub, nullptr);

  // One publisher, QoS 1: each message one reading with its own sequence number and time.
  coolflow::testing::TransportRecorder publisher;
  transport::MqttOptions options;
  options.port = (*broker)->port();
  options.client_id = "pi-kill";
  options.max_inflight = 200;
  auto box = coolflow::testing::StartTransport(transport::MakeMqttTransport(options), publisher);
  ASSERT_NE(box, nullptr);
  ASSERT_TRUE(coolflow::testing::WaitConnected(publisher));
  const TimeNs start = SystemClock::Instance().Now() - kNanosPerHour;
  const auto publish = [&](int i) {
    const std::string payload = fmt::format(
        R"({{"box":"pi-kill","measurement":"temp","metric":"temperature","value":{},"unit":"Cel","time":{},"seq":{}}})",
        20 + (i % 50) / 10.0, start + static_cast<TimeNs>(i) * kNanosPerMilli, i + 1);
    while (!box->Publish({"coolflow/temp", "", payload}, static_cast<uint64_t>(i + 1)).ok())
      std::this_thread::sleep_for(milliseconds(1));
  };
  // The publisher goes on while the hub dies and comes back: messages are in the hub's
  // pipeline, on its socket and in the broker's queue when the SIGKILL lands.
  std::thread publishing([&] {
    for (int i = 0; i < kMessages; ++i) {
      publish(i);
      if (i % 10 == 0) std::this_thread::sleep_for(milliseconds(2));
    }
  });
  const bool midstream = Eventually([&] {
    const Reply metrics = Call("GET", base + "/metrics", "", {});
    const size_t at = metrics.body.find("\ncoolflow_hub_readings_stored_total ");
    return at != std::string::npos &&
           std::stoul(metrics.body.substr(at + 36)) >= static_cast<size_t>(kMessages / 10);
  });
  hub->Signal(SIGKILL);
  hub->Kill();
  hub = spawn("hub-2.log");
  publishing.join();
  ASSERT_TRUE(midstream);
  ASSERT_NE(hub, nullptr);
  ASSERT_TRUE(publisher.WaitFor([&] { return publisher.delivered_count_locked() == kMessages; }));
  for (const auto& [token, outcomes] : publisher.delivered()) {
    ASSERT_TRUE(outcomes.front().ok()) << token << ": " << outcomes.front().ToString();
  }
  const std::string query = fmt::format(
      "{}/api/store/range?measurement=temp&field=temperature&tag=box:pi-kill&from={}&to={}", base,
      start, start + kNanosPerHour);
  size_t points = 0;
  ASSERT_TRUE(Eventually([&] {
    const Reply range = Call("GET", query, "", {});
    if (range.status != 200) return false;
    points = nlohmann::json::parse(range.body)["points"].get<size_t>();
    return points >= static_cast<size_t>(kMessages);
  })) << points
      << " of " << kMessages << "; " << hub->LogTail();
  EXPECT_EQ(points, static_cast<size_t>(kMessages));
  box->Close(1'000);
  hub->Signal(SIGTERM);
  std::error_code ec;
  std::filesystem::remove_all(*dir, ec);
}

}  // namespace
}  // namespace coolflow::hub
