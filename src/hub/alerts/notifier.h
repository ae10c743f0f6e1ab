// Notifiers: where alert notifications go (e-mail over SMTP, a webhook, the Control Room's
// feed). Each kind registers a parser in NotifierKinds() (notifier_kinds.cc), so adding one
// touches no switch elsewhere. The engine never calls a notifier itself: it hands
// notifications to a Dispatcher (dispatcher.h), whose thread sends them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/yaml_reader.h"
#include "hub/alerts/alerts_config.h"
#include "nlohmann/json.hpp"

namespace coolflow::hub::alerts {

enum class AlertState : uint8_t { kPending, kFiring, kResolved };
std::string_view AlertStateName(AlertState state);  // "pending", "firing", "resolved"

// An operator's acknowledgement of an active alert: seen, being handled. It lasts until the
// alert resolves.
struct Acknowledgement {
  std::string by;  // the user
  TimeNs at = 0;
  std::string comment;
};

// A silence: the alerts its matchers all match notify no one while it lasts (they are still
// active and shown, flagged silenced). A matcher is a label equality; "rule" and "severity"
// also match the alert's own.
struct Silence {
  uint64_t id = 0;
  Labels matchers;  // sorted by key, at least one
  TimeNs starts = 0;
  TimeNs ends = 0;  // exclusive
  std::string created_by;
  std::string comment;

  bool ActiveAt(TimeNs now) const { return starts <= now && now < ends; }
};

// One alert instance: a rule and the labels of the sample that made it hold.
struct Alert {
  std::string rule;
  std::string fingerprint;  // rule + labels: the identity
  Severity severity = Severity::kWarning;
  Labels labels;                                   // the sample's labels and the rule's
  std::map<std::string, std::string> annotations;  // rendered templates
  double value = 0;                                // the measured value ({{value}})
  AlertState state = AlertState::kPending;
  TimeNs active_since = 0;  // when the expression started to hold
  TimeNs fired_at = 0;      // 0 while pending
  TimeNs resolved_at = 0;   // 0 until resolved
  bool inhibited = false;   // muted by an inhibition rule
  bool silenced = false;    // muted by a silence (not kept in the history)
  std::optional<Acknowledgement> acknowledged;
};

nlohmann::json AlertToJson(const Alert& alert);
// Whether every matcher of `silence` matches `alert`.
bool Matches(const Silence& silence, const Alert& alert);
nlohmann::json SilenceToJson(const Silence& silence);

// What one notifier sends at once: the alerts of one group that changed (or, on a repeat,
// all that still fire).
struct Notification {
  GroupLevel level = GroupLevel::kRack;
  std::string group;  // "room", "rack r01", "box pi-1"
  std::vector<Alert> alerts;
  TimeNs time = 0;
  bool repeat = false;

  size_t Firing() const;
  size_t Resolved() const;
  // "[coolflow] FIRING 2, RESOLVED 1: rack r01: <first summary>"
  std::string Subject() const;
  // One paragraph per alert: state, severity, rule, labels, summary, description.
  std::string Body() const;
  nlohmann::json ToJson() const;
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Delivers `n`, blocking up to the notifier's own timeout. Called from the dispatcher's
  // thread only. Errors never carry a secret.
  virtual Status Send(const Notification& n) = 0;
};

// A registered notifier kind: reads an entry of `notifiers:` (the common keys name,
// min_severity, retries and retry_backoff included) and sets spec.make.
struct NotifierKind {
  std::string_view name;
  std::string_view summary;
  Status (*parse)(yaml::Reader& reader, const yaml::Item& item, NotifierSpec& spec);
};
std::span<const NotifierKind> NotifierKinds();
// The "ui" notifier every config has unless its `notifiers:` list leaves it out.
NotifierSpec DefaultUiNotifier();

// --- Kinds ---------------------------------------------------------------------------------

struct EmailSettings {
  std::string url;  // smtp://host:587 (STARTTLS per `starttls`) or smtps://host:465
  std::string from;
  std::vector<std::string> to;
  std::string username;
  std::string password_file;  // the password's only source: never in the config itself
  bool starttls = true;       // require STARTTLS on smtp:// (refuse to send in the clear)
  std::string ca_file;        // trust anchors for the server's certificate ("" = system)
  TimeNs timeout = 30 * kNanosPerSecond;
};
// Sends through libcurl. The password is read from password_file when the notifier is made.
Result<std::unique_ptr<Notifier>> MakeEmailNotifier(const EmailSettings& settings);

struct WebhookSettings {
  std::string url;
  std::map<std::string, std::string> headers;
  std::string bearer_token_file;  // "Authorization: Bearer <first line>" when set
  TimeNs timeout = 10 * kNanosPerSecond;
};
// POSTs Notification::ToJson() through libcurl; a status outside 2xx is an error.
Result<std::unique_ptr<Notifier>> MakeWebhookNotifier(const WebhookSettings& settings);

}  // namespace coolflow::hub::alerts
