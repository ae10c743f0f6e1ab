// The engine over a real LiveState, with time driven explicitly: the state machine (for,
// clear, keep_firing_for), each detector through its shipped rule, inhibition, grouping and
// repeats (observed through the "ui" notifier's feed).
#include "hub/alerts/alert_engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <set>
#include <string>

#include "alerts_test_util.h"
#include "fmt/format.h"

namespace coolflow::hub::alerts {
namespace {

using namespace testing;
using namespace std::chrono_literals;

constexpr auto kWait = 30s;

class AlertEngineTest : public ::testing::Test {
 protected:
  AlertEngineTest() : state_(Immediate()) {}

  // An engine over `rules_yaml` (the `rules:` list), without the shipped rules unless
  // `defaults`; extra top-level keys in `extra`.
  void Start(const std::string& rules_yaml, bool defaults = false, const std::string& extra = "") {
    std::string yaml =
        fmt::format("default_rules: {}\n{}\nrules:\n{}", defaults, extra, rules_yaml);
    Result<AlertsConfig> config = ParseAlertsConfig(yaml, "test.yaml");
    ASSERT_TRUE(config.ok()) << config.status().message();
    auto engine = AlertEngine::Create(std::move(*config), state_);
    ASSERT_TRUE(engine.ok()) << engine.status().message();
    engine_ = std::move(*engine);
  }

  // Feeds the readings at `t`, evaluates at `t`, and returns "<rule> <state> <box>" of the
  // events.
  std::vector<std::string> Step(TimeNs t, std::vector<reading::Reading> batch = {}) {
    Feed(state_, std::move(batch), t);
    return Describe(engine_->Evaluate(t));
  }

  static std::vector<std::string> Describe(const std::vector<Alert>& alerts) {
    std::vector<std::string> out;
    for (const Alert& a : alerts) {
      std::string who(LabelValue(a.labels, "box"));
      if (who.empty()) who = std::string(LabelValue(a.labels, "rack"));
      out.push_back(fmt::format("{} {} {}", a.rule, AlertStateName(a.state), who));
    }
    return out;
  }

  std::vector<FeedEntry> Notified() {
    EXPECT_TRUE(engine_->WaitForNotifiers(kWait));
    return engine_->feed()->Since(0);
  }

