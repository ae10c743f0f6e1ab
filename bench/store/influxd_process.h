// InfluxDB 1.x for the store benchmark: influxd started on loopback ports in a directory of
// its own with the benchmark's settings, and a small libcurl client per thread (keep-alive).
// Like tests/support/InfluxDbServer, but it keeps the process id (for VmHWM), says when full
// compaction has finished, and measures the data and WAL directories.
//
// Settings that differ from InfluxDB's defaults, and why (docs/benchmarks.md):
//   cache-snapshot-write-cold-duration = 5s, compact-full-write-cold-duration = 15s: a shard
//     is snapshotted and fully compacted seconds (not hours) after the last write, so the
//     bytes per point are measured after compaction, as ours are. Writes never pause that
//     long during ingest, so ingest is unaffected.
//   reporting, the _internal monitor store, the query log and the HTTP log are off.
// Left at their defaults on purpose: wal-fsync-delay = 0s (every write is fsynced before
// the 204: durable like ours), index-version = "inmem", cache and compaction throughput.
//
// Thread safety: InfluxdProcess is used by one thread; each thread has its own InfluxClient.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "nlohmann/json.hpp"
#include "support/server_process.h"

namespace coolflow::bench {

class InfluxClient {
 public:
  explicit InfluxClient(std::string url);
  ~InfluxClient();
  InfluxClient(const InfluxClient&) = delete;
  InfluxClient& operator=(const InfluxClient&) = delete;

  // POST /write?db=<db>&precision=n; retries a failed request or a 5xx answer up to three
  // times, then fails with Unavailable; any other answer than 204 fails with its body.
  Status Write(std::string_view db, std::string_view body);
  // POST /query (epoch=ns): the raw JSON text, before parsing (what the timed part ends at).
  Result<std::string> QueryText(std::string_view db, std::string_view q);
  // QueryText, parsed; an "error" anywhere in the answer is an error naming the query.
  Result<nlohmann::json> Query(std::string_view db, std::string_view q);

 private:
  Result<std::string> Post(const std::string& path, std::string_view body,
                           std::string_view content_type, long* status);
  std::string url_;
  void* curl_ = nullptr;  // CURL*, opaque to users of this header
};

class InfluxdProcess {
 public:
  // Starts influxd with its meta, data and WAL directories under `dir` (created), HTTP on a
  // free 127.0.0.1 port; returns once /ping answers 204 (or the reason it did not).
  static Result<std::unique_ptr<InfluxdProcess>> Start(const std::filesystem::path& dir);
  ~InfluxdProcess();  // kills influxd

  const std::string& url() const { return url_; }
  pid_t pid() const { return process_->pid(); }
  std::filesystem::path data_dir() const { return dir_ / "data"; }
  std::filesystem::path wal_dir() const { return dir_ / "wal"; }
  std::string LogTail() const { return process_->LogTail(); }

  // Whether every shard of `db` is one TSM file (no compaction output pending) and its WAL
  // holds no unsnapshotted bytes: what full compaction leaves.
  bool FullyCompacted(std::string_view db) const;

 private:
  InfluxdProcess() = default;
  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<testing::ServerProcess> process_;
};

// Bytes the regular files under `dir` (recursively) take on disk: allocated blocks, as du
// counts them, so a sparse preallocated file (InfluxDB's series file segments are 4 MiB
// each, mostly holes) counts what it uses. 0 when `dir` is missing.
uint64_t DirectoryBytes(const std::filesystem::path& dir);
// The same files' sizes (what ls shows), holes included.
uint64_t DirectoryApparentBytes(const std::filesystem::path& dir);

// VmHWM (peak resident set) of process `pid` in kB, from /proc/<pid>/status; 0 if unknown.
uint64_t PeakRssKb(pid_t pid);

}  // namespace coolflow::bench
