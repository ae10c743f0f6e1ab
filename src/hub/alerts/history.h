// Alert history: every firing and resolved event, kept in a SQLite file so it survives
// restarts (docs/alerts.md, "History"). Bounded: past max_events rows the oldest are deleted
// (checked every kTrimEvery records, so the table holds at most max_events + kTrimEvery).
//
// Thread safety: all methods may be called from any thread (one connection, one mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/thread_annotations.h"
#include "hub/alerts/notifier.h"

struct sqlite3;
struct sqlite3_stmt;

namespace coolflow::hub::alerts {

struct HistoryEntry {
  int64_t id = 0;  // increasing
  TimeNs time = 0;
  Alert alert;  // state kFiring or kResolved
};

class AlertHistory {
 public:
  static constexpr uint64_t kTrimEvery = 64;

  // Opens (creating when needed) the history at `path`.
  static Result<std::unique_ptr<AlertHistory>> Open(const std::string& path, uint64_t max_events);
  ~AlertHistory();
  AlertHistory(const AlertHistory&) = delete;
  AlertHistory& operator=(const AlertHistory&) = delete;

  // Appends one event: `alert` as it was at `time`.
  Status Record(TimeNs time, const Alert& alert) COOLFLOW_EXCLUDES(mu_);
  // The newest `limit` events, newest first.
  Result<std::vector<HistoryEntry>> Recent(size_t limit) const COOLFLOW_EXCLUDES(mu_);
  // The alerts whose newest event is a firing one (still firing when the history was last
  // written), oldest first: what the engine restores after a restart. An alert whose firing
  // event was trimmed away is not among them.
  Result<std::vector<HistoryEntry>> Firing() const COOLFLOW_EXCLUDES(mu_);
  Result<uint64_t> Count() const COOLFLOW_EXCLUDES(mu_);
  // The events of [from, to), oldest first, at most `limit`.
  Result<std::vector<HistoryEntry>> Between(TimeNs from, TimeNs to, size_t limit) const
      COOLFLOW_EXCLUDES(mu_);

  // Acknowledgements of active alerts, by fingerprint and the alert's active_since (a later
  // alert with the same fingerprint is not acknowledged). Forget drops the fingerprint's.
  Status SaveAcknowledgement(const std::string& fingerprint, TimeNs active_since,
                             const Acknowledgement& ack) COOLFLOW_EXCLUDES(mu_);
  Status ForgetAcknowledgement(const std::string& fingerprint) COOLFLOW_EXCLUDES(mu_);
  struct AcknowledgementRow {
    std::string fingerprint;
    TimeNs active_since = 0;
    Acknowledgement ack;
  };
  Result<std::vector<AcknowledgementRow>> Acknowledgements() const COOLFLOW_EXCLUDES(mu_);

  // Silences, inserted or replaced by id. Silences(after) lists those ending after `after`,
  // oldest first; those that ended more than a week before the newest save are deleted.
  Status SaveSilence(const Silence& silence) COOLFLOW_EXCLUDES(mu_);
  Result<std::vector<Silence>> Silences(TimeNs after) const COOLFLOW_EXCLUDES(mu_);

 private:
  AlertHistory(sqlite3* db, std::string path, uint64_t max_events)
      : path_(std::move(path)), max_events_(max_events), db_(db) {}
  Status Trim() COOLFLOW_REQUIRES(mu_);
  Status Exec(const char* sql) COOLFLOW_REQUIRES(mu_);
  Status Error(std::string_view what) const COOLFLOW_REQUIRES(mu_);
  // Runs a SELECT of the table's columns in schema order (with `limit` bound to ?1 when set).
  Result<std::vector<HistoryEntry>> Select(const char* sql, std::optional<int64_t> limit) const
      COOLFLOW_REQUIRES(mu_);
  // Steps a prepared SELECT of the table's columns (with `limit` bound to ?1 when set).
  Result<std::vector<HistoryEntry>> Rows(sqlite3_stmt* statement,
                                         std::optional<int64_t> limit) const COOLFLOW_REQUIRES(mu_);

  const std::string path_;
  const uint64_t max_events_;
  mutable Mutex mu_;
  sqlite3* db_ COOLFLOW_PT_GUARDED_BY(mu_);
  uint64_t since_trim_ COOLFLOW_GUARDED_BY(mu_) = 0;
};

}  // namespace coolflow::hub::alerts
