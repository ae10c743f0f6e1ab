#include "hub/alerts/alert_engine.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <utility>

#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace coolflow::hub::alerts {
namespace {

constexpr double kLargeValue = 1e6;

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (!std::isfinite(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::fabs(v) >= kLargeValue || v == std::trunc(v)) return fmt::format("{:.0f}", v);
  std::string s = fmt::format("{:.2f}", v);
  while (s.back() == '0')
    s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string GroupKey(GroupLevel level, const Labels& labels) {
  const std::string_view box = LabelValue(labels, "box");
  const std::string_view rack = LabelValue(labels, "rack");
  if (level == GroupLevel::kBox && !box.empty()) return fmt::format("box {}", box);
  if (level != GroupLevel::kRoom && !rack.empty()) return fmt::format("rack {}", rack);
  if (level == GroupLevel::kBox && !rack.empty()) return fmt::format("rack {}", rack);
  return "room";
}

}  // namespace

std::string RenderTemplate(std::string_view text, const Labels& labels, double value,
                           std::string_view rule, Severity severity, std::string_view message) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find("{{", i);
    if (open == std::string_view::npos) break;
    const size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(text.substr(i, open - i));
    std::string_view name = text.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ')
      name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ')
      name.remove_suffix(1);
    if (name == "value") {
      out += FormatValue(value);
    } else if (name == "rule") {
      out.append(rule);
    } else if (name == "severity") {
      out.append(SeverityName(severity));
    } else if (name == "message") {
      out.append(message);
    } else {
      out.append(LabelValue(labels, name));
    }
    i = close + 2;
  }
  out.append(text.substr(i));
  return out;
}

struct AlertEngine::Instance {
  Alert alert;
  std::optional<TimeNs> clear_since;
  bool notified = false;
  std::optional<TimeNs> repeat_interval;
  bool restored = false;  // firing before a restart, read back from the history
};

AlertEngine::AlertEngine(AlertsConfig config, const live::LiveState& live)
    : config_(std::move(config)), live_(live), feed_(std::make_shared<UiFeed>()) {}

AlertEngine::~AlertEngine() {
  if (dispatcher_) dispatcher_->Stop();
}

Result<std::unique_ptr<AlertEngine>> AlertEngine::Create(AlertsConfig config,
                                                         const live::LiveState& live) {
  std::unique_ptr<AlertEngine> engine(new AlertEngine(std::move(config), live));
  const NotifierContext context{engine->feed_};
  std::vector<Dispatcher::Target> targets;
  for (const NotifierSpec& spec : engine->config_.notifiers) {
    if (!spec.make) return Internal(fmt::format("notifier {} has no factory", spec.name));
    Result<std::unique_ptr<Notifier>> notifier = spec.make(context);
    if (!notifier.ok()) {
      return notifier.status().WithContext(fmt::format(
          "notifier {} ({})", spec.name, spec.location.empty() ? "default" : spec.location));
    }
    targets.push_back({spec, std::move(*notifier)});
  }
  if (!engine->config_.history.path.empty()) {
    auto history =
        AlertHistory::Open(engine->config_.history.path, engine->config_.history.max_events);
    if (!history.ok()) return history.status();
    engine->history_ = std::move(*history);
    if (Status s = engine->RestoreFiring(); !s.ok()) return s;
    if (Status s = engine->RestoreSilences(); !s.ok()) return s;
  }
  engine->dispatcher_ =
      std::make_unique<Dispatcher>(std::move(targets), engine->config_.queue_size);
  return engine;
}

Status AlertEngine::RestoreFiring() {
  Result<std::vector<HistoryEntry>> firing = history_->Firing();
  if (!firing.ok()) return firing.status().WithContext("restoring the firing alerts");
  MutexLock lock(mu_);
  for (HistoryEntry& entry : *firing) {
    const auto rule = std::find_if(config_.rules.begin(), config_.rules.end(), [&](const auto& r) {
      return r.name == entry.alert.rule && r.enabled && r.expr;
    });
    if (rule == config_.rules.end()) continue;
    Instance& inst = instances_[entry.alert.fingerprint];
    inst.alert = std::move(entry.alert);
    inst.alert.state = AlertState::kFiring;
    // What the history says was notified: an alert inhibited when it fired was not, and is
    // notified once it is no longer inhibited, as before the restart.
    inst.notified = !inst.alert.inhibited;
    inst.repeat_interval = rule->repeat_interval;
    inst.restored = true;
  }
  Result<std::vector<AlertHistory::AcknowledgementRow>> acks = history_->Acknowledgements();
  if (!acks.ok()) return acks.status().WithContext("restoring the acknowledgements");
  for (AlertHistory::AcknowledgementRow& row : *acks) {
    auto it = instances_.find(row.fingerprint);
    if (it != instances_.end() && it->second.alert.active_since == row.active_since) {
      it->second.alert.acknowledged = std::move(row.ack);
    }
  }
  return Status::Ok();
}