  live::LiveState state_;
  std::unique_ptr<AlertEngine> engine_;
};

using Events = std::vector<std::string>;

TEST_F(AlertEngineTest, ForDelaysFiringAndTheClearLevelGivesHysteresis) {
  Start(R"(
  - name: hot
    expr: temperature > 25
    clear: temperature < 24
    for: 1m
)");
  EXPECT_EQ(Step(kT0, {Temp("pi-1", "r01", 0, 26)}), Events{});
  ASSERT_EQ(engine_->Active().size(), 1u);
  EXPECT_EQ(engine_->Active()[0].state, AlertState::kPending);
  EXPECT_EQ(Step(kT0 + 30 * kSecond, {Temp("pi-1", "r01", 0, 26)}), Events{});
  EXPECT_EQ(Step(kT0 + 60 * kSecond, {Temp("pi-1", "r01", 0, 26.5)}), Events{"hot firing pi-1"});
  const Alert firing = engine_->Active()[0];
  EXPECT_EQ(firing.fired_at, kT0 + 60 * kSecond);
  EXPECT_DOUBLE_EQ(firing.value, 26.5);
  // Between the levels: still firing.
  EXPECT_EQ(Step(kT0 + 70 * kSecond, {Temp("pi-1", "r01", 0, 24.5)}), Events{});
  EXPECT_EQ(engine_->Active()[0].state, AlertState::kFiring);
  EXPECT_EQ(Step(kT0 + 80 * kSecond, {Temp("pi-1", "r01", 0, 23.9)}), Events{"hot resolved pi-1"});
  EXPECT_TRUE(engine_->Active().empty());
}

TEST_F(AlertEngineTest, PendingThatStopsHoldingNeverFires) {
  Start(R"(
  - name: hot
    expr: temperature > 25
    for: 1m
)");
  Step(kT0, {Temp("pi-1", "r01", 0, 26)});
  EXPECT_EQ(Step(kT0 + 30 * kSecond, {Temp("pi-1", "r01", 0, 20)}), Events{});
  EXPECT_TRUE(engine_->Active().empty());
  // Holding again starts the wait again.
  EXPECT_EQ(Step(kT0 + 40 * kSecond, {Temp("pi-1", "r01", 0, 26)}), Events{});
  EXPECT_EQ(Step(kT0 + 90 * kSecond, {Temp("pi-1", "r01", 0, 26)}), Events{});
  EXPECT_EQ(Step(kT0 + 100 * kSecond, {Temp("pi-1", "r01", 0, 26)}), Events{"hot firing pi-1"});
}

TEST_F(AlertEngineTest, KeepFiringForHoldsAfterTheConditionClears) {
  Start(R"(
  - name: hot
    expr: temperature > 25
    keep_firing_for: 30s
)");
  EXPECT_EQ(Step(kT0, {Temp("pi-1", "r01", 0, 26)}), Events{"hot firing pi-1"});
  EXPECT_EQ(Step(kT0 + 10 * kSecond, {Temp("pi-1", "r01", 0, 20)}), Events{});
  EXPECT_EQ(Step(kT0 + 20 * kSecond, {Temp("pi-1", "r01", 0, 26)}), Events{}) << "flap held";
  EXPECT_EQ(Step(kT0 + 30 * kSecond, {Temp("pi-1", "r01", 0, 20)}), Events{});
  EXPECT_EQ(Step(kT0 + 50 * kSecond, {Temp("pi-1", "r01", 0, 20)}), Events{});
  EXPECT_EQ(Step(kT0 + 60 * kSecond, {Temp("pi-1", "r01", 0, 20)}), Events{"hot resolved pi-1"});
}

TEST_F(AlertEngineTest, NaNNeverFires) {
  Start(R"(
  - name: hot
    expr: temperature > 25 or temperature < 15
)");
  EXPECT_EQ(Step(kT0, {Temp("pi-1", "r01", 0, std::nan(""))}), Events{});
  EXPECT_EQ(Step(kT0 + 10 * kSecond, {Temp("pi-1", "r01", 0, 30)}), Events{"hot firing pi-1"});
  EXPECT_EQ(Step(kT0 + 20 * kSecond, {Temp("pi-1", "r01", 0, std::nan(""))}),
            Events{"hot resolved pi-1"});
}

TEST_F(AlertEngineTest, LabelsAndAnnotationTemplates) {
  Start(R"(
  - name: hot
    expr: temperature > 25
    severity: critical
    labels: {team: facilities, box: ignored}
    annotations:
      summary: "{{box}} in {{ rack }} reads {{value}} C ({{rule}}, {{severity}}){{nope}}"
)");
  Step(kT0, {Temp("pi-1", "r01", 0, 26.456)});
  const Alert a = engine_->Active().at(0);
  EXPECT_EQ(a.severity, Severity::kCritical);
  EXPECT_EQ(LabelValue(a.labels, "team"), "facilities");
  EXPECT_EQ(LabelValue(a.labels, "box"), "pi-1") << "the sample's labels win";
  EXPECT_EQ(a.annotations.at("summary"), "pi-1 in r01 reads 26.46 C (hot, critical)");
  EXPECT_EQ(
      a.fingerprint,
      R"(hot{box="pi-1",measurement="temp",metric="temperature",rack="r01",team="facilities"})");
}

// --- The shipped rules, one detector each ----------------------------------------------

TEST_F(AlertEngineTest, SeedRulesTemperatureAbove25AndMemoryBelow200MiB) {
  Start("", true);
  auto memory = [](std::string box, double kib) {
    return Make(std::move(box), "resource", "memory_available", {{"rack", "r01"}}, 0, kib);
  };
  for (int k = 0; k <= 6; ++k) {
    const TimeNs t = kT0 + k * 10 * kSecond;
    Events events = Step(t, {Temp("pi-1", "r01", 0, 25.5), Temp("pi-2", "r02", 0, 24.0),
                             memory("s1", 200 * 1024 - 1), memory("s2", 200 * 1024)});
    if (k < 6) {
      EXPECT_EQ(events, Events{}) << k;
    }
    if (k == 6) {
      EXPECT_EQ(events, (Events{"temperature_high firing pi-1", "memory_low firing s1"}));
    }
  }
  const std::vector<FeedEntry> feed = Notified();
  ASSERT_EQ(feed.size(), 2u);  // one notification for rack r01, alerts by fingerprint
  EXPECT_EQ(feed[0].notification, feed[1].notification);
  EXPECT_EQ(feed[0].alert.annotations.at("summary"),
            "s1: available memory 204799 KiB is below 200 MiB");
  EXPECT_EQ(feed[1].alert.annotations.at("summary"),
            "pi-1 rack r01: temperature 25.5 °C is above 25 °C");
}

TEST_F(AlertEngineTest, AshraeRecommendedAndAllowableBands) {
  Start("", true, "");
  Events fired;
  for (int k = 0; k <= 30; ++k) {
    const TimeNs t = kT0 + k * 10 * kSecond;
    for (const std::string& e : Step(t, {Temp("pi-1", "r01", 0, 27.5), Temp("pi-2", "r02", 0, 33),
                                         Temp("pi-3", "r03", 0, 16)})) {
      if (e.starts_with("ashrae")) fired.push_back(fmt::format("{} at {}s", e, k * 10));
    }
  }
  EXPECT_EQ(
      fired,
      (Events{"ashrae_allowable firing pi-2 at 60s", "ashrae_recommended firing pi-1 at 300s",
              "ashrae_recommended firing pi-2 at 300s", "ashrae_recommended firing pi-3 at 300s"}));
}

TEST_F(AlertEngineTest, RateOfRise) {
  Start("", true);
  Events fired;
  for (int k = 0; k <= 20; ++k) {
    const TimeNs t = kT0 + k * 10 * kSecond;
    // 1.5 degC/min from 18 degC, and a steady rack.
    for (const std::string& e :
         Step(t, {Temp("pi-1", "r01", 0, 18 + 0.25 * k), Temp("pi-2", "r02", 0, 20)})) {
      if (e.starts_with("temperature_rising")) fired.push_back(fmt::format("{} at {}s", e, k * 10));
    }
  }
  // Holds from the second reading (10 s); for: 2m.
  EXPECT_EQ(fired, Events{"temperature_rising firing pi-1 at 130s"});
  EXPECT_NEAR(engine_->Active().at(0).value, 1.5, 1e-9);
}

TEST_F(AlertEngineTest, StaleSeriesAndOfflineBoxWithInhibition) {
  Start("", true);
  for (int k = 0; k < 6; ++k) {
    Step(kT0 + k * 10 * kSecond, {Temp("pi-1", "r01", 0, 21), Temp("pi-2", "r02", 0, 21)});
  }
  // pi-2 goes silent; pi-1 keeps reporting. Last reading at +50 s, interval 10 s.
  Events events;
  for (int k = 6; k <= 9; ++k) {
    Events e = Step(kT0 + k * 10 * kSecond, {Temp("pi-1", "r01", 0, 21)});
    events.insert(events.end(), e.begin(), e.end());
  }
  EXPECT_EQ(events, Events{"series_stale firing pi-2"});  // at +90 s: 40 s > 3 x 10 s
  // pi-1's agent dies: its last will arrives; its series goes stale later.
  state_.SetBoxStatus("pi-1", false, kT0 + 95 * kSecond);
  events.clear();
  for (int k = 10; k <= 14; ++k) {
    Events e = Step(kT0 + k * 10 * kSecond);
    events.insert(events.end(), e.begin(), e.end());
  }
  EXPECT_EQ(events, (Events{"box_offline firing pi-1", "series_stale firing pi-1"}));
  const std::vector<FeedEntry> feed = Notified();
  std::vector<std::string> notified;
  for (const FeedEntry& f : feed)
    notified.push_back(fmt::format("{} {}", f.alert.rule, LabelValue(f.alert.labels, "box")));
  EXPECT_EQ(notified, (std::vector<std::string>{"series_stale pi-2", "box_offline pi-1"}))
      << "pi-1's stale series is muted by its box being offline";
  for (const Alert& a : engine_->Active()) {
    if (a.rule == "series_stale" && LabelValue(a.labels, "box") == "pi-1") {
      EXPECT_TRUE(a.inhibited);
    }
  }
  // The agent comes back: the offline alert resolves; the muted alert resolves unannounced.
  state_.SetBoxStatus("pi-1", true, kT0 + 150 * kSecond);
  EXPECT_EQ(Step(kT0 + 150 * kSecond, {Temp("pi-1", "r01", 0, 21)}),
            (Events{"series_stale resolved pi-1", "box_offline resolved pi-1"}));
  const std::vector<FeedEntry> after = Notified();
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[2].alert.rule, "box_offline");
  EXPECT_EQ(after[2].alert.state, AlertState::kResolved);
}

TEST_F(AlertEngineTest, StuckSensor) {
  Start("", true);
  Events fired;
  for (int k = 0; k <= 31; ++k) {
    const TimeNs t = kT0 + k * kMinute;
    for (const std::string& e :
         Step(t, {Temp("pi-1", "r01", 0, 21.25), Temp("pi-2", "r02", 0, 21 + 0.01 * k)})) {
      fired.push_back(fmt::format("{} at {}m", e, k));
    }
  }
  EXPECT_EQ(fired, Events{"sensor_stuck firing pi-1 at 30m"});
}

TEST_F(AlertEngineTest, NeighbouringSensorsDisagree) {
  Start("", true);
  Events fired;
  for (int k = 0; k <= 31; ++k) {
    const TimeNs t = kT0 + k * 10 * kSecond;
    for (const std::string& e :
         Step(t, {Temp("pi-1", "r01", 0, 18.5 + 0.001 * k), Temp("pi-2", "r02", 0, 19 - 0.001 * k),
                  Temp("pi-3", "r03", 0, 18.5 + 0.001 * k),
                  Temp("pi-4", "r04", 0, 24.6 - 0.001 * k)})) {
      fired.push_back(fmt::format("{} at {}s", e, k * 10));
    }
  }
  // r04 (24.6) against r03 (18.5): 6.1 degC; r03 against mean(19, 24.6): 3.3 degC.
  EXPECT_EQ(fired, Events{"sensors_disagree firing pi-4 at 300s"});
}

TEST_F(AlertEngineTest, ConfiguredNeighbours) {
  Start(R"(
  - name: disagree
    expr: neighbour_delta(temperature) > 5
)",
        false, "neighbours: {r01: [r03], r03: [r01]}");
  EXPECT_EQ(Step(kT0, {Temp("pi-1", "r01", 0, 20), Temp("pi-2", "r02", 0, 30),
                       Temp("pi-3", "r03", 0, 21)}),
            Events{"disagree firing pi-2"});
}

