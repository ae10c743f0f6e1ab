#include "hub/alerts/history.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>

#include "fmt/format.h"

namespace coolflow::hub::alerts {
namespace {

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS alert_events ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " time_ns INTEGER NOT NULL,"
    " state TEXT NOT NULL,"
    " rule TEXT NOT NULL,"
    " fingerprint TEXT NOT NULL,"
    " severity TEXT NOT NULL,"
    " labels TEXT NOT NULL,"
    " annotations TEXT NOT NULL,"
    " value REAL,"
    " active_since INTEGER NOT NULL,"
    " fired_at INTEGER NOT NULL,"
    " resolved_at INTEGER NOT NULL,"
    " inhibited INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS alert_events_rule ON alert_events(rule, time_ns);"
    "CREATE INDEX IF NOT EXISTS alert_events_time ON alert_events(time_ns);"
    "CREATE TABLE IF NOT EXISTS acknowledgements ("
    " fingerprint TEXT PRIMARY KEY,"
    " active_since INTEGER NOT NULL,"
    " by_user TEXT NOT NULL,"
    " at_ns INTEGER NOT NULL,"
    " comment TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS silences ("
    " id INTEGER PRIMARY KEY,"
    " matchers TEXT NOT NULL,"
    " starts_ns INTEGER NOT NULL,"
    " ends_ns INTEGER NOT NULL,"
    " created_by TEXT NOT NULL,"
    " comment TEXT NOT NULL);";

// Ended silences are kept this long (for "what was silenced last night").
constexpr TimeNs kSilenceKeep = 7 * 24 * kNanosPerHour;

constexpr int kBusyTimeoutMs = 5000;

struct StatementDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

std::string Column(sqlite3_stmt* s, int i) {
  const unsigned char* text = sqlite3_column_text(s, i);
  return text ? reinterpret_cast<const char*>(text) : "";
}

Severity SeverityFrom(std::string_view name) {
  if (name == "critical") return Severity::kCritical;
  if (name == "info") return Severity::kInfo;
  return Severity::kWarning;
}

}  // namespace

Result<std::unique_ptr<AlertHistory>> AlertHistory::Open(const std::string& path,
                                                         uint64_t max_events) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return IOError(fmt::format("alert history {}: cannot open: {}", path, why));
  }
  std::unique_ptr<AlertHistory> history(new AlertHistory(db, path, max_events));
  MutexLock lock(history->mu_);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  for (const char* sql : {"PRAGMA journal_mode=WAL;", "PRAGMA synchronous=NORMAL;", kSchema}) {
    if (Status s = history->Exec(sql); !s.ok()) return s;
  }
  if (Status s = history->Trim(); !s.ok()) return s;
  return history;
}

AlertHistory::~AlertHistory() {
  MutexLock lock(mu_);
  sqlite3_close(db_);
}

Status AlertHistory::Error(std::string_view what) const {
  return IOError(fmt::format("alert history {}: {}: {}", path_, what, sqlite3_errmsg(db_)));
}

Status AlertHistory::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message ? message : "unknown error";
    sqlite3_free(message);
    return IOError(fmt::format("alert history {}: {}", path_, why));
  }
  return Status::Ok();
}

Status AlertHistory::Trim() {
  since_trim_ = 0;
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "DELETE FROM alert_events WHERE id <= "
                         "(SELECT MAX(id) FROM alert_events) - ?1;",
                         -1, &raw, nullptr) != SQLITE_OK) {
    return Error("prepare trim");
  }
  Statement stmt(raw);
  sqlite3_bind_int64(raw, 1, static_cast<sqlite3_int64>(max_events_));
  if (sqlite3_step(raw) != SQLITE_DONE) return Error("trim");
  return Status::Ok();
}

