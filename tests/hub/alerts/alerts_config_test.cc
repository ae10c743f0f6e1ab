#include "hub/alerts/alerts_config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "hub/alerts/notifier.h"

namespace coolflow::hub::alerts {
namespace {

std::string Error(std::string_view yaml) {
  Result<AlertsConfig> c = ParseAlertsConfig(yaml, "alerts.yaml");
  if (c.ok()) return "accepted";
  return c.status().message();
}

const AlertRule* Find(const AlertsConfig& c, std::string_view name) {
  for (const AlertRule& r : c.rules) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

TEST(AlertsConfigTest, DefaultsShipTheSeedsRulesAndEveryDetector) {
  Result<AlertsConfig> c = ParseAlertsConfig("", "alerts.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  std::vector<std::string> names;
  for (const AlertRule& r : c->rules)
    names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"temperature_high", "memory_low", "ashrae_recommended",
                                             "ashrae_allowable", "temperature_rising",
                                             "series_stale", "box_offline", "sensor_stuck",
                                             "sensors_disagree", "external_condition"}));
  const AlertRule* hot = Find(*c, "temperature_high");
  EXPECT_EQ(hot->expr->ToString(), "(temperature > 25)");
  EXPECT_EQ(hot->clear->ToString(), "(temperature < 24.5)");
  EXPECT_EQ(hot->for_duration, kNanosPerMinute);
  EXPECT_EQ(Find(*c, "memory_low")->expr->ToString(), "(memory_available < (200 * 1024))");
  EXPECT_EQ(c->group_by, GroupLevel::kRack);
  EXPECT_EQ(c->repeat_interval, 4 * kNanosPerHour);
  ASSERT_EQ(c->inhibit.size(), 1u);
  EXPECT_EQ(c->inhibit[0].source, "box_offline");
  ASSERT_EQ(c->notifiers.size(), 1u);
  EXPECT_EQ(c->notifiers[0].kind, "ui");
}

TEST(AlertsConfigTest, RulesOverrideDisableOrReplaceTheDefaults) {
  Result<AlertsConfig> c = ParseAlertsConfig(R"(
rules:
  - name: temperature_high
    expr: temperature > 26
  - name: sensor_stuck
    enabled: false
  - name: door
    expr: condition("door_open")
    severity: info
    for: 30s
    keep_firing_for: 1m
    repeat_interval: 15m
    labels: {team: facilities}
    annotations: {summary: "door {{door}} open"}
group_by: box
repeat_interval: 2h
evaluation_interval: 5s
neighbours: {r01: [r02], r02: [r01, r03]}
inhibit:
  - source: box_offline
    equal: [box]
    targets: [series_stale]
queue_size: 10
history: {path: /tmp/alerts.db, max_events: 500}
)",
                                             "alerts.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const AlertRule* hot = Find(*c, "temperature_high");
  EXPECT_EQ(hot->expr->ToString(), "(temperature > 26)");
  EXPECT_EQ(hot->clear->ToString(), "(temperature < 24.5)") << "unset keys keep the shipped ones";
  EXPECT_EQ(hot->location, "alerts.yaml:3:5");
  EXPECT_FALSE(hot->builtin);
  EXPECT_FALSE(Find(*c, "sensor_stuck")->enabled);
  const AlertRule* door = Find(*c, "door");
  ASSERT_NE(door, nullptr);
  EXPECT_EQ(door->severity, Severity::kInfo);
  EXPECT_EQ(door->for_duration, 30 * kNanosPerSecond);
  EXPECT_EQ(door->keep_firing_for, kNanosPerMinute);
  EXPECT_EQ(door->repeat_interval, 15 * kNanosPerMinute);
  EXPECT_EQ(door->labels, (Labels{{"team", "facilities"}}));
  EXPECT_EQ(door->annotations.at("summary"), "door {{door}} open");
  EXPECT_EQ(c->group_by, GroupLevel::kBox);
  EXPECT_EQ(c->repeat_interval, 2 * kNanosPerHour);
  EXPECT_EQ(c->evaluation_interval, 5 * kNanosPerSecond);
  EXPECT_EQ(c->neighbours.at("r02"), (std::vector<std::string>{"r01", "r03"}));
  EXPECT_EQ(c->inhibit.at(0).targets, std::vector<std::string>{"series_stale"});
  EXPECT_EQ(c->queue_size, 10u);
  EXPECT_EQ(c->history.path, "/tmp/alerts.db");
  EXPECT_EQ(c->history.max_events, 500u);
}

TEST(AlertsConfigTest, DefaultRulesOffKeepsOnlyTheConfigsRules) {
  for (const char* yaml : {"default_rules: false\nrules: [{name: a, expr: x > 1}]\n",
                           "rules: [{name: a, expr: x > 1}]\ndefault_rules: false\n"}) {
    Result<AlertsConfig> c = ParseAlertsConfig(yaml, "alerts.yaml");
    ASSERT_TRUE(c.ok()) << c.status().message();
    ASSERT_EQ(c->rules.size(), 1u) << yaml;
    EXPECT_EQ(c->rules[0].name, "a");
  }
}

TEST(AlertsConfigTest, ExpressionErrorsPointIntoTheFile) {
  // Plain scalar: column of the scalar + offset.
  EXPECT_EQ(Error("rules:\n  - name: a\n    expr: temperature >\n"),
            "alerts.yaml:3:24: rules[0].expr: expected an operand after '>', got end of "
            "expression");
  // Quoted scalar: one more for the quote.
  EXPECT_EQ(Error("rules:\n  - name: a\n    expr: \"rates(x) > 1\"\n"),
            "alerts.yaml:3:12: rules[0].expr: unknown function \"rates\"; did you mean "
            "\"rate\"?");
  // Block scalar: the line and column inside the block.
  EXPECT_EQ(Error("rules:\n  - name: a\n    expr: |\n      temperature > 25\n        and (x\n"),
            "alerts.yaml:5:15: rules[0].expr: expected ')' to close '(', got end of expression");
  EXPECT_EQ(Error("rules:\n  - name: a\n    expr: x > 1\n    clear: x <<< 1\n"),
            "alerts.yaml:4:15: rules[0].clear: expected a number, a metric, a function call or "
            "'(', got '<'");
}

TEST(AlertsConfigTest, SchemaErrorsNameFileLineAndField) {
  EXPECT_EQ(Error("rules:\n  - name: a\n    expr: x > 1\n    fore: 1m\n"),
            "alerts.yaml:4:5: rules[0].fore: unknown key; did you mean \"for\"?");
  EXPECT_EQ(Error("rules:\n  - name: a\n"),
            "alerts.yaml:2:5: rules[0]: missing required key \"expr\"");
  EXPECT_EQ(Error("rules:\n  - expr: x > 1\n"),
            "alerts.yaml:2:5: rules[0]: missing required key \"name\"");
  EXPECT_EQ(Error("rules:\n  - {name: a, expr: x > 1}\n  - {name: a, expr: x > 2}\n"),
            "alerts.yaml:3:12: rules[1].name: rule \"a\" is defined twice (first at "
            "alerts.yaml:2:5)");
  EXPECT_EQ(Error("rules:\n  - {name: \"a b\", expr: x > 1}\n"),
            "alerts.yaml:2:12: rules[0].name: \"a b\" is not a rule name (1 to 128 letters, "
            "digits, '_', '-' or '.')");
  EXPECT_EQ(Error("rules:\n  - {name: a, expr: x > 1, severity: loud}\n"),
            "alerts.yaml:2:38: rules[0].severity: unknown severity; expected one of: info, "
            "warning, critical");
  EXPECT_EQ(Error("rules:\n  - {name: a, expr: x > 1, for: soon}\n").substr(0, 31),
            "alerts.yaml:2:33: rules[0].for:");
  EXPECT_EQ(Error("group_by: shelf\n"),
            "alerts.yaml:1:11: group_by: unknown grouping; expected one of: room, rack, box");
  EXPECT_EQ(Error("queue_size: 0\n"), "alerts.yaml:1:13: queue_size: 0 is outside 1..1000000");
  EXPECT_EQ(Error("inhibit: [{equal: [box]}]\n"),
            "alerts.yaml:1:11: inhibit[0]: missing required key \"source\"");
}

TEST(AlertsConfigTest, NotifierConfig) {
  const auto dir = std::filesystem::temp_directory_path() / "coolflow-alerts-config-test";
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "smtp.pass") << "s3cret\n"; }
  Result<AlertsConfig> c = ParseAlertsConfig(R"(
notifiers:
  - kind: email
    name: ops-mail
    url: smtp://mail.example:587
    from: coolflow@example.org
    to: [ops@example.org, oncall@example.org]
    username: coolflow
    password_file: smtp.pass
    min_severity: warning
    retries: 5
    retry_backoff: 2s
    timeout: 20s
  - kind: webhook
    url: http://127.0.0.1:9/hook
    headers: {X-Room: lab}
  - kind: ui
)",
                                             "alerts.yaml", dir);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->notifiers.size(), 3u);
  EXPECT_EQ(c->notifiers[0].name, "ops-mail");
  EXPECT_EQ(c->notifiers[0].kind, "email");
  EXPECT_EQ(c->notifiers[0].min_severity, Severity::kWarning);
  EXPECT_EQ(c->notifiers[0].retries, 5);
  EXPECT_EQ(c->notifiers[0].retry_backoff, 2 * kNanosPerSecond);
  EXPECT_EQ(c->notifiers[1].name, "webhook");
  EXPECT_EQ(c->notifiers[2].name, "ui");
  for (const NotifierSpec& n : c->notifiers)
    EXPECT_TRUE(n.make);

  EXPECT_EQ(Error("notifiers:\n  - kind: pager\n"),
            "alerts.yaml:2:11: notifiers[0].kind: unknown notifier kind; expected one of: email, "
            "ui, webhook");
  EXPECT_EQ(Error("notifiers:\n  - kind: email\n    url: smtp://x\n    from: a@b\n    to: c@d\n"
                  "    password: hunter2\n"),
            "alerts.yaml:6:15: notifiers[0].password: is never written in the config; put it in "
            "a file and set password_file");
  EXPECT_EQ(Error("notifiers:\n  - kind: email\n    url: http://x\n"),
            "alerts.yaml:3:10: notifiers[0].url: must start with smtp:// or smtps://");
  EXPECT_EQ(Error("notifiers:\n  - kind: email\n    url: smtp://x\n"),
            "alerts.yaml:2:5: notifiers[0]: missing required key \"from\"");
  EXPECT_EQ(Error("notifiers:\n  - kind: webhook\n    url: ftp://x\n"),
            "alerts.yaml:3:10: notifiers[0].url: must start with http:// or https://");
  EXPECT_EQ(Error("notifiers:\n  - {kind: ui}\n  - {kind: ui}\n"),
            "alerts.yaml:3:5: notifiers[1]: notifier name \"ui\" is used twice; set name");
  std::filesystem::remove_all(dir);
}

TEST(AlertsConfigTest, EmbedsInAHubConfigThroughItsTable) {
  struct HubConfig {
    std::string name;
    AlertsConfig alerts;
  };
  const yaml::Table<HubConfig> table = {
      yaml::Member("name", &HubConfig::name),
      yaml::Section("alerts", &AlertsTable, &HubConfig::alerts),
  };
  const std::string text = "name: hub\nalerts:\n  rules:\n    - {name: a, expr: \"x >\"}\n";
  ConfigReader reader("hub.yaml", text);
  Result<yaml::Item> root = reader.LoadDocument(text, "a hub config");
  ASSERT_TRUE(root.ok());
  HubConfig hub;
  Status s = reader.ParseMapping(*root, table, hub);
  EXPECT_EQ(s.message(),
            "hub.yaml:4:27: alerts.rules[0].expr: expected an operand after '>', got end of "
            "expression");
}

}  // namespace
}  // namespace coolflow::hub::alerts