TEST_F(AlertEngineTest, ExternalConditionsFromTheController) {
  Start("", true);
  engine_->SetCondition("ac_disobeyed", {{"ac", "ac1"}}, true, "AC ac1 ignored setpoint 22", kT0);
  Events events = Step(kT0);
  EXPECT_EQ(events, Events{"external_condition firing "});
  const Alert a = engine_->Active().at(0);
  EXPECT_EQ(a.severity, Severity::kCritical);
  EXPECT_EQ(LabelValue(a.labels, "ac"), "ac1");
  EXPECT_EQ(a.annotations.at("summary"), "ac_disobeyed: AC ac1 ignored setpoint 22");
  engine_->SetCondition("ac_disobeyed", {{"ac", "ac1"}}, false, "", kT0 + kSecond);
  EXPECT_EQ(Step(kT0 + 10 * kSecond), Events{"external_condition resolved "});
}

// --- Notifications -------------------------------------------------------------------------

TEST_F(AlertEngineTest, GroupsByRack) {
  Start(R"(
  - name: hot
    expr: temperature > 25
)");
  Step(kT0, {Temp("pi-1", "r01", 0, 26), Temp("pi-2", "r01", 0, 27), Temp("pi-3", "r02", 0, 28)});
  const std::vector<FeedEntry> feed = Notified();
  ASSERT_EQ(feed.size(), 3u);
  EXPECT_EQ(feed[0].group, "rack r01");
  EXPECT_EQ(feed[1].group, "rack r01");
  EXPECT_EQ(feed[0].notification, feed[1].notification) << "one notification for the rack";
  EXPECT_EQ(feed[2].group, "rack r02");
  EXPECT_NE(feed[2].notification, feed[0].notification);
}

