// The write-ahead log of the embedded store: a directory of segment files holding
// checksummed, sequence-numbered records (wal_format.h; docs/store-wal.md). The engine
// encodes each batch as one payload; the WAL does not look inside.
//
// Durability: Append returns a record's seq once the record is durable under the fsync
// policy. Concurrent Appends are group-committed: one writer thread takes every pending
// record, writes them with one write and (kPerBatch) one fdatasync, then releases every
// waiter of the group.
//
// Failure: a failed fdatasync or a write failing with anything but a full disk makes the WAL
// read-only for good (the page cache's state is unknown after a failed fsync): every later
// Append returns the IOError that says why. A write that fails because the disk is full fails
// only its own group with ResourceExhausted; the segment is truncated back to the last good
// record and Appends succeed again once space is freed. No waiter is ever told "durable" for
// a record that was not synced (kPerBatch).
//
// Thread safety: Append, Sync, RemoveThrough, Replay and the accessors may be called from
// any thread concurrently. Appenders block on the writer; the writer does its I/O without
// holding the mutex that appenders need to enqueue, so appends queue up while a sync runs.
// Replay reads the files directly and sees at least every record acknowledged before it began;
// it must not race a RemoveThrough of the records it reads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "common/thread_annotations.h"
#include "store/wal/file_system.h"
#include "store/wal/wal_recovery.h"

namespace coolflow::store::wal {

enum class FsyncPolicy {
  kPerBatch,  // fdatasync before any Append of the group returns: nothing acknowledged is lost
  kInterval,  // Append returns once written; fdatasync at most `sync_interval` later: a crash
              // (of the machine, not the process) loses at most that window
  kNone,      // never fdatasync except at segment ends, Sync and Close: the OS decides
};

struct WalOptions {
  FsyncPolicy fsync = FsyncPolicy::kPerBatch;
  std::chrono::milliseconds sync_interval{100};  // kInterval only
  // A segment is sealed and a new one started once it would grow past this (a single record
  // bigger than this gets a segment of its own).
  uint64_t segment_size = 32u << 20;
  // The most payload bytes one group write carries.
  size_t max_group_bytes = 8u << 20;
};

// Counters since Open, for benchmarks and /metrics.
struct WalStats {
  uint64_t appends = 0;  // records acknowledged
  uint64_t groups = 0;   // group writes
  uint64_t syncs = 0;    // fdatasync calls that succeeded
  uint64_t bytes = 0;    // bytes written, framing included
  uint64_t segments_created = 0;
};

class Wal {
  struct PrivateTag {
    explicit PrivateTag() = default;
  };

 public:
  // Use Open.
  Wal(PrivateTag, std::string dir, const WalOptions& options, FileSystem& fs);

  // Opens (creating when missing) the WAL in `dir`: scans every segment, truncates a torn tail
  // (see wal_recovery.h; what was cut is in recovery()), and starts the writer. Corruption that
  // is not a torn tail fails the open with Corruption naming segment, offset and why;
  // nothing is changed then (`coolflow store check` reports it). `fs` must outlive the Wal.
  static Result<std::unique_ptr<Wal>> Open(const std::string& dir, const WalOptions& options,
                                           FileSystem& fs);

  // Stops the writer after it finished the queued records. Does not sync beyond the policy:
  // call Close for that.
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Appends one record and returns its seq (consecutive, from 1 in a new WAL) once it is
  // durable per the policy. Errors: InvalidArgument (payload over kMaxPayloadSize),
  // ResourceExhausted (disk full: nothing of this record stored), IOError (the WAL is
  // read-only after a failed write or sync), Unavailable (closed).
  Result<uint64_t> Append(std::string_view payload);

  // Makes every record appended so far durable, whatever the policy.
  Status Sync();

  // Seals the segment being written (synced) and starts a new one, so RemoveThrough can
  // remove every record written so far. Nothing happens when the segment is empty.
  Status Rotate();

  // Syncs and stops the writer; later Appends return Unavailable. Returns the sync's status.
  Status Close();

  // Calls `fn` for every record with seq > after_seq, in order (see ReplayDirectory).
  Status Replay(uint64_t after_seq, const RecordCallback& fn) const;

  // Removes the sealed segments whose records all have seq <= `seq` (the engine flushed
  // them), oldest first, syncing the directory after each so a crash never leaves a gap. The
  // segment being written is kept.
  Status RemoveThrough(uint64_t seq);

  // What recovery found and did when this Wal was opened.
  const RecoveryReport& recovery() const { return recovery_; }
  // The seq of the last acknowledged record, also after RemoveThrough removed it (the next
  // record gets the seq after it); 0 when there was none.
  uint64_t last_seq() const;
  // Ok, or the sticky error that made the WAL read-only.
  Status health() const;
  WalStats stats() const;
  const std::string& dir() const { return dir_; }

 private:
  struct Request;
  struct Segment {
    uint64_t first_seq = 0;
    std::string path;
  };

  Status Start(const RecoveryReport& report);
  // Queues `request` for the writer and waits until it is settled; its status.
  Status Submit(Request& request);
  void WriterLoop();
  // Writes `group` (assigning seqs) and settles each request's status. Writer thread only.
  void WriteGroup(const std::vector<Request*>& group);
  // Writes `records` framed records to the active segment; after a failed write (disk full)
  // truncates the partial bytes away. Writer thread only.
  Status WriteBuffer(std::string_view buffer, uint64_t records);
  // Creates, syncs and makes current a new segment starting at `first_seq`.
  Status CreateSegment(uint64_t first_seq);
  // fdatasync of the active segment when it has unsynced bytes. Any failure is an IOError.
  Status SyncActive();
  // Settles `group`: [0, acked) succeeded, the rest failed with `failure`.
  void Settle(const std::vector<Request*>& group, size_t acked, const Status& failure);

  const std::string dir_;
  const WalOptions options_;
  FileSystem& fs_;
  RecoveryReport recovery_;

  // Writer thread state (set by Open before the thread starts, then the writer's alone).
  std::unique_ptr<File> active_;
  uint64_t active_size_ = 0;     // bytes of valid data in the active segment
  uint64_t active_records_ = 0;  // records in the active segment
  uint64_t next_seq_ = 1;        // the seq the next record gets
  bool unsynced_ = false;        // written but not fdatasync'ed (kInterval, kNone)
  std::chrono::steady_clock::time_point last_sync_;
  WalStats writer_stats_;  // copied to stats_ under mu_

  mutable Mutex mu_;
  std::condition_variable work_cv_;  // the writer waits for work
  std::condition_variable done_cv_;  // appenders wait for their group
  std::deque<Request*> queue_ COOLFLOW_GUARDED_BY(mu_);
  Status error_ COOLFLOW_GUARDED_BY(mu_);  // sticky: set once, never cleared
  bool stopping_ COOLFLOW_GUARDED_BY(mu_) = false;
  uint64_t last_seq_ COOLFLOW_GUARDED_BY(mu_) = 0;
  std::vector<Segment> segments_ COOLFLOW_GUARDED_BY(mu_);
  WalStats stats_ COOLFLOW_GUARDED_BY(mu_);
  Mutex remove_mu_;  // serialises RemoveThrough
  std::thread writer_;
};

}  // namespace coolflow::store::wal
