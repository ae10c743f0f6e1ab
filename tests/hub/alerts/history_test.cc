#include "hub/alerts/history.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "alerts_test_util.h"
#include "fmt/format.h"
#include "hub/alerts/alert_engine.h"
#include "support/server_process.h"

namespace coolflow::hub::alerts {
namespace {

using namespace testing;

Alert MakeAlert(std::string rule, AlertState state, std::string box) {
  Alert a;
  a.rule = std::move(rule);
  a.state = state;
  a.labels = {{"box", std::move(box)}, {"rack", "r01"}};
  a.fingerprint = a.rule + FormatLabels(a.labels);
  a.severity = Severity::kCritical;
  a.annotations = {{"summary", "it is hot"}};
  a.value = 26.5;
  a.active_since = kT0;
  a.fired_at = kT0 + kSecond;
  return a;
}

TEST(AlertHistoryTest, SurvivesARestart) {
  auto dir = coolflow::testing::MakeTempDir("alert-history");
  ASSERT_TRUE(dir.ok());
  const std::string path = (*dir / "alerts.db").string();
  {
    auto history = AlertHistory::Open(path, 1000);
    ASSERT_TRUE(history.ok()) << history.status().message();
    ASSERT_TRUE((*history)->Record(kT0, MakeAlert("hot", AlertState::kFiring, "pi-1")).ok());
    Alert resolved = MakeAlert("hot", AlertState::kResolved, "pi-1");
    resolved.resolved_at = kT0 + kMinute;
    resolved.value = std::nan("");
    ASSERT_TRUE((*history)->Record(kT0 + kMinute, resolved).ok());
  }
  auto reopened = AlertHistory::Open(path, 1000);
  ASSERT_TRUE(reopened.ok());
  auto recent = (*reopened)->Recent(10);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 2u);
  const HistoryEntry& newest = (*recent)[0];
  EXPECT_EQ(newest.time, kT0 + kMinute);
  EXPECT_EQ(newest.alert.state, AlertState::kResolved);
  EXPECT_EQ(newest.alert.resolved_at, kT0 + kMinute);
  EXPECT_TRUE(std::isnan(newest.alert.value));
  const Alert& first = (*recent)[1].alert;
  EXPECT_EQ(first.rule, "hot");
  EXPECT_EQ(first.fingerprint, R"(hot{box="pi-1",rack="r01"})");
  EXPECT_EQ(first.severity, Severity::kCritical);
  EXPECT_EQ(first.labels, (Labels{{"box", "pi-1"}, {"rack", "r01"}}));
  EXPECT_EQ(first.annotations.at("summary"), "it is hot");
  EXPECT_DOUBLE_EQ(first.value, 26.5);
  EXPECT_EQ(first.fired_at, kT0 + kSecond);
  std::filesystem::remove_all(*dir);
}

TEST(AlertHistoryTest, StaysBounded) {
  auto dir = coolflow::testing::MakeTempDir("alert-history");
  ASSERT_TRUE(dir.ok());
  const std::string path = (*dir / "alerts.db").string();
  auto history = AlertHistory::Open(path, 100);
  ASSERT_TRUE(history.ok());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(
        (*history)->Record(kT0 + i, MakeAlert("r", AlertState::kFiring, std::to_string(i))).ok());
  }
  auto count = (*history)->Count();
  ASSERT_TRUE(count.ok());
  EXPECT_LE(*count, 100u + AlertHistory::kTrimEvery);
  EXPECT_GE(*count, 100u);
  EXPECT_EQ(LabelValue((*(*history)->Recent(1))[0].alert.labels, "box"), "999");
  std::filesystem::remove_all(*dir);
}

TEST(AlertHistoryTest, AnUnwritablePathIsAnError) {
  auto history = AlertHistory::Open("/nonexistent-coolflow-dir/alerts.db", 10);
  ASSERT_FALSE(history.ok());
  EXPECT_NE(history.status().message().find("/nonexistent-coolflow-dir/alerts.db"),
            std::string::npos);
}

