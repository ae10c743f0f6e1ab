// The spool on local disk (spool.h; the bytes are in docs/spool-format.md): a folder of
// segment files, a CHECKPOINT and a LOCK.
//
// Durability: Append writes the record with one pwrite(2) before it returns, so a killed
// process loses nothing; data and checkpoint are fsync'ed every sync_interval (checked on
// Append), on Sync, when a segment is closed for a newer one, and on close, so a power cut
// loses at most the last interval of the newest segment. The checkpoint is only written
// after the data it covers is on disk, and a fully acknowledged segment is deleted only
// after a checkpoint past it is, so recovery never finds the checkpoint ahead of the data.
//
// Memory: records are read back from the segment files through a 64 KiB window; in memory
// are only one entry per segment, one bit per unacknowledged record id (out-of-order acks)
// and one entry per box of sequence numbers.
//
// Sequence numbers (ReserveSeq) are reserved in blocks of kSeqReserveBlock ahead of use and
// the block's end is written to the checkpoint (fsync'ed) before a number from it is handed
// out. After a crash a box continues at the end of its last block: a gap of fewer than
// kSeqReserveBlock numbers, never a repeat. A clean close records the exact next number.
//
// Thread safety: every public method takes the one mutex; fsyncs happen under it, so an
// Append that syncs delays a concurrent Acknowledge or Next by that long. Acknowledge,
// Next and Rewind never write to disk.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/spool.h"
#include "agent/spool/ack_set.h"
#include "agent/spool/posix_file.h"
#include "agent/spool/segment_reader.h"
#include "common/thread_annotations.h"

namespace coolflow::agent {

// How many sequence numbers per box are reserved (and checkpointed) at a time.
inline constexpr uint64_t kSeqReserveBlock = 1000;

// One problem the spool found in its files and worked around (also logged as a warning).
struct SpoolDamage {
  std::filesystem::path file;
  uint64_t offset = 0;        // where in the file
  std::string what;           // "record at offset 4096 has id 7 where 9 was expected"
  std::string action;         // "truncated", "skipped the rest of the segment", ...
  uint64_t records_lost = 0;  // unacknowledged records lost with it, where known
};

class FileSpool final : public Spool {
  struct Passkey {};

 public:
  // See Spool::Open. `clock` must outlive the spool.
  static Result<std::unique_ptr<FileSpool>> Open(const SpoolOptions& options, const Clock& clock);

  FileSpool(Passkey, const SpoolOptions& options, const Clock& clock);
  // Syncs data and checkpoint (errors are logged) and releases the folder's lock.
  ~FileSpool() override;
  FileSpool(const FileSpool&) = delete;
  FileSpool& operator=(const FileSpool&) = delete;

  uint64_t ReserveSeq(std::string_view box, uint64_t count) override;
  // Also InvalidArgument when the record could never fit max_bytes (nothing else changes).
  // When the interval's fsync fails, the record is in the spool but the error is returned.
  Status Append(const transport::Message& message) override;
  std::optional<SpoolRecord> Next() override;
  void Acknowledge(uint64_t id) override;
  void Rewind() override;
  Status Sync() override;
  // `torn` also counts records found damaged when read back later (then skipped).
  SpoolStats stats() const override;

  // Everything found damaged since Open, in the order found.
  std::vector<SpoolDamage> damage() const;

 private:
  // A segment file, by the ids it holds: [first_id, end_id).
  struct Segment {
    uint64_t first_id = 0;
    uint64_t end_id = 0;
    uint64_t bytes = 0;    // the file's size (may include damaged bytes past end_id)
    bool damaged = false;  // bytes past end_id are not records: never append to it
  };
  using SegmentMap = std::map<uint64_t, Segment>;  // by first_id

  // Where Next reads: the next id to hand out, and a byte position in a segment.
  struct ReadCursor {
    uint64_t id = 1;          // the next id Next may hand out
    bool positioned = false;  // whether segment/offset/offset_id are valid
    uint64_t segment = 0;     // first_id of the segment read
    uint64_t offset = 0;      // byte offset of the record with offset_id
    uint64_t offset_id = 0;
  };

  struct BoxSeq {
    uint64_t next = 1;      // the next number to hand out
    uint64_t reserved = 1;  // the end of the reserved block, as in the checkpoint
  };

  Status RecoverLocked() COOLFLOW_REQUIRES(mutex_);
  // Whether the header of a segment file fits its name; a file cut short while created is
  // removed, any other bad one renamed aside (both counted and reported).
  Result<bool> CheckSegmentHeaderLocked(uint64_t first_id, const std::filesystem::path& path,
                                        bool newest) COOLFLOW_REQUIRES(mutex_);
  // Scans the records of a segment with a good header and adds it to segments_; cuts a torn
  // tail off the newest one.
  Status RecoverSegmentLocked(uint64_t first_id, const std::filesystem::path& path,
                              std::optional<uint64_t> next_first_id, uint64_t saved_floor)
      COOLFLOW_REQUIRES(mutex_);