Status AlertEngine::RestoreSilences() {
  Result<std::vector<Silence>> silences = history_->Silences(0);
  if (!silences.ok()) return silences.status().WithContext("restoring the silences");
  MutexLock lock(mu_);
  silences_ = std::move(*silences);
  for (const Silence& s : silences_)
    next_silence_id_ = std::max(next_silence_id_, s.id + 1);
  return Status::Ok();
}

void AlertEngine::NoteHistoryError(const Status& s) {
  if (s.ok()) {
    history_failing_ = false;
    return;
  }
  ++counters_.history_errors;
  if (!history_failing_) spdlog::warn("alert history: {} (further errors counted)", s.message());
  history_failing_ = true;
}

Result<Alert> AlertEngine::Acknowledge(std::string_view fingerprint, Acknowledgement ack) {
  MutexLock lock(mu_);
  auto it = instances_.find(std::string(fingerprint));
  if (it == instances_.end()) {
    return NotFound(fmt::format("no active alert {}", fingerprint));
  }
  Alert& alert = it->second.alert;
  alert.acknowledged = std::move(ack);
  if (history_) {
    NoteHistoryError(
        history_->SaveAcknowledgement(alert.fingerprint, alert.active_since, *alert.acknowledged));
  }
  return alert;
}

Result<Silence> AlertEngine::AddSilence(Silence silence) {
  if (silence.matchers.empty()) return InvalidArgument("a silence needs at least one matcher");
  if (silence.ends <= silence.starts) return InvalidArgument("a silence must end after it starts");
  std::sort(silence.matchers.begin(), silence.matchers.end());
  MutexLock lock(mu_);
  silence.id = next_silence_id_++;
  if (history_) NoteHistoryError(history_->SaveSilence(silence));
  silences_.push_back(silence);
  ApplySilences(silence.starts);
  return silence;
}

Status AlertEngine::EndSilence(uint64_t id, TimeNs now) {
  MutexLock lock(mu_);
  auto it = std::find_if(silences_.begin(), silences_.end(),
                         [&](const Silence& s) { return s.id == id; });
  if (it == silences_.end() || it->ends <= now) {
    return NotFound(fmt::format("no silence {} is in force", id));
  }
  it->ends = std::max(now, it->starts);
  if (history_) NoteHistoryError(history_->SaveSilence(*it));
  ApplySilences(now);
  return Status::Ok();
}

std::vector<Silence> AlertEngine::Silences(TimeNs now) const {
  MutexLock lock(mu_);
  std::vector<Silence> out;
  for (const Silence& s : silences_) {
    if (s.ends > now) out.push_back(s);
  }
  return out;
}

void AlertEngine::ApplySilences(TimeNs now) {
  std::erase_if(silences_, [&](const Silence& s) { return s.ends <= now; });
  for (auto& entry : instances_) {
    Alert& alert = entry.second.alert;
    alert.silenced = std::any_of(silences_.begin(), silences_.end(), [&](const Silence& s) {
      return s.ActiveAt(now) && Matches(s, alert);
    });
  }
}

void AlertEngine::SetCondition(std::string_view kind, Labels labels, bool active,
                               std::string message, TimeNs time) {
  std::sort(labels.begin(), labels.end());
  const std::string key = std::string(kind) + FormatLabels(labels);
  MutexLock lock(mu_);
  if (!active) {
    conditions_.erase(key);
    return;
  }
  auto [it, inserted] = conditions_.try_emplace(key);
  Condition& c = it->second;
  if (inserted) {
    c.kind = std::string(kind);
    c.labels = std::move(labels);
    c.since = time;
  }
  c.message = std::move(message);
}

std::vector<Alert> AlertEngine::Evaluate(TimeNs now) {
  const std::shared_ptr<const live::Snapshot> snapshot = live_.snapshot();
  return Evaluate(*snapshot, now);
}

