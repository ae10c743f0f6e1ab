#include "hub/alerts/alerts_config.h"

#include <algorithm>
#include <set>
#include <utility>

#include "common/time.h"
#include "fmt/format.h"
#include "hub/alerts/notifier.h"

namespace coolflow::hub::alerts {
namespace {

using yaml::Item;
using yaml::Member;
using yaml::Table;

constexpr size_t kMaxQueue = 1'000'000;
constexpr size_t kMaxRuleName = 128;

std::string Location(const yaml::Reader& r, const Item& item) {
  return fmt::format("{}:{}:{}", r.source(), item.mark.line + 1, item.mark.column + 1);
}

// The 1-based line and column in the file of an error at `e` (a position in the expression
// text) in the scalar `item`: exact for one-line plain and quoted scalars and for block
// scalars (| and >) when the reader kept the text; otherwise the scalar's own position.
std::pair<size_t, size_t> PlaceInFile(const yaml::Reader& r, const Item& item, const ExprError& e) {
  const size_t line = static_cast<size_t>(item.mark.line) + 1;
  const size_t column = static_cast<size_t>(item.mark.column) + 1;
  const auto* cr = dynamic_cast<const ConfigReader*>(&r);
  if (cr == nullptr || item.mark.pos < 0 ||
      static_cast<size_t>(item.mark.pos) >= cr->text().size()) {
    return {line, e.line == 1 ? column + e.column - 1 : column};
  }
  const std::string_view text = cr->text();
  const auto pos = static_cast<size_t>(item.mark.pos);
  const size_t lines = 1 + static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  const char first = text[pos];
  if (first == '"' || first == '\'') {
    // Quoted: exact on its first line when nothing before the error was escaped.
    return {line, e.line == 1 ? column + e.column : column};
  }
  if (first == '|' || first == '>') {
    // A block scalar: its content starts on the next line, indented; blank lines first are
    // skipped.
    size_t at = text.find('\n', pos);
    size_t content_line = line + 1;
    while (at != std::string_view::npos && ++at < text.size()) {
      size_t indent = 0;
      while (at + indent < text.size() && text[at + indent] == ' ')
        ++indent;
      if (at + indent < text.size() && text[at + indent] == '\n') {
        at += indent;
        ++content_line;
        continue;
      }
      const size_t error_line = content_line + e.line - 1;
      if (error_line <= lines) return {error_line, indent + e.column};
      break;
    }
    return {line, column};
  }
  return {line, e.line == 1 ? column + e.column - 1 : column};
}

Status ReadExpression(yaml::Reader& r, const Item& item, std::shared_ptr<const Expression>& out) {
  std::string text;
  if (Status s = r.Read(item, text); !s.ok()) return s;
  if (!item.node.IsScalar()) return r.Error(item, "expected an expression");
  ExprError error;
  Result<Expression> parsed = ParseExpression(text, &error);
  if (!parsed.ok()) {
    const auto [line, column] = PlaceInFile(r, item, error);
    return InvalidArgument(
        fmt::format("{}:{}:{}: {}: {}", r.source(), line, column, item.path, error.message));
  }
  out = std::make_shared<const Expression>(std::move(*parsed));
  return Status::Ok();
}

Status ReadSeverity(yaml::Reader& r, const Item& item, Severity& out) {
  size_t i = 0;
  if (Status s = r.ReadChoice(item, {"info", "warning", "critical"}, "severity", i); !s.ok()) {
    return s;
  }
  out = static_cast<Severity>(i);
  return Status::Ok();
}

Status ReadPositiveDuration(yaml::Reader& r, const Item& item, TimeNs& out, bool allow_zero) {
  if (Status s = r.ReadDuration(item, out); !s.ok()) return s;
  if (!allow_zero && out <= 0) return r.Error(item, "must be longer than 0s");
  return Status::Ok();
}

Status ReadLabels(yaml::Reader& r, const Item& item, Labels& out) {
  std::map<std::string, std::string> map;
  if (Status s = r.Read(item, map); !s.ok()) return s;
  out.clear();
  for (auto& [k, v] : map) {
    if (k.empty()) return r.Error(item, "a label name is empty");
    out.push_back({k, v});
  }
  return Status::Ok();
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxRuleName) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

const Table<AlertRule>& RuleTable() {
  static const Table<AlertRule> table = {
      {"name",
       [](yaml::Reader& r, const Item& item, AlertRule& out) {
         if (Status s = r.Read(item, out.name); !s.ok()) return s;
         if (!ValidName(out.name)) {
           return r.Error(item, fmt::format("\"{}\" is not a rule name (1 to {} letters, digits, "
                                            "'_', '-' or '.')",
                                            yaml::Clip(yaml::OneLine(out.name)), kMaxRuleName));
         }
         return Status::Ok();
       }},
      {"expr", [](yaml::Reader& r, const Item& item,
                  AlertRule& out) { return ReadExpression(r, item, out.expr); }},
      {"clear", [](yaml::Reader& r, const Item& item,
                   AlertRule& out) { return ReadExpression(r, item, out.clear); }},
      {"for", [](yaml::Reader& r, const Item& item,
                 AlertRule& out) { return ReadPositiveDuration(r, item, out.for_duration, true); }},
      {"keep_firing_for",
       [](yaml::Reader& r, const Item& item, AlertRule& out) {
         return ReadPositiveDuration(r, item, out.keep_firing_for, true);
       }},
      {"severity", [](yaml::Reader& r, const Item& item,
                      AlertRule& out) { return ReadSeverity(r, item, out.severity); }},
      {"labels", [](yaml::Reader& r, const Item& item,
                    AlertRule& out) { return ReadLabels(r, item, out.labels); }},
      Member("annotations", &AlertRule::annotations),
      {"repeat_interval",
       [](yaml::Reader& r, const Item& item, AlertRule& out) {
         TimeNs t = 0;
         if (Status s = ReadPositiveDuration(r, item, t, false); !s.ok()) return s;
         out.repeat_interval = t;
         return Status::Ok();
       }},
      Member("enabled", &AlertRule::enabled),
  };
  return table;
}

// One entry of `rules:`; a rule named like a shipped one replaces it (keys it leaves out
// keep the shipped values).
Status ReadRule(yaml::Reader& r, const Item& item, std::vector<AlertRule>& rules) {
  if (!item.node.IsMap())
    return r.Error(item, "expected a mapping, got " + yaml::Describe(item.node));
  const YAML::Node name_node = item.node["name"];
  if (!name_node) return r.Error(item, "missing required key \"name\"");
  AlertRule rule;
  auto existing = rules.end();
  if (name_node.IsScalar()) {
    existing = std::find_if(rules.begin(), rules.end(),
                            [&](const AlertRule& x) { return x.name == name_node.Scalar(); });
    if (existing != rules.end()) {
      if (!existing->builtin) {
        return r.Error(name_node.Mark(), yaml::Join(item.path, "name"),
                       fmt::format("rule \"{}\" is defined twice (first at {})", existing->name,
                                   existing->location));
      }
      rule = *existing;
    }
  }
  std::vector<std::string> keys;
  if (Status s = r.ParseMapping(item, RuleTable(), rule, &keys); !s.ok()) return s;
  if (!rule.expr) return r.Require(item, keys, "expr");
  rule.builtin = false;
  rule.location = Location(r, item);
  if (existing != rules.end()) {
    *existing = std::move(rule);
  } else {
    rules.push_back(std::move(rule));
  }
  return Status::Ok();
}

const Table<InhibitRule>& InhibitTable() {
  static const Table<InhibitRule> table = {
      Member("source", &InhibitRule::source),
      Member("equal", &InhibitRule::equal),
      Member("targets", &InhibitRule::targets),
  };
  return table;
}

const Table<HistorySettings>& HistoryTable() {
  static const Table<HistorySettings> table = {
      {"path", [](yaml::Reader& r, const Item& item,
                  HistorySettings& out) { return r.ReadPath(item, out.path, false); }},
      {"max_events",
       [](yaml::Reader& r, const Item& item, HistorySettings& out) {
         if (Status s = r.Read(item, out.max_events); !s.ok()) return s;
         if (out.max_events < 1) return r.Error(item, "must be at least 1");
         return Status::Ok();
       }},
  };
  return table;
}

Status ReadNotifiers(yaml::Reader& r, const Item& item, std::vector<NotifierSpec>& out) {
  out.clear();
  return r.ForEachElement(item, [&](const Item& element) -> Status {
    if (!element.node.IsMap()) {
      return r.Error(element, "expected a mapping, got " + yaml::Describe(element.node));
    }
    const YAML::Node kind = element.node["kind"];
    if (!kind) return r.Error(element, "missing required key \"kind\"");
    const Item kind_item{kind, kind.Mark(), yaml::Join(element.path, "kind")};
    std::vector<std::string_view> names;
    for (const NotifierKind& k : NotifierKinds())
      names.push_back(k.name);
    size_t index = 0;
    if (Status s = r.ReadChoice(kind_item, names, "notifier kind", index); !s.ok()) return s;
    const NotifierKind& k = NotifierKinds()[index];
    NotifierSpec spec;
    spec.kind = std::string(k.name);
    if (Status s = k.parse(r, element, spec); !s.ok()) return s;
    if (spec.name.empty()) spec.name = spec.kind;
    spec.location = Location(r, element);
    for (const NotifierSpec& other : out) {
      if (other.name == spec.name) {
        return r.Error(element,
                       fmt::format("notifier name \"{}\" is used twice; set name", spec.name));
      }
    }
    out.push_back(std::move(spec));
    return Status::Ok();
  });
}

}  // namespace

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "?";
}

