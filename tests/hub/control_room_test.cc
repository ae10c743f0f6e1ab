// The Control Room's API over a real socket (docs/control-room.md): the room's layout, store
// aggregates, the energy ledger against hand-computed numbers, alert acknowledgement and
// silences (kept across a restart), the /ws/live feed (hello, deltas, alert events, resume),
// the OpenAPI document against the registered routes, and a refusal of every changing route
// without credentials or with a viewer's.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "http_call.h"
#include "hub/alerts/expression.h"
#include "hub/control_room_http.h"
#include "hub/energy_ledger.h"
#include "hub/hub_http.h"
#include "hub/hub_runtime.h"
#include "hub/live_feed.h"
#include "nlohmann/json.hpp"
#include "support/server_process.h"
#include "web/authenticator.h"
#include "web/password.h"
#include "web/users.h"

namespace coolflow::hub {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using nlohmann::json;

// 2026-11-25T12:00:00Z.
constexpr TimeNs kNow = 1'795'608'000LL * kNanosPerSecond;

reading::Reading Temp(std::string_view rack, double c, TimeNs t) {
  return {"pi-sim", "temp", "temperature",          {{"rack", std::string(rack)}},
          t,        c,      reading::Unit::kCelsius};
}
reading::Reading Power(std::string_view key, std::string_view id, double w, TimeNs t) {
  return {"pi-sim",
          "power",
          "power",
          {{std::string(key), std::string(id)}},
          t,
          w,
          reading::Unit::kWatt};
}

// A WebSocket client of /ws/live; every read gives up after 20 s.
class WsClient {
 public:
  WsClient(uint16_t port, const std::string& target, const std::string& token) : ws_(ioc_) {
    asio::ip::tcp::resolver resolver(ioc_);
    asio::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.set_option(websocket::stream_base::decorator([token](websocket::request_type& r) {
      if (!token.empty()) r.set(beast::http::field::authorization, "Bearer " + token);
    }));
    ws_.handshake(response_, "127.0.0.1", target, error_);
  }
  bool ok() const { return !error_; }
  json Read() {
    beast::flat_buffer buffer;
    beast::error_code ec;
    bool done = false;
    ws_.async_read(buffer, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    ioc_.restart();
    ioc_.run_for(std::chrono::seconds(20));
    if (!done) {
      beast::get_lowest_layer(ws_).cancel();
      ioc_.restart();
      ioc_.run();
      return json{{"error", "no message within 20 s"}};
    }
    if (ec) return json{{"error", ec.message()}};
    return json::parse(beast::buffers_to_string(buffer.data()));
  }
  // Reads until a message of `type` satisfying `match` arrives (others are skipped).
  template <typename Match>
  json ReadUntil(std::string_view type, Match match) {
    for (int i = 0; i < 500; ++i) {
      json m = Read();
      if (m.contains("error")) return m;
      if (m.value("type", "") == type && match(m)) return m;
    }
    return json{{"error", "no such message in 500"}};
  }

 private:
  asio::io_context ioc_;
  websocket::stream<asio::ip::tcp::socket> ws_;
  websocket::response_type response_;
  beast::error_code error_;
};

class ControlRoomTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = coolflow::testing::MakeTempDir("control-room");
    ASSERT_TRUE(dir.ok());
    dir_ = *dir;
    for (auto [name, role, token] : {std::tuple{"boss", web::Role::kAdmin, &admin_},
                                     {"ops", web::Role::kOperator, &operator_},
                                     {"screen", web::Role::kViewer, &viewer_}}) {
      auto t = web::NewApiToken();
      ASSERT_TRUE(t.ok());
      *token = t->token;
      users_.push_back({name, role, "", {{"t", t->sha256_hex}}});
    }
    Boot();
  }
  void TearDown() override {
    Shutdown();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void Boot() {
    HubConfig config;
    config.source = "hub.yaml";
    config.hub = "test-room";
    config.store.dir = (dir_ / "store").string();
    config.scenario = std::string(COOLFLOW_SOURCE_DIR) + "/scenarios/steady-week.yaml";
    config.alerts.history.path = (dir_ / "alerts.db").string();
    // The ticker stays idle: the test evaluates at its own times.
    auto runtime = HubRuntime::Create(config, clock_, 24 * kNanosPerHour);
    ASSERT_TRUE(runtime.ok()) << runtime.status().ToString();
    runtime_ = std::move(*runtime);
    ASSERT_TRUE(runtime_->Start().ok());
    web::HttpServer::Options options;
    options.authenticator = std::make_shared<web::Authenticator>(users_);
    auto audit = web::AuditLog::Open({});
    ASSERT_TRUE(audit.ok());
    options.audit = std::move(*audit);
    server_ = std::make_unique<web::HttpServer>(options);
    feed_ = std::make_unique<LiveFeed>(*server_, *runtime_, clock_,
                                       LiveFeed::Options{.frame_interval = 10 * kNanosPerMilli});
    HubHttpOptions http;
    // As `coolflow hub` serves them (hub_main.cc).
    http.extra_metrics = [this] {
      return runtime_->RenderMetrics() + feed_->RenderMetrics() +
             RenderRoomMetrics(*runtime_, clock_.Now());
    };
    ASSERT_TRUE(RegisterHubRoutes(*server_, runtime_->hub(), clock_, http).ok());
    ASSERT_TRUE(RegisterRoomRoutes(*server_, *runtime_, clock_).ok());
    ASSERT_TRUE(RegisterControlRoom(*server_, *runtime_, *feed_, clock_).ok());
    ASSERT_TRUE(server_->Start().ok());
    feed_->Start();
    base_ = fmt::format("http://127.0.0.1:{}", server_->port());
  }
  void Shutdown() {
    if (feed_) feed_->Stop();
    if (server_) server_->Stop();
    if (runtime_) runtime_->Stop();
    feed_.reset();
    server_.reset();
    runtime_.reset();
  }

  // Stores the readings and hands them to the live state, as the pipeline does.
  void Feed(std::vector<reading::Reading> batch) {
    auto stored = runtime_->hub().store().Append(batch);
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    runtime_->Accept(batch, clock_.Now());
    runtime_->live().Publish(clock_.Now());
  }

  // An over-temperature rack r03, firing temperature_high and ashrae_recommended (for 5m).
  std::string FireHotRack() {
    for (int minute = 0; minute <= 6; ++minute) {
      Feed({Temp("r03", 35, clock_.Now())});
      runtime_->alerts().Evaluate(clock_.Now());
      clock_.Advance(kNanosPerMinute);
    }
    for (const alerts::Alert& a : runtime_->alerts().Active()) {
      if (a.rule == "temperature_high" && a.state == alerts::AlertState::kFiring) {
        return a.fingerprint;
      }
    }
    return "";
  }

  Reply Get(const std::string& path, const std::string& token) {
    return Call("GET", base_ + path, "", Auth(token));
  }
  Reply Post(const std::string& path, const json& body, const std::string& token) {
    return Call("POST", base_ + path, body.dump(), Auth(token));
  }
  static std::vector<std::string> Auth(const std::string& token) {
    if (token.empty()) return {};
    return {"Authorization: Bearer " + token};
  }

  ManualClock clock_{kNow};
  std::filesystem::path dir_;
  std::vector<web::UserRecord> users_;
  std::string admin_, operator_, viewer_;
  std::unique_ptr<HubRuntime> runtime_;
  std::unique_ptr<web::HttpServer> server_;
  std::unique_ptr<LiveFeed> feed_;
  std::string base_;
};

TEST_F(ControlRoomTest, RoomLayoutComesFromTheScenario) {
  const Reply r = Get("/api/room", viewer_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json room = json::parse(r.body);
  EXPECT_EQ(room["name"], "test-room");
  ASSERT_EQ(room["racks"].size(), 8u);
  EXPECT_EQ(room["racks"][0]["id"], "r01");
  EXPECT_DOUBLE_EQ(room["racks"][0]["x"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(room["racks"][7]["x"].get<double>(), 5.2);
  ASSERT_EQ(room["acs"].size(), 2u);
  EXPECT_DOUBLE_EQ(room["acs"][1]["rated_capacity_w"].get<double>(), 14000);
  EXPECT_DOUBLE_EQ(room["setpoint_c"]["min"].get<double>(), 18);
  EXPECT_DOUBLE_EQ(room["setpoint_c"]["max"].get<double>(), 30);
  EXPECT_EQ(room["ashrae"]["recommended_c"], json::parse("[18.0, 27.0]"));
  EXPECT_EQ(Get("/api/room", "").status, 401);
}

TEST_F(ControlRoomTest, AggregatesAndTheEnergyLedgerMatchHandComputedNumbers) {
  // Two hours ago to one hour ago: a reading every minute. Each AC draws 1,200 W (200 W of
  // it its fan), each of the 8 racks 1,000 W; inlets at 24 °C but r05 at 28 °C for 10 min.
  const TimeNs start = kNow - 2 * kNanosPerHour;
  std::vector<reading::Reading> batch;
  for (int m = 0; m < 60; ++m) {
    const TimeNs t = start + m * kNanosPerMinute + 30 * kNanosPerSecond;
    batch.push_back(Power("ac", "ac1", 1200, t));
    batch.push_back(Power("ac", "ac2", 1200, t));
    for (int r = 1; r <= 8; ++r) {
      const std::string rack = fmt::format("r{:02}", r);
      batch.push_back(Power("rack", rack, 1000, t));
      batch.push_back(Temp(rack, rack == "r05" && m >= 20 && m < 30 ? 28 : 24, t));
    }
  }
  Feed(batch);

  const std::string window = fmt::format("&from={}&to={}", start, start + kNanosPerHour);
  Reply r =
      Get("/api/store/aggregate?measurement=temp&field=temperature&step=10m&fn=max"
          "&group_by=rack" +
              window,
          viewer_);
  ASSERT_EQ(r.status, 200) << r.body;
  json agg = json::parse(r.body);
  EXPECT_EQ(agg["step_ms"], 600'000);
  ASSERT_EQ(agg["series"].size(), 8u);
  for (const json& s : agg["series"]) {
    ASSERT_EQ(s["buckets"].size(), 6u) << s.dump();
    const bool hot = s["group"]["rack"] == "r05";
    EXPECT_DOUBLE_EQ(s["buckets"][2][1].get<double>(), hot ? 28 : 24) << s.dump();
    EXPECT_EQ(s["buckets"][2][2], 10);
  }
  // Bad queries name what is wrong.
  EXPECT_EQ(Get("/api/store/aggregate?measurement=temp" + window, viewer_).status, 400);
  r = Get("/api/store/aggregate?measurement=temp&step=1m&fn=median" + window, viewer_);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("median"), std::string::npos) << r.body;
  EXPECT_EQ(Get("/api/store/aggregate?measurement=temp&step=1s&from=-30d", viewer_).status, 413);

  r = Get("/api/energy", viewer_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json e = json::parse(r.body);
  EXPECT_NEAR(e["cooling_kwh"].get<double>(), 2.4, 1e-9);
  EXPECT_NEAR(e["it_kwh"].get<double>(), 8.0, 1e-9);
  EXPECT_NEAR(e["pue"].get<double>(), 10.4 / 8.0, 1e-9);
  EXPECT_NEAR(e["hours_covered"].get<double>(), 1.0, 1e-9);
  // The compressors (2 x 1,000 W) at 18 °C air: the same heat at the lower COP.
  double baseline_kwh = 0;
  for (int m = 0; m < 60; ++m) {
    const double air = m >= 20 && m < 30 ? (7 * 24.0 + 28) / 8 : 24.0;
    const double heat = 2000 * ModelCop(air, 35);
    baseline_kwh += (400 + heat / ModelCop(18, 35)) / 60 / 1000;
  }
  EXPECT_NEAR(e["baseline_cooling_kwh"].get<double>(), baseline_kwh, 1e-9);
  EXPECT_GT(e["saved_kwh"].get<double>(), 0.3);
  EXPECT_NEAR(e["saved_kwh"].get<double>(), baseline_kwh - 2.4, 1e-9);
  EXPECT_EQ(e["minutes_outside_recommended"], 10);
  EXPECT_EQ(e["minutes_outside_allowable"], 0);
  EXPECT_EQ(e["day"], "2026-11-25");
  EXPECT_EQ(Get("/api/energy?day=2026-13-01", viewer_).status, 400);
  EXPECT_EQ(Get("/api/energy?day=yesterday", viewer_).status, 400);
  const json empty = json::parse(Get("/api/energy?day=2026-11-20", viewer_).body);
  EXPECT_TRUE(empty["cooling_kwh"].is_null()) << empty.dump();
}

TEST_F(ControlRoomTest, AcknowledgeAndSilenceAlerts) {
  const std::string fingerprint = FireHotRack();
  ASSERT_FALSE(fingerprint.empty());
  json alerts = json::parse(Get("/api/alerts", viewer_).body);
  ASSERT_FALSE(alerts["active"].empty());
  EXPECT_GE(alerts["history"].size(), 1u);

  const json ack = {{"fingerprint", fingerprint}, {"comment", "on it"}};
  EXPECT_EQ(Post("/api/alerts/ack", ack, "").status, 401);
  EXPECT_EQ(Post("/api/alerts/ack", ack, viewer_).status, 403);
  Reply r = Post("/api/alerts/ack", ack, operator_);
  ASSERT_EQ(r.status, 200) << r.body;
  r = Post("/api/alerts/ack", {{"fingerprint", "nothing{}"}}, operator_);
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(Call("POST", base_ + "/api/alerts/ack", "{not json", Auth(operator_)).status, 400);
  EXPECT_EQ(Post("/api/alerts/ack", {{"fingerprint", 7}}, operator_).status, 400);

  alerts = json::parse(Get("/api/alerts", viewer_).body);
  bool found = false;
  for (const json& a : alerts["active"]) {
    if (a["fingerprint"] != fingerprint) continue;
    found = true;
    ASSERT_TRUE(a["acknowledged"].is_object()) << a.dump();
    EXPECT_EQ(a["acknowledged"]["by"], "ops");
    EXPECT_EQ(a["acknowledged"]["comment"], "on it");
    EXPECT_EQ(a["silenced"], false);
  }
  EXPECT_TRUE(found);

  // Silences: bad ones are refused with the reason.
  EXPECT_EQ(
      Post("/api/alerts/silence", {{"matchers", json::object()}, {"duration", "1h"}}, operator_)
          .status,
      400);
  r = Post("/api/alerts/silence", {{"matchers", {{"rack", "r03"}}}, {"duration", "40d"}},
           operator_);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("30d"), std::string::npos) << r.body;
  EXPECT_EQ(
      Post("/api/alerts/silence", {{"matchers", {{"rack", 3}}}, {"duration", "1h"}}, operator_)
          .status,
      400);
  r = Post("/api/alerts/silence",
           {{"matchers", {{"rack", "r03"}}}, {"duration", "1h"}, {"comment", "maintenance"}},
           operator_);
  ASSERT_EQ(r.status, 200) << r.body;
  const uint64_t id = json::parse(r.body)["id"].get<uint64_t>();
  alerts = json::parse(Get("/api/alerts", viewer_).body);
  ASSERT_EQ(alerts["silences"].size(), 1u);
  EXPECT_EQ(alerts["silences"][0]["created_by"], "ops");
  for (const json& a : alerts["active"]) {
    if (a["labels"].value("rack", "") == "r03") {
      EXPECT_EQ(a["silenced"], true) << a.dump();
    }
  }
  // Still silenced after another evaluation.
  runtime_->alerts().Evaluate(clock_.Now());
  for (const alerts::Alert& a : runtime_->alerts().Active()) {
    if (alerts::LabelValue(a.labels, "rack") == "r03") {
      EXPECT_TRUE(a.silenced) << a.fingerprint;
    }
  }

  EXPECT_EQ(Call("DELETE", base_ + "/api/alerts/silences/abc", "", Auth(operator_)).status, 400);
  EXPECT_EQ(Call("DELETE", base_ + "/api/alerts/silences/999", "", Auth(operator_)).status, 404);
  EXPECT_EQ(
      Call("DELETE", base_ + fmt::format("/api/alerts/silences/{}", id), "", Auth(viewer_)).status,
      403);
  r = Call("DELETE", base_ + fmt::format("/api/alerts/silences/{}", id), "", Auth(operator_));
  ASSERT_EQ(r.status, 200) << r.body;
  alerts = json::parse(Get("/api/alerts", viewer_).body);
  EXPECT_TRUE(alerts["silences"].empty());
  for (const json& a : alerts["active"])
    EXPECT_EQ(a["silenced"], false) << a.dump();
}

TEST_F(ControlRoomTest, AcknowledgementsAndSilencesSurviveARestart) {
  const std::string fingerprint = FireHotRack();
  ASSERT_FALSE(fingerprint.empty());
  ASSERT_EQ(Post("/api/alerts/ack", {{"fingerprint", fingerprint}}, operator_).status, 200);
  ASSERT_EQ(Post("/api/alerts/silence",
                 {{"matchers", {{"rule", "ashrae_recommended"}}}, {"duration", "2h"}}, operator_)
                .status,
            200);
  Shutdown();
  Boot();
  const json alerts = json::parse(Get("/api/alerts", viewer_).body);
  bool acknowledged = false;
  for (const json& a : alerts["active"]) {
    if (a["fingerprint"] == fingerprint) acknowledged = a["acknowledged"].is_object();
  }
  EXPECT_TRUE(acknowledged) << alerts.dump();
  ASSERT_EQ(alerts["silences"].size(), 1u) << alerts.dump();
  EXPECT_EQ(alerts["silences"][0]["matchers"]["rule"], "ashrae_recommended");
}

TEST_F(ControlRoomTest, LiveFeedSendsHelloDeltasAlertsAndResumes) {
  Feed({Temp("r01", 22.5, clock_.Now())});
  {
    WsClient anonymous(server_->port(), "/ws/live", "");
    EXPECT_FALSE(anonymous.ok());
  }
  WsClient client(server_->port(), "/ws/live", viewer_);
  ASSERT_TRUE(client.ok());
  const json hello = client.ReadUntil("hello", [](const json&) { return true; });
  ASSERT_FALSE(hello.contains("error")) << hello.dump();
  EXPECT_EQ(hello["seq"], 0);
  bool has_r01 = false;
  for (const json& s : hello["live"]["series"])
    has_r01 = has_r01 || (s["rack"] == "r01" && s["value"] == 22.5);
  EXPECT_TRUE(has_r01) << hello["live"].dump();
  EXPECT_TRUE(hello["control"].contains("policy")) << hello["control"].dump();

  clock_.Advance(kNanosPerSecond);
  Feed({Temp("r02", 23.25, clock_.Now())});
  const json delta = client.ReadUntil("delta", [](const json& m) {
    for (const json& s : m["series"]) {
      if (s[0] == "temp,box=pi-sim,rack=r02 temperature") return true;
    }
    return false;
  });
  ASSERT_FALSE(delta.contains("error")) << delta.dump();
  for (const json& s : delta["series"]) {
    if (s[0] != "temp,box=pi-sim,rack=r02 temperature") continue;
    EXPECT_EQ(s[1], 23.25);
    EXPECT_EQ(s[2], clock_.Now() / kNanosPerMilli);
  }
  EXPECT_TRUE(delta["means"].contains("temperature"));

  // Alert events come from the runtime's evaluation: tick it as its ticker would.
  for (int minute = 0; minute < 3; ++minute) {
    clock_.Advance(kNanosPerMinute);
    Feed({Temp("r03", 36, clock_.Now())});
    runtime_->Tick(clock_.Now());
  }
  const json alert = client.ReadUntil("alert", [](const json& m) {
    return m["event"].is_object() && m["event"]["rule"] == "temperature_high";
  });
  ASSERT_FALSE(alert.contains("error")) << alert.dump();
  const uint64_t seq = alert["seq"].get<uint64_t>();
  EXPECT_GE(seq, 1u);
  EXPECT_EQ(alert["event"]["state"], "firing");
  EXPECT_EQ(alert["event"]["labels"]["rack"], "r03");
  EXPECT_FALSE(alert["active"].empty());

  // An acknowledgement is pushed too.
  ASSERT_EQ(
      Post("/api/alerts/ack", {{"fingerprint", alert["event"]["fingerprint"]}}, operator_).status,
      200);
  const json acked = client.ReadUntil("alert", [](const json& m) { return m["event"].is_null(); });
  ASSERT_FALSE(acked.contains("error")) << acked.dump();
  bool shows_ack = false;
  for (const json& a : acked["active"])
    shows_ack = shows_ack || (a["fingerprint"] == alert["event"]["fingerprint"] &&
                              a["acknowledged"]["by"] == "ops");
  EXPECT_TRUE(shows_ack) << acked.dump();

  // A client that saw events up to seq - 1 gets the missed one in its hello; one that saw
  // it gets nothing again.
  WsClient resumed(server_->port(), fmt::format("/ws/live?after={}", seq - 1), viewer_);
  ASSERT_TRUE(resumed.ok());
  const json again = resumed.ReadUntil("hello", [](const json&) { return true; });
  bool replayed = false;
  for (const json& e : again["events"])
    replayed = replayed || e["seq"] == seq;
  EXPECT_TRUE(replayed) << again["events"].dump();
  WsClient current(server_->port(), fmt::format("/ws/live?after={}", seq), viewer_);
  const json none = current.ReadUntil("hello", [](const json&) { return true; });
  for (const json& e : none["events"])
    EXPECT_GT(e["seq"].get<uint64_t>(), seq);
}

TEST_F(ControlRoomTest, OpenApiDocumentsEveryRouteWithItsRole) {
  const Reply r = Get("/api/openapi.json", "");
  ASSERT_EQ(r.status, 200);
  const json doc = json::parse(r.body);
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::set<std::pair<std::string, std::string>> routes;
  for (const web::HttpServer::RouteInfo& route : server_->routes()) {
    std::string path = route.path;
    if (path.ends_with("/*")) path = path.substr(0, path.size() - 2) + "/{id}";
    std::string method(web::MethodName(route.method));
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    routes.insert({path, method});
    ASSERT_TRUE(doc["paths"].contains(path)) << path << " is not in the OpenAPI document";
    ASSERT_TRUE(doc["paths"][path].contains(method)) << method << " " << path;
    EXPECT_EQ(doc["paths"][path][method]["x-min-role"], web::RoleName(route.min_role))
        << method << " " << path;
  }
  // And nothing documented that the server does not answer.
  for (const auto& [path, operations] : doc["paths"].items()) {
    for (const auto& [method, op] : operations.items())
      EXPECT_EQ(routes.count({path, method}), 1u) << method << " " << path;
  }
}

TEST_F(ControlRoomTest, EveryChangingRouteRefusesStrangersAndViewers) {
  const json doc = json::parse(Get("/api/openapi.json", "").body);
  int checked = 0;
  for (const auto& [path_template, operations] : doc["paths"].items()) {
    std::string path = path_template;
    if (const size_t brace = path.find("/{"); brace != std::string::npos) {
      path = path.substr(0, brace) + "/1";
    }
    for (const auto& [method, op] : operations.items()) {
      const std::string role = op["x-min-role"];
      if (role == "anonymous" || role == "viewer") {
        // Logging in and out, and InfluxDB's ping, change nothing of the room.
        static const std::set<std::string> kPublicPosts = {"/api/login", "/api/logout", "/ping"};
        if (method != "get") {
          EXPECT_EQ(kPublicPosts.count(path), 1u) << path << ": a changing route needs an operator";
        }
        continue;
      }
      std::string upper = method;
      std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
      const Reply stranger = Call(upper, base_ + path, "{}", {});
      EXPECT_EQ(stranger.status, 401) << upper << " " << path << ": " << stranger.body;
      const Reply viewer = Call(upper, base_ + path, "{}", Auth(viewer_));
      EXPECT_EQ(viewer.status, 403) << upper << " " << path << ": " << viewer.body;
      if (role == "admin") {
        EXPECT_EQ(Call(upper, base_ + path, "{}", Auth(operator_)).status, 403) << path;
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 8);
}

TEST_F(ControlRoomTest, MetricsCarryTheRoom) {
  Feed({Temp("r04", 25.5, clock_.Now()), Power("ac", "ac1", 1500, clock_.Now())});
  const Reply r = Get("/metrics", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("coolflow_room_inlet_celsius{rack=\"r04\",box=\"pi-sim\"} 25.5"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("coolflow_room_ac_power_watts{ac=\"ac1\",box=\"pi-sim\"} 1500"),
            std::string::npos);
  EXPECT_NE(r.body.find("coolflow_room_ac_setpoint_celsius{ac=\"ac1\"}"), std::string::npos);
  EXPECT_NE(r.body.find("coolflow_room_alerts_firing{severity=\"critical\"} 0"), std::string::npos);
}

TEST_F(ControlRoomTest, PrometheusDashboardUsesMetricsTheHubServes) {
  reading::Reading humidity = Temp("r01", 45, clock_.Now());
  humidity.metric = "humidity";
  humidity.unit = reading::Unit::kRelativeHumidity;
  Feed({Temp("r01", 24, clock_.Now()), humidity, Power("rack", "r01", 900, clock_.Now()),
        Power("ac", "ac1", 1300, clock_.Now())});
  runtime_->live().SetBoxStatus("pi-sim", true, clock_.Now());
  runtime_->live().Publish(clock_.Now());
  const std::string metrics = Get("/metrics", "").body;

  std::ifstream in(std::string(COOLFLOW_SOURCE_DIR) +
                   "/packaging/grafana/coolflow-prometheus.json");
  std::stringstream text;
  text << in.rdbuf();
  const json dashboard = json::parse(text.str());
  const std::regex metric_name("coolflow_[a-z0-9_]+");
  int names = 0;
  for (const json& panel : dashboard["panels"]) {
    for (const json& target : panel["targets"]) {
      const std::string expr = target["expr"];
      for (auto it = std::sregex_iterator(expr.begin(), expr.end(), metric_name);
           it != std::sregex_iterator(); ++it) {
        const std::string name = it->str();
        // This hub has no broker: the broker families are the transports' (hub_e2e_test).
        if (name.starts_with("coolflow_hub_broker_")) continue;
        // A labelled family without samples yet still declares itself.
        const bool served = metrics.find("\n" + name + "{") != std::string::npos ||
                            metrics.find("\n" + name + " ") != std::string::npos ||
                            metrics.find("# TYPE " + name + " ") != std::string::npos;
        EXPECT_TRUE(served) << panel["title"] << ": " << name << " is not on /metrics";
        ++names;
      }
    }
  }
  EXPECT_GE(names, 15);
}

}  // namespace
}  // namespace coolflow::hub