TEST(AlertHistoryTest, TheEngineRecordsEveryEventAcrossRestarts) {
  auto dir = coolflow::testing::MakeTempDir("alert-history");
  ASSERT_TRUE(dir.ok());
  const std::string yaml = fmt::format(R"(
default_rules: false
rules: [{{name: hot, expr: temperature > 25}}]
history: {{path: {}}}
)",
                                       (*dir / "alerts.db").string());
  for (int run = 0; run < 2; ++run) {
    auto config = ParseAlertsConfig(yaml, "alerts.yaml");
    ASSERT_TRUE(config.ok()) << config.status().message();
    live::LiveState state(Immediate());
    auto engine = AlertEngine::Create(std::move(*config), state);
    ASSERT_TRUE(engine.ok()) << engine.status().message();
    const TimeNs t = kT0 + run * kNanosPerHour;
    Feed(state, {Temp("pi-1", "r01", 0, 26)}, t);
    (*engine)->Evaluate(t);
    Feed(state, {Temp("pi-1", "r01", 0, 20)}, t + kMinute);
    (*engine)->Evaluate(t + kMinute);
  }
  auto history = AlertHistory::Open((*dir / "alerts.db").string(), 100);
  ASSERT_TRUE(history.ok());
  auto recent = (*history)->Recent(10);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 4u);
  EXPECT_EQ((*recent)[0].alert.state, AlertState::kResolved);
  EXPECT_EQ((*recent)[0].time, kT0 + kNanosPerHour + kMinute);
  EXPECT_EQ((*recent)[3].alert.state, AlertState::kFiring);
  EXPECT_EQ((*recent)[3].time, kT0);
  std::filesystem::remove_all(*dir);
}

TEST(AlertHistoryTest, FiringListsTheAlertsWhoseNewestEventFires) {
  auto dir = coolflow::testing::MakeTempDir("alert-history");
  ASSERT_TRUE(dir.ok());
  auto history = AlertHistory::Open((*dir / "alerts.db").string(), 100);
  ASSERT_TRUE(history.ok()) << history.status().message();
  Alert resolved_later = MakeAlert("hot", AlertState::kFiring, "pi-1");
  ASSERT_TRUE((*history)->Record(kT0, resolved_later).ok());
  ASSERT_TRUE((*history)->Record(kT0, MakeAlert("hot", AlertState::kFiring, "pi-2")).ok());
  resolved_later.state = AlertState::kResolved;
  ASSERT_TRUE((*history)->Record(kT0 + kMinute, resolved_later).ok());
  auto firing = (*history)->Firing();
  ASSERT_TRUE(firing.ok()) << firing.status().message();
  ASSERT_EQ(firing->size(), 1u);
  EXPECT_EQ(LabelValue((*firing)[0].alert.labels, "box"), "pi-2");
  EXPECT_EQ((*firing)[0].alert.fired_at, kT0 + kSecond);
  std::filesystem::remove_all(*dir);
}