std::string_view GroupLevelName(GroupLevel level) {
  switch (level) {
    case GroupLevel::kRoom:
      return "room";
    case GroupLevel::kRack:
      return "rack";
    case GroupLevel::kBox:
      return "box";
  }
  return "?";
}

AlertsConfig::AlertsConfig() : rules(DefaultRules()) {
  notifiers.push_back(DefaultUiNotifier());
}

Status ParseRules(yaml::Reader& reader, const Item& item, std::vector<AlertRule>& rules) {
  return reader.ForEachElement(
      item, [&](const Item& element) { return ReadRule(reader, element, rules); });
}

const Table<AlertsConfig>& AlertsTable() {
  static const Table<AlertsConfig> table = {
      {"default_rules",
       [](yaml::Reader& r, const Item& item, AlertsConfig& out) {
         if (Status s = r.Read(item, out.default_rules); !s.ok()) return s;
         if (!out.default_rules) {
           std::erase_if(out.rules, [](const AlertRule& rule) { return rule.builtin; });
         }
         return Status::Ok();
       }},
      {"rules",
       [](yaml::Reader& r, const Item& item, AlertsConfig& out) {
         std::vector<AlertRule> rules = std::move(out.rules);
         if (Status s = ParseRules(r, item, rules); !s.ok()) return s;
         if (!out.default_rules) {
           std::erase_if(rules, [](const AlertRule& rule) { return rule.builtin; });
         }
         out.rules = std::move(rules);
         return Status::Ok();
       }},
      {"group_by",
       [](yaml::Reader& r, const Item& item, AlertsConfig& out) {
         size_t i = 0;
         if (Status s = r.ReadChoice(item, {"room", "rack", "box"}, "grouping", i); !s.ok()) {
           return s;
         }
         out.group_by = static_cast<GroupLevel>(i);
         return Status::Ok();
       }},
      {"repeat_interval",
       [](yaml::Reader& r, const Item& item, AlertsConfig& out) {
         return ReadPositiveDuration(r, item, out.repeat_interval, false);
       }},
      {"evaluation_interval",
       [](yaml::Reader& r, const Item& item, AlertsConfig& out) {
         return ReadPositiveDuration(r, item, out.evaluation_interval, false);
       }},
      {"inhibit",
       [](yaml::Reader& r, const Item& item, AlertsConfig& out) {
         out.inhibit.clear();
         return r.ForEachElement(item, [&](const Item& element) -> Status {
           InhibitRule rule;
           std::vector<std::string> keys;
           if (Status s = r.ParseMapping(element, InhibitTable(), rule, &keys); !s.ok()) return s;
           if (Status s = r.Require(element, keys, "source"); !s.ok()) return s;
           out.inhibit.push_back(std::move(rule));
           return Status::Ok();
         });
       }},
      {"neighbours",
       [](yaml::Reader& r, const Item& item, AlertsConfig& out) {
         out.neighbours.clear();
         if (item.node.IsNull()) return Status::Ok();
         if (!item.node.IsMap()) {
           return r.Error(item, "expected a mapping of rack to its neighbour racks, got " +
                                    yaml::Describe(item.node));
         }
         for (auto it = item.node.begin(); it != item.node.end(); ++it) {
           const YAML::Node key = it->first;
           const YAML::Node value = it->second;
           if (!key.IsScalar()) return r.Error(key.Mark(), item.path, "expected a rack id");
           std::vector<std::string> racks;
           const Item element{value, value.IsNull() ? key.Mark() : value.Mark(),
                              yaml::Join(item.path, key.Scalar())};
           if (Status s = r.Read(element, racks); !s.ok()) return s;
           out.neighbours[key.Scalar()] = std::move(racks);
         }
         return Status::Ok();
       }},
      {"notifiers", [](yaml::Reader& r, const Item& item,
                       AlertsConfig& out) { return ReadNotifiers(r, item, out.notifiers); }},
      {"queue_size",
       [](yaml::Reader& r, const Item& item, AlertsConfig& out) {
         uint64_t n = 0;
         if (Status s = r.Read(item, n); !s.ok()) return s;
         if (n < 1 || n > kMaxQueue) {
           return r.Error(item, fmt::format("{} is outside 1..{}", n, kMaxQueue));
         }
         out.queue_size = n;
         return Status::Ok();
       }},
      yaml::Section("history", &HistoryTable, &AlertsConfig::history),
  };
  return table;
}