  // The first segment holding an id >= `id`.
  SegmentMap::iterator SegmentAtOrAfter(uint64_t id) COOLFLOW_REQUIRES(mutex_);
  // Unacknowledged records in [first, end) of the spool.
  uint64_t UnackedIn(uint64_t first, uint64_t end) const COOLFLOW_REQUIRES(mutex_);
  // Moves floor_ over acknowledged records and ids no segment holds.
  void AdvanceFloorLocked() COOLFLOW_REQUIRES(mutex_);

  Status MakeRoomLocked(uint64_t record_bytes) COOLFLOW_REQUIRES(mutex_);
  Status RollLocked() COOLFLOW_REQUIRES(mutex_);
  Status DropOldestLocked() COOLFLOW_REQUIRES(mutex_);
  void RemoveSegmentLocked(SegmentMap::iterator it) COOLFLOW_REQUIRES(mutex_);
  // Records damage found while reading `segment` at `offset`, where `id` was expected.
  void LoseRestOfSegmentLocked(Segment& segment, uint64_t offset, uint64_t id, std::string what)
      COOLFLOW_REQUIRES(mutex_);
  void NoteDamageLocked(SpoolDamage damage) COOLFLOW_REQUIRES(mutex_);

  bool SyncDueLocked() const COOLFLOW_REQUIRES(mutex_);
  // Fsyncs the newest segment and the folder where they changed.
  Status SyncDataLocked() COOLFLOW_REQUIRES(mutex_);
  // Data, then the checkpoint when it changed, then deletes fully acknowledged segments.
  // Syncs the data; writes the checkpoint when sequence numbers were reserved, or when the
  // floor moved and `force` or checkpoint_interval has passed since the last one.
  Status SyncLocked(bool force) COOLFLOW_REQUIRES(mutex_);
  // With `closing`, boxes are recorded at their exact next number instead of their block end.
  Status WriteCheckpointLocked(bool closing) COOLFLOW_REQUIRES(mutex_);
  void DeleteAcknowledgedSegmentsLocked() COOLFLOW_REQUIRES(mutex_);
  // Makes `status` the spool's sticky failure (the first one stays) and returns it.
  Status FailLocked(Status status) COOLFLOW_REQUIRES(mutex_);

  std::filesystem::path SegmentPath(uint64_t first_id) const;

  const SpoolOptions options_;
  const Clock& clock_;
  const std::filesystem::path checkpoint_path_;

  mutable Mutex mutex_;
  spool::File lock_file_ COOLFLOW_GUARDED_BY(mutex_);
  SegmentMap segments_ COOLFLOW_GUARDED_BY(mutex_);
  // The newest segment, open for appending; closed when there is none or it is damaged.
  spool::File active_file_ COOLFLOW_GUARDED_BY(mutex_);
  bool active_dirty_ COOLFLOW_GUARDED_BY(mutex_) = false;  // written since its last fsync
  bool dir_dirty_ COOLFLOW_GUARDED_BY(mutex_) = false;     // files created or removed

  uint64_t next_id_ COOLFLOW_GUARDED_BY(mutex_) = 1;  // the id the next Append gets
  uint64_t floor_ COOLFLOW_GUARDED_BY(mutex_) = 1;    // oldest unacknowledged id, or next_id_
  uint64_t checkpoint_floor_ COOLFLOW_GUARDED_BY(mutex_) = 1;  // the floor on disk
  spool::AckSet acked_ COOLFLOW_GUARDED_BY(mutex_);            // acknowledged ids above floor_

  ReadCursor cursor_ COOLFLOW_GUARDED_BY(mutex_);
  std::optional<spool::SegmentReader> reader_ COOLFLOW_GUARDED_BY(mutex_);
  uint64_t reader_segment_ COOLFLOW_GUARDED_BY(mutex_) = 0;

  std::map<std::string, BoxSeq, std::less<>> seqs_ COOLFLOW_GUARDED_BY(mutex_);
  bool seqs_dirty_ COOLFLOW_GUARDED_BY(mutex_) = false;

  Status failed_ COOLFLOW_GUARDED_BY(mutex_);
  TimeNs last_sync_ COOLFLOW_GUARDED_BY(mutex_) = 0;
  TimeNs last_checkpoint_ COOLFLOW_GUARDED_BY(mutex_) = 0;
  SpoolStats stats_ COOLFLOW_GUARDED_BY(mutex_);
  std::vector<SpoolDamage> damage_ COOLFLOW_GUARDED_BY(mutex_);
  std::string scratch_ COOLFLOW_GUARDED_BY(mutex_);  // the record being appended
};

}  // namespace coolflow::agent