Status AlertHistory::Record(TimeNs time, const Alert& alert) {
  MutexLock lock(mu_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "INSERT INTO alert_events (time_ns, state, rule, fingerprint, severity, "
                         "labels, annotations, value, active_since, fired_at, resolved_at, "
                         "inhibited) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12);",
                         -1, &raw, nullptr) != SQLITE_OK) {
    return Error("prepare insert");
  }
  Statement stmt(raw);
  nlohmann::json labels = nlohmann::json::object();
  for (const reading::Tag& t : alert.labels)
    labels[t.key] = t.value;
  const std::string labels_text = labels.dump();
  const std::string annotations_text = nlohmann::json(alert.annotations).dump();
  const std::string_view state = AlertStateName(alert.state);
  const std::string_view severity = SeverityName(alert.severity);
  sqlite3_bind_int64(raw, 1, time);
  sqlite3_bind_text(raw, 2, state.data(), static_cast<int>(state.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 3, alert.rule.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 4, alert.fingerprint.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 5, severity.data(), static_cast<int>(severity.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 6, labels_text.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 7, annotations_text.c_str(), -1, SQLITE_TRANSIENT);
  if (std::isfinite(alert.value)) {
    sqlite3_bind_double(raw, 8, alert.value);
  } else {
    sqlite3_bind_null(raw, 8);
  }
  sqlite3_bind_int64(raw, 9, alert.active_since);
  sqlite3_bind_int64(raw, 10, alert.fired_at);
  sqlite3_bind_int64(raw, 11, alert.resolved_at);
  sqlite3_bind_int(raw, 12, alert.inhibited ? 1 : 0);
  if (sqlite3_step(raw) != SQLITE_DONE) return Error("insert");
  if (++since_trim_ >= kTrimEvery) return Trim();
  return Status::Ok();
}

Result<std::vector<HistoryEntry>> AlertHistory::Recent(size_t limit) const {
  MutexLock lock(mu_);
  return Select(
      "SELECT id, time_ns, state, rule, fingerprint, severity, labels, annotations, value, "
      "active_since, fired_at, resolved_at, inhibited FROM alert_events ORDER BY id DESC "
      "LIMIT ?1;",
      static_cast<int64_t>(limit));
}

Result<std::vector<HistoryEntry>> AlertHistory::Between(TimeNs from, TimeNs to,
                                                        size_t limit) const {
  MutexLock lock(mu_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT id, time_ns, state, rule, fingerprint, severity, labels, "
                         "annotations, value, active_since, fired_at, resolved_at, inhibited "
                         "FROM alert_events WHERE time_ns >= ?2 AND time_ns < ?3 ORDER BY id "
                         "LIMIT ?1;",
                         -1, &raw, nullptr) != SQLITE_OK) {
    return Error("prepare select");
  }
  Statement stmt(raw);
  sqlite3_bind_int64(raw, 2, from);
  sqlite3_bind_int64(raw, 3, to);
  return Rows(raw, static_cast<int64_t>(limit));
}

Status AlertHistory::SaveAcknowledgement(const std::string& fingerprint, TimeNs active_since,
                                         const Acknowledgement& ack) {
  MutexLock lock(mu_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "INSERT OR REPLACE INTO acknowledgements (fingerprint, active_since, "
                         "by_user, at_ns, comment) VALUES (?1, ?2, ?3, ?4, ?5);",
                         -1, &raw, nullptr) != SQLITE_OK) {
    return Error("prepare acknowledgement");
  }
  Statement stmt(raw);
  sqlite3_bind_text(raw, 1, fingerprint.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(raw, 2, active_since);
  sqlite3_bind_text(raw, 3, ack.by.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(raw, 4, ack.at);
  sqlite3_bind_text(raw, 5, ack.comment.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(raw) != SQLITE_DONE) return Error("save acknowledgement");
  return Status::Ok();
}

Status AlertHistory::ForgetAcknowledgement(const std::string& fingerprint) {
  MutexLock lock(mu_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "DELETE FROM acknowledgements WHERE fingerprint = ?1;", -1, &raw,
                         nullptr) != SQLITE_OK) {
    return Error("prepare forget acknowledgement");
  }
  Statement stmt(raw);
  sqlite3_bind_text(raw, 1, fingerprint.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(raw) != SQLITE_DONE) return Error("forget acknowledgement");
  return Status::Ok();
}

Result<std::vector<AlertHistory::AcknowledgementRow>> AlertHistory::Acknowledgements() const {
  MutexLock lock(mu_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT fingerprint, active_since, by_user, at_ns, comment FROM "
                         "acknowledgements;",
                         -1, &raw, nullptr) != SQLITE_OK) {
    return Error("prepare acknowledgements");
  }
  Statement stmt(raw);
  std::vector<AcknowledgementRow> out;
  int rc = 0;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    AcknowledgementRow row;
    row.fingerprint = Column(raw, 0);
    row.active_since = sqlite3_column_int64(raw, 1);
    row.ack.by = Column(raw, 2);
    row.ack.at = sqlite3_column_int64(raw, 3);
    row.ack.comment = Column(raw, 4);
    out.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return Error("read acknowledgements");
  return out;
}

Status AlertHistory::SaveSilence(const Silence& silence) {
  MutexLock lock(mu_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "INSERT OR REPLACE INTO silences (id, matchers, starts_ns, ends_ns, "
                         "created_by, comment) VALUES (?1, ?2, ?3, ?4, ?5, ?6);",
                         -1, &raw, nullptr) != SQLITE_OK) {
    return Error("prepare silence");
  }
  Statement stmt(raw);
  nlohmann::json matchers = nlohmann::json::object();
  for (const reading::Tag& m : silence.matchers)
    matchers[m.key] = m.value;
  const std::string matchers_text = matchers.dump();
  sqlite3_bind_int64(raw, 1, static_cast<sqlite3_int64>(silence.id));
  sqlite3_bind_text(raw, 2, matchers_text.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(raw, 3, silence.starts);
  sqlite3_bind_int64(raw, 4, silence.ends);
  sqlite3_bind_text(raw, 5, silence.created_by.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 6, silence.comment.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(raw) != SQLITE_DONE) return Error("save silence");
  stmt.reset();
  if (sqlite3_prepare_v2(db_, "DELETE FROM silences WHERE ends_ns < ?1;", -1, &raw, nullptr) !=
      SQLITE_OK) {
    return Error("prepare silence trim");
  }
  stmt.reset(raw);
  sqlite3_bind_int64(raw, 1, silence.starts - kSilenceKeep);
  if (sqlite3_step(raw) != SQLITE_DONE) return Error("trim silences");
  return Status::Ok();
}

