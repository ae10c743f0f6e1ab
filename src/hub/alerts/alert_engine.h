// The alert engine: evaluates the rules over the live state at injected times, runs each
// alert through pending -> firing -> resolved (for, clear, keep_firing_for), mutes what an
// inhibition rule covers, groups notifications room -> rack -> box, repeats them while they
// fire, records every event in the history and hands notifications to the notifier thread.
//
//   auto engine = alerts::AlertEngine::Create(config, live_state);
//   engine->SetCondition("ac_disobeyed", {{"ac", "ac1"}}, true, "setpoint 22 ignored", now);
//   std::vector<alerts::Alert> events = engine->Evaluate(now);   // every evaluation_interval
//   engine->Active();  engine->feed()->Since(seq);                // the Control Room
//
// Thread safety: every method may be called from any thread; one mutex serialises them.
// Evaluate holds it for the evaluation (CPU only: sending is the Dispatcher's thread, and
// the history is a local SQLite file).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/thread_annotations.h"
#include "hub/alerts/alerts_config.h"
#include "hub/alerts/dispatcher.h"
#include "hub/alerts/history.h"
#include "hub/alerts/notifier.h"
#include "hub/alerts/ui_feed.h"
#include "hub/live/live_state.h"

namespace coolflow::hub::alerts {

struct EngineCounters {
  uint64_t evaluations = 0;
  uint64_t notifications = 0;   // handed to the dispatcher (before per-notifier filtering)
  uint64_t history_errors = 0;  // events the history could not record (logged once)
};

class AlertEngine {
 public:
  // Makes the notifiers (reading their secrets) and opens the history. `live` must outlive
  // the engine. With a history, the alerts it records as still firing are restored as
  // firing (their active_since and fired_at kept, already notified), so a restart neither
  // drops nor notifies them again; one of a rule no longer enabled is not restored. Until
  // kRestoreGrace after the first Evaluate, a restored alert whose sample is missing (its
  // series or condition not reported again yet) stays firing; once its sample is back, or
  // after the grace, it resolves as any alert does.
  static constexpr TimeNs kRestoreGrace = 5 * kNanosPerMinute;
  static Result<std::unique_ptr<AlertEngine>> Create(AlertsConfig config,
                                                     const live::LiveState& live);
  ~AlertEngine();
  AlertEngine(const AlertEngine&) = delete;
  AlertEngine& operator=(const AlertEngine&) = delete;

  // Raises (active) or clears an external condition of `kind` with `labels` (the cooling
  // controller: kind "ac_disobeyed", labels {ac: "ac1"}). condition("kind") reads them.
  void SetCondition(std::string_view kind, Labels labels, bool active, std::string message,
                    TimeNs time) COOLFLOW_EXCLUDES(mu_);

  // Evaluates every rule against the live state's latest snapshot as of `now`; returns the
  // alerts that fired or resolved in this evaluation (state kFiring / kResolved).
  std::vector<Alert> Evaluate(TimeNs now) COOLFLOW_EXCLUDES(mu_);
  // The same against a given snapshot.
  std::vector<Alert> Evaluate(const live::Snapshot& snapshot, TimeNs now) COOLFLOW_EXCLUDES(mu_);

  // Alerts pending or firing, sorted by fingerprint.
  std::vector<Alert> Active() const COOLFLOW_EXCLUDES(mu_);

  // Acknowledges the active alert `fingerprint` (NotFound when none is active) until it
  // resolves; kept in the history so a restart keeps it. Returns the alert as it is now.
  Result<Alert> Acknowledge(std::string_view fingerprint, Acknowledgement ack)
      COOLFLOW_EXCLUDES(mu_);
  // Adds a silence (its id is assigned) and applies it to the active alerts at once;
  // InvalidArgument without matchers or with ends <= starts.
  Result<Silence> AddSilence(Silence silence) COOLFLOW_EXCLUDES(mu_);
  // Ends silence `id` at `now` (NotFound when it is unknown or already over).
  Status EndSilence(uint64_t id, TimeNs now) COOLFLOW_EXCLUDES(mu_);
  // The silences not yet over at `now`, oldest first.
  std::vector<Silence> Silences(TimeNs now) const COOLFLOW_EXCLUDES(mu_);

  const std::shared_ptr<UiFeed>& feed() const { return feed_; }
  AlertHistory* history() const { return history_.get(); }
  std::vector<NotifierStats> notifier_stats() const { return dispatcher_->stats(); }
  // Waits until every queued notification has been sent or given up; true when so.
  bool WaitForNotifiers(std::chrono::milliseconds timeout) {
    return dispatcher_->WaitIdle(timeout);
  }
  EngineCounters counters() const COOLFLOW_EXCLUDES(mu_);
  const AlertsConfig& config() const { return config_; }

 private:
  struct Instance;
  AlertEngine(AlertsConfig config, const live::LiveState& live);
  Status RestoreFiring() COOLFLOW_EXCLUDES(mu_);
  Status RestoreSilences() COOLFLOW_EXCLUDES(mu_);
  // Sets each active alert's `silenced` from the silences active at `now`.
  void ApplySilences(TimeNs now) COOLFLOW_REQUIRES(mu_);
  void NoteHistoryError(const Status& s) COOLFLOW_REQUIRES(mu_);

  const AlertsConfig config_;
  const live::LiveState& live_;
  std::shared_ptr<UiFeed> feed_;
  std::unique_ptr<AlertHistory> history_;
  std::unique_ptr<Dispatcher> dispatcher_;

  mutable Mutex mu_;
  std::map<std::string, Condition> conditions_ COOLFLOW_GUARDED_BY(mu_);
  std::map<std::string, Instance> instances_ COOLFLOW_GUARDED_BY(mu_);
  std::map<std::string, TimeNs> group_sent_ COOLFLOW_GUARDED_BY(mu_);
  std::vector<Silence> silences_ COOLFLOW_GUARDED_BY(mu_);  // by id
  uint64_t next_silence_id_ COOLFLOW_GUARDED_BY(mu_) = 1;
  EngineCounters counters_ COOLFLOW_GUARDED_BY(mu_);
  bool history_failing_ COOLFLOW_GUARDED_BY(mu_) = false;
  // Set by the first Evaluate: until then, and until this time, restored alerts whose
  // sample is missing are kept firing.
  std::optional<TimeNs> restore_grace_until_ COOLFLOW_GUARDED_BY(mu_);
};

// Renders a message template: {{name}} becomes the label `name`, or the alert's "value",
// "rule", "severity", or "message" (a condition's); unknown names become "".
std::string RenderTemplate(std::string_view text, const Labels& labels, double value,
                           std::string_view rule, Severity severity, std::string_view message);

}  // namespace coolflow::hub::alerts
