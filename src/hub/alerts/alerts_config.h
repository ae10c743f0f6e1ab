// The `alerts:` section of the hub's config: rules, grouping, inhibition, neighbours,
// notifiers and history. The schema, its defaults and the shipped rules are in
// docs/alerts.md. The hub's config embeds the section with
//   yaml::Section("alerts", &alerts::AlertsTable, &HubConfig::alerts)
// and should read it through an alerts::ConfigReader (or call ParseAlertsConfig on a file of
// its own) so that an expression's errors point at the exact line and column in the file.
//
// Thread safety: an AlertsConfig is a value; its expressions are immutable and shared.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/yaml_reader.h"
#include "hub/alerts/expression.h"

namespace coolflow::hub::alerts {

enum class Severity : uint8_t { kInfo = 0, kWarning = 1, kCritical = 2 };
std::string_view SeverityName(Severity severity);  // "info", "warning", "critical"

struct AlertRule {
  std::string name;
  std::shared_ptr<const Expression> expr;   // fires for each truthy sample
  std::shared_ptr<const Expression> clear;  // null: clears when expr stops holding
  TimeNs for_duration = 0;                  // expr must hold this long before the alert fires
  TimeNs keep_firing_for = 0;  // the clear condition must hold this long before it resolves
  Severity severity = Severity::kWarning;
  Labels labels;                                   // added to every alert of the rule
  std::map<std::string, std::string> annotations;  // templates: "summary", "description"
  std::optional<TimeNs> repeat_interval;           // overrides the section's
  bool enabled = true;
  bool builtin = false;  // one of the shipped defaults, unchanged
  std::string location;  // "alerts.yaml:12:5" where it was defined
};

enum class GroupLevel : uint8_t { kRoom, kRack, kBox };
std::string_view GroupLevelName(GroupLevel level);  // "room", "rack", "box"

// While an alert of rule `source` fires, alerts of other rules (or of `targets` only, when
// set) whose `equal` labels have the same values are muted.
struct InhibitRule {
  std::string source;
  std::vector<std::string> equal = {"box"};
  std::vector<std::string> targets;
};

class Notifier;
class UiFeed;

// What a notifier factory may use.
struct NotifierContext {
  std::shared_ptr<UiFeed> feed;  // the engine's feed, for the "ui" kind
};

struct NotifierSpec {
  std::string kind;  // "email", "webhook", "ui"
  std::string name;  // unique; defaults to the kind
  Severity min_severity = Severity::kInfo;
  int retries = 3;                             // further attempts after a failure
  TimeNs retry_backoff = 1 * kNanosPerSecond;  // doubled after each attempt
  std::string location;
  // Builds the notifier (reads secrets then). Set by the kind's parser.
  std::function<Result<std::unique_ptr<Notifier>>(const NotifierContext&)> make;
};

struct HistorySettings {
  std::string path;               // SQLite file; "" = no history
  uint64_t max_events = 100'000;  // older events are deleted past this
};

struct AlertsConfig {
  AlertsConfig();  // the shipped rules and defaults

  bool default_rules = true;
  std::vector<AlertRule> rules;
  GroupLevel group_by = GroupLevel::kRack;
  TimeNs repeat_interval = 4 * kNanosPerHour;
  TimeNs evaluation_interval = 10 * kNanosPerSecond;  // how often the hub calls Evaluate
  std::vector<InhibitRule> inhibit = {{"box_offline", {"box"}, {}}};
  NeighbourMap neighbours;
  std::vector<NotifierSpec> notifiers;
  size_t queue_size = 1024;  // notifications waiting for the notifier thread
  HistorySettings history;
};

// A yaml::Reader that keeps the document's text, so expression errors land on the exact
// column inside quoted and block scalars (with a plain Reader they point at the scalar).
class ConfigReader : public yaml::Reader {
 public:
  ConfigReader(std::string_view source, std::string_view text,
               std::optional<std::filesystem::path> folder = std::nullopt)
      : yaml::Reader(source, std::move(folder)), text_(text) {}
  std::string_view text() const { return text_; }

 private:
  std::string text_;
};

// The schema of the section, for embedding in the hub's config.
const yaml::Table<AlertsConfig>& AlertsTable();

// Parses a document whose root is the section's mapping (what `alerts:` holds). Relative
// paths resolve against `folder`. Errors read "<source>:<line>:<column>: <field>: <why>".
Result<AlertsConfig> ParseAlertsConfig(std::string_view yaml, std::string_view source,
                                       std::optional<std::filesystem::path> folder = {});

// Parses one rule list (the shipped defaults use it).
Status ParseRules(yaml::Reader& reader, const yaml::Item& item, std::vector<AlertRule>& rules);

// The shipped rules as YAML (docs/alerts.md lists them), and parsed.
std::string_view DefaultRulesYaml();
const std::vector<AlertRule>& DefaultRules();

}  // namespace coolflow::hub::alerts
