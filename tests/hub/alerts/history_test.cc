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

}  // namespace
}  // namespace coolflow::hub::alerts