TEST_F(AlertEngineTest, GroupsByBox) {
  Start(R"(
  - name: hot
    expr: temperature > 25
)",
        false, "group_by: box");
  Step(kT0, {Temp("pi-1", "r01", 0, 26), Temp("pi-2", "r01", 0, 27)});
  std::vector<FeedEntry> feed = Notified();
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_EQ(feed[0].group, "box pi-1");
  EXPECT_EQ(feed[1].group, "box pi-2");
}

TEST_F(AlertEngineTest, GroupsByRoom) {
  Start(R"(
  - name: hot
    expr: temperature > 25
)",
        false, "group_by: room");
  Step(kT0, {Temp("pi-1", "r01", 0, 26), Temp("pi-2", "r02", 0, 27)});
  const std::vector<FeedEntry> feed = Notified();
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_EQ(feed[0].group, "room");
  EXPECT_EQ(feed[0].notification, feed[1].notification);
}

TEST_F(AlertEngineTest, RepeatsWhileFiring) {
  Start(R"(
  - name: hot
    expr: temperature > 25
  - name: humid
    expr: humidity > 80
    repeat_interval: 10m
)",
        false, "repeat_interval: 1h");
  auto humid = [](double v) { return Make("pi-9", "temp", "humidity", {{"rack", "r09"}}, 0, v); };
  for (int k = 0; k <= 120; ++k)
    Step(kT0 + k * kMinute, {Temp("pi-1", "r01", 0, 26), humid(85)});
  const std::vector<FeedEntry> feed = Notified();
  std::vector<std::string> seen;
  for (const FeedEntry& f : feed) {
    seen.push_back(
        fmt::format("{} {}m{}", f.alert.rule, (f.time - kT0) / kMinute, f.repeat ? " repeat" : ""));
  }
  std::vector<std::string> want = {"hot 0m", "humid 0m"};
  for (int m = 10; m <= 120; m += 10) {
    if (m == 60 || m == 120) want.push_back(fmt::format("hot {}m repeat", m));
    want.push_back(fmt::format("humid {}m repeat", m));
  }
  EXPECT_EQ(seen, want);
}