// A restart restores what fired: it neither drops the alert nor notifies it again, keeps
// its start, and resolves it (notifying that) once its series says so.
TEST(AlertHistoryTest, ARestartKeepsFiringAlertsWithoutNotifyingThemAgain) {
  auto dir = coolflow::testing::MakeTempDir("alert-history");
  ASSERT_TRUE(dir.ok());
  const std::string yaml = fmt::format(R"(
default_rules: false
rules: [{{name: hot, expr: temperature > 25, for: 1m}}]
history: {{path: {}}}
)",
                                       (*dir / "alerts.db").string());
  {
    auto config = ParseAlertsConfig(yaml, "alerts.yaml");
    ASSERT_TRUE(config.ok()) << config.status().message();
    live::LiveState state(Immediate());
    auto engine = AlertEngine::Create(std::move(*config), state);
    ASSERT_TRUE(engine.ok()) << engine.status().message();
    Feed(state, {Temp("pi-1", "r01", 0, 26)}, kT0);
    (*engine)->Evaluate(kT0);
    Feed(state, {Temp("pi-1", "r01", 0, 26)}, kT0 + kMinute);
    ASSERT_EQ((*engine)->Evaluate(kT0 + kMinute).size(), 1u);
    ASSERT_EQ((*engine)->counters().notifications, 1u);
  }
  const TimeNs restart = kT0 + kNanosPerHour;
  auto config = ParseAlertsConfig(yaml, "alerts.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  live::LiveState state(Immediate());
  auto engine = AlertEngine::Create(std::move(*config), state);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  std::vector<Alert> active = (*engine)->Active();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].state, AlertState::kFiring);
  EXPECT_EQ(active[0].active_since, kT0);
  EXPECT_EQ(active[0].fired_at, kT0 + kMinute);
  // Before its series is reported again it stays firing: no resolved event.
  EXPECT_TRUE((*engine)->Evaluate(restart).empty());
  ASSERT_EQ((*engine)->Active().size(), 1u);
  // Still hot: still firing, not pending again, nothing sent.
  Feed(state, {Temp("pi-1", "r01", 0, 26)}, restart + kMinute);
  EXPECT_TRUE((*engine)->Evaluate(restart + kMinute).empty());
  ASSERT_EQ((*engine)->Active().size(), 1u);
  EXPECT_EQ((*engine)->Active()[0].state, AlertState::kFiring);
  EXPECT_EQ((*engine)->counters().notifications, 0u);
  // Cool again: resolved, with its original start, and that is notified.
  Feed(state, {Temp("pi-1", "r01", 0, 20)}, restart + 2 * kMinute);
  std::vector<Alert> events = (*engine)->Evaluate(restart + 2 * kMinute);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].state, AlertState::kResolved);
  EXPECT_EQ(events[0].active_since, kT0);
  EXPECT_EQ((*engine)->counters().notifications, 1u);
  std::filesystem::remove_all(*dir);
}

// A restored alert whose series never comes back resolves once the grace is over.
TEST(AlertHistoryTest, ARestoredAlertWhoseSeriesNeverReturnsResolvesAfterTheGrace) {
  auto dir = coolflow::testing::MakeTempDir("alert-history");
  ASSERT_TRUE(dir.ok());
  const std::string path = (*dir / "alerts.db").string();
  {
    auto history = AlertHistory::Open(path, 100);
    ASSERT_TRUE(history.ok()) << history.status().message();
    Alert a = MakeAlert("hot", AlertState::kFiring, "pi-1");
    a.labels = {
        {"box", "pi-1"}, {"measurement", "temp"}, {"metric", "temperature"}, {"rack", "r01"}};
    a.fingerprint = a.rule + FormatLabels(a.labels);
    ASSERT_TRUE((*history)->Record(kT0, a).ok());
  }
  auto config = ParseAlertsConfig(fmt::format(R"(
default_rules: false
rules: [{{name: hot, expr: temperature > 25}}]
history: {{path: {}}}
)",
                                              path),
                                  "alerts.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  live::LiveState state(Immediate());
  auto engine = AlertEngine::Create(std::move(*config), state);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  const TimeNs restart = kT0 + kNanosPerHour;
  EXPECT_TRUE((*engine)->Evaluate(restart).empty());
  EXPECT_TRUE((*engine)->Evaluate(restart + AlertEngine::kRestoreGrace - kSecond).empty());
  std::vector<Alert> events = (*engine)->Evaluate(restart + AlertEngine::kRestoreGrace);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].state, AlertState::kResolved);
  EXPECT_TRUE((*engine)->Active().empty());
  std::filesystem::remove_all(*dir);
}

}  // namespace
}  // namespace coolflow::hub::alerts
