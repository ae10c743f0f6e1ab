#include <cmath>

#include "common/time.h"
#include "fmt/format.h"
#include "hub/alerts/expression.h"
#include "hub/alerts/notifier.h"

namespace coolflow::hub::alerts {

std::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    case AlertState::kResolved:
      return "resolved";
  }
  return "?";
}

nlohmann::json AlertToJson(const Alert& a) {
  nlohmann::json labels = nlohmann::json::object();
  for (const reading::Tag& t : a.labels)
    labels[t.key] = t.value;
  nlohmann::json out = {{"rule", a.rule},
                        {"fingerprint", a.fingerprint},
                        {"severity", SeverityName(a.severity)},
                        {"state", AlertStateName(a.state)},
                        {"labels", std::move(labels)},
                        {"annotations", a.annotations},
                        {"active_since", FormatRfc3339(a.active_since)},
                        {"inhibited", a.inhibited}};
  out["value"] = std::isfinite(a.value) ? nlohmann::json(a.value) : nlohmann::json(nullptr);
  if (a.fired_at != 0) out["fired_at"] = FormatRfc3339(a.fired_at);
  if (a.resolved_at != 0) out["resolved_at"] = FormatRfc3339(a.resolved_at);
  out["silenced"] = a.silenced;
  if (a.acknowledged) {
    out["acknowledged"] = {{"by", a.acknowledged->by},
                           {"at", FormatRfc3339(a.acknowledged->at)},
                           {"comment", a.acknowledged->comment}};
  } else {
    out["acknowledged"] = nullptr;
  }
  return out;
}

bool Matches(const Silence& silence, const Alert& alert) {
  for (const reading::Tag& m : silence.matchers) {
    std::string_view value;
    if (m.key == "rule") {
      value = alert.rule;
    } else if (m.key == "severity") {
      value = SeverityName(alert.severity);
    } else {
      value = LabelValue(alert.labels, m.key);
    }
    if (value != m.value) return false;
  }
  return !silence.matchers.empty();
}

nlohmann::json SilenceToJson(const Silence& s) {
  nlohmann::json matchers = nlohmann::json::object();
  for (const reading::Tag& m : s.matchers)
    matchers[m.key] = m.value;
  return {{"id", s.id},
          {"matchers", std::move(matchers)},
          {"starts", FormatRfc3339(s.starts)},
          {"ends", FormatRfc3339(s.ends)},
          {"created_by", s.created_by},
          {"comment", s.comment}};
}

size_t Notification::Firing() const {
  size_t n = 0;
  for (const Alert& a : alerts)
    n += a.state == AlertState::kFiring ? 1 : 0;
  return n;
}

size_t Notification::Resolved() const {
  return alerts.size() - Firing();
}

namespace {

std::string Summary(const Alert& a) {
  auto it = a.annotations.find("summary");
  if (it != a.annotations.end() && !it->second.empty()) return it->second;
  return fmt::format("{} {}", a.rule, FormatLabels(a.labels));
}

}  // namespace

std::string Notification::Subject() const {
  std::string counts;
  if (Firing() > 0) counts = fmt::format("FIRING {}", Firing());
  if (Resolved() > 0) {
    if (!counts.empty()) counts += ", ";
    counts += fmt::format("RESOLVED {}", Resolved());
  }
  std::string subject = fmt::format("[coolflow] {}: {}", counts, group);
  if (!alerts.empty()) subject += ": " + Summary(alerts.front());
  // One line, whatever a template made of it.
  for (char& c : subject) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return subject;
}

std::string Notification::Body() const {
  std::string body = fmt::format("coolflow alerts for {} at {}{}\n", group, FormatRfc3339(time),
                                 repeat ? " (still firing: a reminder)" : "");
  for (const Alert& a : alerts) {
    body += fmt::format("\n{} {} {} {}\n", a.state == AlertState::kFiring ? "FIRING" : "RESOLVED",
                        SeverityName(a.severity), a.rule, FormatLabels(a.labels));
    body += fmt::format("  {}\n", Summary(a));
    if (auto it = a.annotations.find("description"); it != a.annotations.end()) {
      body += fmt::format("  {}\n", it->second);
    }
    body += fmt::format("  since {}", FormatRfc3339(a.fired_at != 0 ? a.fired_at : a.active_since));
    if (a.resolved_at != 0) body += fmt::format(", resolved {}", FormatRfc3339(a.resolved_at));
    body += "\n";
  }
  return body;
}

nlohmann::json Notification::ToJson() const {
  nlohmann::json alerts_json = nlohmann::json::array();
  for (const Alert& a : alerts)
    alerts_json.push_back(AlertToJson(a));
  return {{"group", group},
          {"level", GroupLevelName(level)},
          {"time", FormatRfc3339(time)},
          {"repeat", repeat},
          {"firing", Firing()},
          {"resolved", Resolved()},
          {"subject", Subject()},
          {"alerts", std::move(alerts_json)}};
}

}  // namespace coolflow::hub::alerts