TEST_F(AlertEngineTest, NotifiersBelowTheirMinimumSeverityGetNothing) {
  Start(R"(
  - name: hot
    expr: temperature > 25
    severity: info
)",
        false, "notifiers: [{kind: ui, min_severity: warning}]");
  Step(kT0, {Temp("pi-1", "r01", 0, 26)});
  EXPECT_TRUE(Notified().empty());
  EXPECT_EQ(engine_->Active().size(), 1u);
}

TEST_F(AlertEngineTest, EvaluatingWithNoReadingsIsQuiet) {
  Start("", true);
  EXPECT_EQ(Step(kT0), Events{});
  EXPECT_EQ(engine_->counters().evaluations, 1u);
}

}  // namespace
}  // namespace coolflow::hub::alerts

namespace coolflow::hub::alerts {
namespace {

TEST(UiFeedTest, SubscribersAndPollingSeeEveryEntryInOrderAndTheRingIsBounded) {
  UiFeed feed(3);
  std::vector<uint64_t> seen;
  const uint64_t id = feed.Subscribe([&](const FeedEntry& e) { seen.push_back(e.seq); });
  Notification n;
  n.group = "rack r01";
  n.time = testing::kT0;
  n.alerts.resize(2);
  feed.Publish(n);
  feed.Publish(n);
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(feed.last_seq(), 4u);
  const std::vector<FeedEntry> kept = feed.Since(0);
  ASSERT_EQ(kept.size(), 3u);  // the oldest fell out
  EXPECT_EQ(kept[0].seq, 2u);
  EXPECT_EQ(kept[0].notification, 1u);
  EXPECT_EQ(kept[1].notification, 2u);
  EXPECT_EQ(kept[2].group, "rack r01");
  EXPECT_EQ(feed.Since(3).size(), 1u);
  feed.Unsubscribe(id);
  feed.Publish(n);
  EXPECT_EQ(seen.size(), 4u);
}

}  // namespace
}  // namespace coolflow::hub::alerts
