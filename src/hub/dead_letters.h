// Where the hub puts what it refuses: every record a decoder or validator refused and every
// reading the store refused, with the reason, as one JSON line each in a file that rotates
// at `max_bytes` (the previous file is kept as `<path>.1`), and counted by source and reason.
//
//   {"time":"2026-11-24T06:20:00.123Z","source":"mqtt","where":"coolflow/temp","item":
//    "temperature","reason":"line 3, column 17 (byte 112): temperature: 91.2 Cel is outside
//    -40..85 Cel","record":"{\"box\":\"pi-1\",...}"}
//
// A record is clipped to `max_record_bytes` (with "..." appended). Writing is best effort:
// a file that cannot be written is reported once per failure streak (and counted), and the
// lines go on being counted, so refusing bad input never fails the pipeline.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "common/thread_annotations.h"

namespace coolflow::hub {

struct DeadLetter {
  TimeNs time = 0;
  std::string_view source;  // "mqtt", "kafka", "http"
  std::string_view where;   // the topic, or the HTTP peer and path
  std::string_view item;    // the part at fault ("temperature", "timestamp"), may be empty
  std::string_view reason;
  std::string_view record;  // the refused record as received
  bool whole = false;       // keep the record unclipped (a message the broker will not resend)
};

struct DeadLetterOptions {
  std::string path;  // empty: count only, write nothing
  uint64_t max_bytes = 64ull << 20;
  size_t max_record_bytes = 1024;
};

class DeadLetterLog {
 public:
  explicit DeadLetterLog(DeadLetterOptions options);
  ~DeadLetterLog();
  DeadLetterLog(const DeadLetterLog&) = delete;
  DeadLetterLog& operator=(const DeadLetterLog&) = delete;

  void Add(const DeadLetter& letter) COOLFLOW_EXCLUDES(mu_);
  // Writes buffered lines to the file.
  void Flush() COOLFLOW_EXCLUDES(mu_);

  // Prometheus text: coolflow_hub_dead_letters_total{source,reason} and write failures.
  // The reason label is the part at fault ("temperature", "json", "duplicate"...).
  std::string RenderMetrics() const COOLFLOW_EXCLUDES(mu_);
  uint64_t total() const COOLFLOW_EXCLUDES(mu_);

 private:
  void Open() COOLFLOW_REQUIRES(mu_);

  const DeadLetterOptions options_;
  mutable Mutex mu_;
  std::FILE* file_ COOLFLOW_GUARDED_BY(mu_) = nullptr;
  uint64_t bytes_ COOLFLOW_GUARDED_BY(mu_) = 0;
  bool failing_ COOLFLOW_GUARDED_BY(mu_) = false;
  uint64_t write_failures_ COOLFLOW_GUARDED_BY(mu_) = 0;
  uint64_t total_ COOLFLOW_GUARDED_BY(mu_) = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> counts_ COOLFLOW_GUARDED_BY(mu_);
};

}  // namespace coolflow::hub
