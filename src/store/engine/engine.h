// The embedded time-series engine: the store (store/store.h) the hub uses by default.
//
// On disk, in one directory (docs/store-engine.md):
//   wal/       the write-ahead log (store/wal; docs/store-wal.md): every acknowledged batch
//   series     the series index snapshot: id <-> measurement, tags, field, value type
//   blocks/    immutable block files (block.h; docs/store-blocks.md): per-series compressed
//              chunks (store/codec; docs/store-chunks.md) of one time partition, with their
//              1-minute and 1-hour rollups
//
// Writes: a batch is encoded as one WAL record (series ids, times, values; new series carry
// their key) and, once durable, applied to the memtable in WAL order. When the memtable holds
// `memtable_points` points it is frozen and a background thread writes it out as one block per
// time partition, saves the series snapshot, and trims the WAL. Blocks of one partition are
// merged by compaction, which also drops points past their measurement's retention and
// rebuilds the rollups.
//
// Reads see an immutable version (blocks + frozen memtables + the live memtable's published
// points), taken without waiting for any writer: readers never block writers.
//
// Failure: a failed fsync makes the store read-only (every later Append returns the WAL's
// IOError; reads go on). A full disk fails the batch with ResourceExhausted; nothing
// acknowledged is lost, and appends succeed again once space is freed. Open replays the WAL
// and refuses (Corruption naming the file, offset and why) what only `coolflow store check`
// should decide.
//
// Thread safety: every method may be called from any thread concurrently (store.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/time.h"
#include "store/store.h"
#include "store/wal/file_system.h"
#include "store/wal/wal.h"

namespace coolflow::store::engine {

// How long the points of one measurement are kept.
struct Retention {
  std::string measurement;
  TimeNs keep = 0;  // > 0
};

struct EngineOptions {
  wal::FsyncPolicy fsync = wal::FsyncPolicy::kPerBatch;
  std::chrono::milliseconds sync_interval{100};  // kInterval only
  // The memtable is frozen and written out once it holds this many points.
  size_t memtable_points = 2'000'000;
  // Blocks cover aligned time partitions of this width (since the epoch).
  TimeNs partition = 7 * kNanosPerDay;
  // A partition with this many blocks is compacted into one.
  size_t compaction_trigger = 4;
  // Per-measurement retention; `default_retention` (0: forever) for the others.
  std::vector<Retention> retention;
  TimeNs default_retention = 0;
  // false: no background thread; the memtable is written out only by Flush and blocks are
  // merged only by Compact (tests and tools).
  bool background = true;
  // Where the files live; nullptr: the local file system.
  wal::FileSystem* fs = nullptr;
  // "Now" for retention; nullptr: the system clock.
  const Clock* clock = nullptr;
};

// Counters since Open, for benchmarks and /metrics.
struct EngineStats {
  uint64_t series = 0;
  uint64_t points_appended = 0;  // acknowledged since Open
  uint64_t memtable_points = 0;  // not yet in a block (live and frozen memtables)
  uint64_t blocks = 0;
  uint64_t block_bytes = 0;  // the block files' size
  uint64_t block_points = 0;
  uint64_t flushes = 0;
  uint64_t compactions = 0;
  uint64_t points_expired = 0;    // dropped by retention
  uint64_t replayed_records = 0;  // WAL records replayed by Open
  uint64_t replayed_points = 0;
  double replay_seconds = 0;
  wal::WalStats wal;
};

class Engine : public Store {
 public:
  // Opens (creating when missing) the engine in `dir`: loads the series snapshot and the
  // blocks, replays the WAL, starts the background thread. InvalidArgument for bad options,
  // Corruption / IOError naming the file for what it cannot read.
  static Result<std::unique_ptr<Engine>> Open(const std::string& dir,
                                              const EngineOptions& options = {});

  // Line protocol, as the hub's HTTP /write receives it: every field of every point is a
  // series. Points are stored durably like Append's; each refused line is in the result with
  // its 1-based line number as `index` and the parser's or the store's reason as `why`.
  virtual Result<AppendResult> AppendLineProtocol(std::string_view body, Precision precision,
                                                  TimeNs default_time) = 0;

  // Writes the memtable out as blocks and trims the WAL; returns once done.
  virtual Status Flush() = 0;
  // Flushes, then compacts every partition with more than one block and applies retention;
  // returns once done.
  virtual Status Compact() = 0;
  // Flushes (unless the store is read-only), stops the background thread, closes the WAL.
  // Later calls fail with Unavailable.
  virtual Status Close() = 0;

  // Ok, or the sticky error that made the store read-only.
  virtual Status health() const = 0;
  virtual EngineStats stats() const = 0;
};

// Checks the options alone: what Open reports first ("engine option memtable_points: ...").
Status ValidateEngineOptions(const EngineOptions& options);

}  // namespace coolflow::store::engine