Result<std::vector<Silence>> AlertHistory::Silences(TimeNs after) const {
  MutexLock lock(mu_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT id, matchers, starts_ns, ends_ns, created_by, comment FROM "
                         "silences WHERE ends_ns > ?1 ORDER BY id;",
                         -1, &raw, nullptr) != SQLITE_OK) {
    return Error("prepare silences");
  }
  Statement stmt(raw);
  sqlite3_bind_int64(raw, 1, after);
  std::vector<Silence> out;
  int rc = 0;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    Silence s;
    s.id = static_cast<uint64_t>(sqlite3_column_int64(raw, 0));
    const nlohmann::json matchers = nlohmann::json::parse(Column(raw, 1), nullptr, false);
    if (matchers.is_object()) {
      for (const auto& [k, v] : matchers.items()) {
        if (v.is_string()) s.matchers.push_back({k, v.get<std::string>()});
      }
    }
    std::sort(s.matchers.begin(), s.matchers.end());
    s.starts = sqlite3_column_int64(raw, 2);
    s.ends = sqlite3_column_int64(raw, 3);
    s.created_by = Column(raw, 4);
    s.comment = Column(raw, 5);
    out.push_back(std::move(s));
  }
  if (rc != SQLITE_DONE) return Error("read silences");
  return out;
}

Result<std::vector<HistoryEntry>> AlertHistory::Firing() const {
  MutexLock lock(mu_);
  // The newest event of each fingerprint, kept when it is a firing one. GROUP BY sorts once
  // (n log n on the bounded table) where a correlated subquery would scan per row.
  return Select(
      "SELECT id, time_ns, state, rule, fingerprint, severity, labels, annotations, value, "
      "active_since, fired_at, resolved_at, inhibited FROM alert_events WHERE id IN "
      "(SELECT MAX(id) FROM alert_events GROUP BY fingerprint) AND state = 'firing' "
      "ORDER BY id;",
      std::nullopt);
}

Result<std::vector<HistoryEntry>> AlertHistory::Select(const char* sql,
                                                       std::optional<int64_t> limit) const {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr) != SQLITE_OK) {
    return Error("prepare select");
  }
  Statement stmt(raw);
  return Rows(raw, limit);
}

Result<std::vector<HistoryEntry>> AlertHistory::Rows(sqlite3_stmt* raw,
                                                     std::optional<int64_t> limit) const {
  if (limit) sqlite3_bind_int64(raw, 1, static_cast<sqlite3_int64>(*limit));
  std::vector<HistoryEntry> out;
  int rc = 0;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    HistoryEntry e;
    e.id = sqlite3_column_int64(raw, 0);
    e.time = sqlite3_column_int64(raw, 1);
    Alert& a = e.alert;
    a.state = Column(raw, 2) == "resolved" ? AlertState::kResolved : AlertState::kFiring;
    a.rule = Column(raw, 3);
    a.fingerprint = Column(raw, 4);
    a.severity = SeverityFrom(Column(raw, 5));
    const nlohmann::json labels = nlohmann::json::parse(Column(raw, 6), nullptr, false);
    if (labels.is_object()) {
      for (const auto& [k, v] : labels.items()) {
        if (v.is_string()) a.labels.push_back({k, v.get<std::string>()});
      }
    }
    const nlohmann::json annotations = nlohmann::json::parse(Column(raw, 7), nullptr, false);
    if (annotations.is_object()) {
      for (const auto& [k, v] : annotations.items()) {
        if (v.is_string()) a.annotations[k] = v.get<std::string>();
      }
    }
    a.value =
        sqlite3_column_type(raw, 8) == SQLITE_NULL ? std::nan("") : sqlite3_column_double(raw, 8);
    a.active_since = sqlite3_column_int64(raw, 9);
    a.fired_at = sqlite3_column_int64(raw, 10);
    a.resolved_at = sqlite3_column_int64(raw, 11);
    a.inhibited = sqlite3_column_int(raw, 12) != 0;
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return Error("select");
  return out;
}

Result<uint64_t> AlertHistory::Count() const {
  MutexLock lock(mu_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT COUNT(*) FROM alert_events;", -1, &raw, nullptr) !=
      SQLITE_OK) {
    return Error("prepare count");
  }
  Statement stmt(raw);
  if (sqlite3_step(raw) != SQLITE_ROW) return Error("count");
  return static_cast<uint64_t>(sqlite3_column_int64(raw, 0));
}

}  // namespace coolflow::hub::alerts
