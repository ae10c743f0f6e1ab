// The coolflow side of store_bench: the embedded engine (store/engine/engine.h) driven in
// child processes of the bench binary (so its peak RSS is its own), and queried in-process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "common/status.h"
#include "contender.h"

namespace coolflow::bench {

struct CoolflowIngest {
  uint64_t points = 0;          // stored, as the engine acknowledged them
  uint64_t refused = 0;         // lines it refused (0 expected)
  double ingest_seconds = 0;    // the 2 threads' append calls, first to last
  double compact_seconds = 0;   // Compact() after ingest
  uint64_t peak_rss_kb = 0;     // the child's VmHWM right after ingest, before Compact
  uint64_t bytes = 0;           // every file in the directory after Compact and Close (du)
  uint64_t apparent_bytes = 0;  // their sizes (DirectoryApparentBytes)
  uint64_t wal_bytes = 0;       // of which in wal/
};

// A child `store_bench --child-ingest INPUT DIR THREADS` opens the engine in `dir` (default
// options: fsync per batch), appends every batch of the input from `threads` threads with
// AppendLineProtocol, compacts, closes and reports.
Result<CoolflowIngest> RunCoolflowIngest(const std::filesystem::path& input,
                                         const std::filesystem::path& dir, int threads);

struct CoolflowReplay {
  uint64_t acked_points = 0;     // what the killed child had been told was durable
  uint64_t replayed_points = 0;  // engine stats after Open
  uint64_t replayed_records = 0;
  double replay_seconds = 0;  // the engine's own replay time
  double open_seconds = 0;    // Open's wall time, replay included
};

// A child `store_bench --child-crash INPUT DIR POINTS` appends batches with a memtable
// larger than the input and no background thread, and is killed with SIGKILL once at least
// `points` are acknowledged; then Open on `dir` is timed here. Fails if fewer points were
// replayed than acknowledged.
Result<CoolflowReplay> RunCoolflowReplay(const std::filesystem::path& input,
                                         const std::filesystem::path& dir, uint64_t points);

// The engine in `dir`, opened for queries.
Result<std::unique_ptr<Contender>> OpenCoolflow(const std::filesystem::path& dir);

// The child modes: returns the exit code when argv names one, -1 otherwise.
int CoolflowChildMain(int argc, char** argv);

}  // namespace coolflow::bench