std::vector<Alert> AlertEngine::Evaluate(const live::Snapshot& snapshot, TimeNs now) {
  MutexLock lock(mu_);
  ++counters_.evaluations;
  std::vector<Condition> conditions;
  conditions.reserve(conditions_.size());
  for (const auto& [key, c] : conditions_)
    conditions.push_back(c);
  const auto metric_index = BuildMetricIndex(snapshot);
  EvalContext context;
  context.snapshot = &snapshot;
  context.now = now;
  context.conditions = conditions;
  context.neighbours = &config_.neighbours;
  context.metric_index = &metric_index;

  std::vector<std::string> changed;  // fingerprints that fired or resolved now
  std::vector<Alert> resolved;
  if (!restore_grace_until_) {
    restore_grace_until_ = now + kRestoreGrace;
    // Restored groups were notified before the restart: their reminders are due one repeat
    // interval from now, not at once.
    for (const auto& [fp, inst] : instances_) {
      if (inst.restored)
        group_sent_.try_emplace(GroupKey(config_.group_by, inst.alert.labels), now);
    }
  }
  const bool restore_grace = now < *restore_grace_until_;

  for (const AlertRule& rule : config_.rules) {
    if (!rule.enabled || !rule.expr) continue;
    // The samples for which the rule holds, by fingerprint.
    std::map<std::string, Sample> holding;
    auto fingerprint_of = [&](const Labels& labels) { return rule.name + FormatLabels(labels); };
    auto alert_labels = [&](const Labels& sample_labels) {
      Labels labels = sample_labels;
      for (const reading::Tag& t : rule.labels) {
        if (LabelValue(labels, t.key).empty()) SetLabel(labels, t.key, t.value);
      }
      return labels;
    };
    // Fingerprints with a sample in either result, holding or not: a restored alert whose
    // sample is in neither has not been reported since the restart.
    std::set<std::string> present;
    Value fired = rule.expr->Evaluate(context);
    if (restore_grace && fired.scalar) present.insert(fingerprint_of(alert_labels({})));
    if (restore_grace && !fired.scalar) {
      for (const Sample& s : fired.samples)
        present.insert(fingerprint_of(alert_labels(s.labels)));
    }
    if (fired.scalar) {
      if (Truthy(fired.number))
        holding.emplace(fingerprint_of(alert_labels({})),
                        Sample{{}, fired.number, fired.number, {}});
    } else {
      for (Sample& s : fired.samples) {
        if (!Truthy(s.value)) continue;
        s.labels = alert_labels(s.labels);
        std::string fp = fingerprint_of(s.labels);
        holding.emplace(std::move(fp), std::move(s));
      }
    }
    std::map<std::string, bool> clear_state;
    if (rule.clear) {
      Value cleared = rule.clear->Evaluate(context);
      if (cleared.scalar) {
        clear_state.emplace(fingerprint_of(alert_labels({})), Truthy(cleared.number));
      } else {
        for (const Sample& s : cleared.samples) {
          std::string fp = fingerprint_of(alert_labels(s.labels));
          if (restore_grace) present.insert(fp);
          clear_state.emplace(std::move(fp), Truthy(s.value));
        }
      }
    }

    for (auto& [fp, sample] : holding) {
      auto [it, inserted] = instances_.try_emplace(fp);
      Instance& inst = it->second;
      Alert& a = inst.alert;
      if (inserted) {
        a.rule = rule.name;
        a.fingerprint = fp;
        a.severity = rule.severity;
        a.state = AlertState::kPending;
        a.active_since = now;
        inst.repeat_interval = rule.repeat_interval;
      }
      a.labels = sample.labels;
      a.value = sample.subject;
      a.annotations.clear();
      for (const auto& [key, text] : rule.annotations) {
        a.annotations[key] =
            RenderTemplate(text, a.labels, a.value, rule.name, rule.severity, sample.note);
      }
      inst.clear_since.reset();
      if (a.state == AlertState::kPending && now - a.active_since >= rule.for_duration) {
        a.state = AlertState::kFiring;
        a.fired_at = now;
        changed.push_back(fp);
      }
    }
    // The rule's instances that no longer hold.
    for (auto it = instances_.begin(); it != instances_.end();) {
      Instance& inst = it->second;
      if (inst.alert.rule != rule.name || holding.count(it->first) > 0) {
        ++it;
        continue;
      }
      if (inst.alert.state == AlertState::kPending) {
        it = instances_.erase(it);
        continue;
      }
      if (inst.restored && restore_grace && present.count(it->first) == 0) {
        ++it;  // not reported again yet: neither holding nor cleared
        continue;
      }
      bool cleared = true;
      if (rule.clear) {
        auto c = clear_state.find(it->first);
        cleared = c == clear_state.end() || c->second;
      }
      if (!cleared) {
        inst.clear_since.reset();  // between the levels: hysteresis keeps it firing
        ++it;
        continue;
      }
      if (!inst.clear_since) inst.clear_since = now;
      if (now - *inst.clear_since < rule.keep_firing_for) {
        ++it;
        continue;
      }
      Alert done = inst.alert;
      done.state = AlertState::kResolved;
      done.resolved_at = now;
      if (inst.notified) changed.push_back("\x01" + it->first);  // a resolved to notify
      resolved.push_back(std::move(done));
      it = instances_.erase(it);
    }
  }

  // Inhibition: the firing alerts of each source rule, by their `equal` label values.
  for (auto& [fp, inst] : instances_)
    inst.alert.inhibited = false;
  for (const InhibitRule& inhibit : config_.inhibit) {
    std::set<std::vector<std::string>> sources;
    for (const auto& [fp, inst] : instances_) {
      if (inst.alert.rule != inhibit.source || inst.alert.state != AlertState::kFiring) continue;
      std::vector<std::string> key;
      for (const std::string& label : inhibit.equal)
        key.emplace_back(LabelValue(inst.alert.labels, label));
      sources.insert(std::move(key));
    }
    if (sources.empty()) continue;
    for (auto& [fp, inst] : instances_) {
      Alert& a = inst.alert;
      if (a.rule == inhibit.source) continue;
      if (!inhibit.targets.empty() && std::find(inhibit.targets.begin(), inhibit.targets.end(),
                                                a.rule) == inhibit.targets.end()) {
        continue;
      }
      std::vector<std::string> key;
      bool complete = true;
      for (const std::string& label : inhibit.equal) {
        key.emplace_back(LabelValue(a.labels, label));
        complete = complete && !key.back().empty();
      }
      if (complete && sources.count(key) > 0) a.inhibited = true;
    }
  }

  ApplySilences(now);

  // Events: history, then notifications by group.
  std::vector<Alert> events;
  for (const std::string& fp : changed) {
    if (fp.starts_with('\x01')) continue;
    auto it = instances_.find(fp);
    if (it != instances_.end()) events.push_back(it->second.alert);
  }
  for (const Alert& a : resolved)
    events.push_back(a);
  if (history_) {
    for (const Alert& a : events) {
      NoteHistoryError(history_->Record(now, a));
      if (a.state == AlertState::kResolved && a.acknowledged) {
        NoteHistoryError(history_->ForgetAcknowledgement(a.fingerprint));
      }
    }
  }

  std::map<std::string, Notification> batches;
  auto batch_for = [&](const Labels& labels) -> Notification& {
    const std::string key = GroupKey(config_.group_by, labels);
    Notification& n = batches[key];
    n.level = config_.group_by;
    n.group = key;
    n.time = now;
    return n;
  };
  for (auto& [fp, inst] : instances_) {
    if (inst.alert.state != AlertState::kFiring || inst.alert.inhibited || inst.alert.silenced ||
        inst.notified) {
      continue;
    }
    inst.notified = true;
    batch_for(inst.alert.labels).alerts.push_back(inst.alert);
  }
  std::set<std::string> resolved_notified;
  for (const std::string& fp : changed) {
    if (fp.starts_with('\x01')) resolved_notified.insert(fp.substr(1));
  }
  for (const Alert& a : resolved) {
    if (resolved_notified.count(a.fingerprint) > 0) batch_for(a.labels).alerts.push_back(a);
  }
  // Repeats: groups with nothing new whose alerts still fire.
  std::map<std::string, std::vector<const Instance*>> firing_by_group;
  for (const auto& [fp, inst] : instances_) {
    if (inst.alert.state == AlertState::kFiring && inst.notified && !inst.alert.inhibited &&
        !inst.alert.silenced) {
      firing_by_group[GroupKey(config_.group_by, inst.alert.labels)].push_back(&inst);
    }
  }
  for (const auto& [key, group] : firing_by_group) {
    if (batches.count(key) > 0) continue;
    TimeNs repeat = config_.repeat_interval;
    for (const Instance* inst : group) {
      if (inst->repeat_interval) repeat = std::min(repeat, *inst->repeat_interval);
    }
    auto sent = group_sent_.find(key);
    if (sent != group_sent_.end() && now - sent->second < repeat) continue;
    Notification& n = batch_for(group.front()->alert.labels);
    n.repeat = true;
    for (const Instance* inst : group)
      n.alerts.push_back(inst->alert);
  }
  for (auto& [key, n] : batches) {
    group_sent_[key] = now;
    ++counters_.notifications;
    dispatcher_->Enqueue(n);
  }
  // Forget the groups with nothing firing, so a new alert there is never held back.
  std::erase_if(group_sent_, [&](const auto& g) { return firing_by_group.count(g.first) == 0; });
  return events;
}

std::vector<Alert> AlertEngine::Active() const {
  MutexLock lock(mu_);
  std::vector<Alert> out;
  for (const auto& [fp, inst] : instances_)
    out.push_back(inst.alert);
  return out;
}

EngineCounters AlertEngine::counters() const {
  MutexLock lock(mu_);
  return counters_;
}

}  // namespace coolflow::hub::alerts
