// Reading a WAL directory back: the scan behind recovery on open, `coolflow store check` and
// Repair, and the replay of records.
//
// Rules (docs/store-wal.md, "Recovery"):
// - Every segment header and every record's header and payload checksums are verified, and
//   sequence numbers must run on without a gap, across segments too.
// - A bad record (or a missing/partial header) in the LAST segment after which no valid
//   record follows is a torn tail: the remains of a write the crash cut short, never
//   acknowledged under kPerBatch (the writer syncs before it acknowledges and seals a segment
//   before the next one gets records). Repair (and Open) truncate it; a last segment whose
//   header itself is torn is removed.
// - Anything else is corruption: a bad record in a sealed segment, a bad record followed by
//   a valid one, a sequence gap, a header naming another seq than the file. It is reported
//   precisely (segment, offset, why, how many valid records follow) and never repaired:
//   nothing after it is dropped silently.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/wal/file_system.h"

namespace coolflow::store::wal {

// One problem the scan found.
struct WalProblem {
  std::string segment;       // the segment's path
  uint64_t offset = 0;       // where in the segment the bad bytes start
  uint64_t bytes = 0;        // bytes from `offset` to the end of the segment
  std::string why;           // "payload checksum mismatch", "record seq 7, expected 6", ...
  bool torn_tail = false;    // provably a cut-short write: Repair truncates it
  uint64_t valid_after = 0;  // corruption only: valid records found after it in the segment

  // "<segment> offset <n>: <why> (torn tail: <b> bytes)" or
  // "<segment> offset <n>: <why> (corruption; <k> valid records follow: not repaired)".
  std::string ToString() const;
};

// What a scan (or a recovery) found.
struct RecoveryReport {
  size_t segments = 0;
  uint64_t records = 0;    // valid records before any corruption
  uint64_t first_seq = 0;  // of the first valid record; 0 when there is none
  uint64_t last_seq = 0;   // of the last valid record; 0 when there is none
  std::vector<WalProblem> problems;
  // Set by Repair / Open: bytes cut from torn tails and segments removed.
  uint64_t bytes_dropped = 0;
  bool repaired = false;

  bool clean() const { return problems.empty(); }
  // Whether a problem is corruption (not a torn tail).
  bool has_corruption() const;
  // The first corruption, as an error; Ok when there is none.
  Status CorruptionStatus() const;
  // A few lines for `coolflow store check`.
  std::string ToString() const;
};

// Called for each record in order; a non-Ok return stops the walk and is returned.
using RecordCallback = std::function<Status(uint64_t seq, std::string_view payload)>;

// Scans the WAL in `dir` without changing anything. IOError when a file cannot be read;
// problems in the data are in the report, not the Status.
Result<RecoveryReport> Check(const std::string& dir, FileSystem& fs);

// As Check, then truncates a torn tail (removes a last segment whose header is torn) and
// syncs. Corruption is reported and left alone.
Result<RecoveryReport> Repair(const std::string& dir, FileSystem& fs);

// Calls `fn` for every valid record with seq > after_seq, in order. A torn tail ends the walk
// quietly; corruption returns Corruption naming segment, offset and why, after the records
// before it were delivered.
Status ReplayDirectory(const std::string& dir, FileSystem& fs, uint64_t after_seq,
                       const RecordCallback& fn);

// The segments of `dir`, sorted by first seq, as (first seq, path).
struct SegmentRef {
  uint64_t first_seq = 0;
  std::string path;
};
Result<std::vector<SegmentRef>> ListSegments(const std::string& dir, FileSystem& fs);

}  // namespace coolflow::store::wal