Result<AlertsConfig> ParseAlertsConfig(std::string_view yaml, std::string_view source,
                                       std::optional<std::filesystem::path> folder) {
  ConfigReader reader(source, yaml, std::move(folder));
  Result<yaml::Item> root = reader.LoadDocument(yaml, "an alerts config");
  if (!root.ok()) return root.status();
  AlertsConfig config;
  if (Status s = reader.ParseMapping(*root, AlertsTable(), config); !s.ok()) return s;
  return config;
}

const std::vector<AlertRule>& DefaultRules() {
  static const std::vector<AlertRule> rules = [] {
    std::vector<AlertRule> out;
    const std::string_view text = DefaultRulesYaml();
    ConfigReader reader("<shipped rules>", text);
    Result<yaml::Item> root = reader.LoadDocument(text, "the shipped rules");
    Status s = root.ok() ? ParseRules(reader, *root, out) : root.status();
    if (!s.ok()) {
      // The shipped text is part of the program: a bug, caught by the tests.
      std::fprintf(stderr, "coolflow: the shipped alert rules do not parse: %s\n",
                   s.message().c_str());
      std::abort();
    }
    for (AlertRule& rule : out)
      rule.builtin = true;
    return out;
  }();
  return rules;
}

}  // namespace coolflow::hub::alerts
