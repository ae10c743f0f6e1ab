// The audit log: who changed what through a web server, and who tried to. One record per
// request with a changing method (POST, PUT, PATCH, DELETE) to a route that audits
// (RouteOptions::audit, on by default), refused or answered, plus logins and logouts.
//
// A record says when, who (user and role, when the request authenticated), from which
// address, the method, the path (never the query: it may hold a secret), the status answered
// and what the handler said it changed (Response::audit). It never holds a body, a header, a
// password or a token.
//
// Records go to a file, one JSON object a line, appended (created 0600), and the latest are
// kept in memory for GET /api/audit (admin). The file is written with one write per record
// and not fsynced: an audit trail survives a crash of the hub, not of the machine's power.
//
//   {"time":"2026-11-24T21:50:03.120Z","user":"olga","role":"operator",
//    "peer":"10.0.0.7","method":"POST","path":"/api/control/ac","status":200,
//    "detail":"ac-1 setpoint 22 -> 24 C"}
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/thread_annotations.h"

namespace coolflow::web {

struct AuditRecord {
  TimeNs time = 0;
  std::string user{};  // empty: the request did not authenticate
  std::string role{};
  std::string peer{};  // the peer's address
  std::string method{};
  std::string path{};
  int status = 0;
  std::string detail{};  // what the handler says it changed, or why it was refused
};

class AuditLog {
 public:
  struct Options {
    std::filesystem::path file{};  // empty: memory only
    size_t keep = 1000;            // the latest records kept for Recent()
  };
  // Opens (creates) the file. IOError naming it when it cannot be opened.
  static Result<std::unique_ptr<AuditLog>> Open(Options options);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends `record`. A write error is counted (write_errors()) and logged once; the record
  // stays in memory.
  void Record(AuditRecord record) COOLFLOW_EXCLUDES(mu_);
  // The latest `limit` records, newest first.
  std::vector<AuditRecord> Recent(size_t limit) const COOLFLOW_EXCLUDES(mu_);
  uint64_t records() const COOLFLOW_EXCLUDES(mu_);
  uint64_t write_errors() const COOLFLOW_EXCLUDES(mu_);

  // One record as its JSON line (without the newline).
  static std::string ToJson(const AuditRecord& record);

 private:
  AuditLog(Options options, int fd, uint64_t size);

  const Options options_;
  const int fd_;  // -1: memory only
  mutable Mutex mu_;
  uint64_t offset_ COOLFLOW_GUARDED_BY(mu_) = 0;
  std::deque<AuditRecord> recent_ COOLFLOW_GUARDED_BY(mu_);
  uint64_t records_ COOLFLOW_GUARDED_BY(mu_) = 0;
  uint64_t write_errors_ COOLFLOW_GUARDED_BY(mu_) = 0;
};

}  // namespace coolflow::web
