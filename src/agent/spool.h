// The agent's store-and-forward spool: every message the agent delivers is appended here
// first and leaves only once the broker acknowledged it, so nothing is lost while the
// broker is away, when the agent is killed, or when the box reboots (up to the last sync).
//
// On disk (docs/spool-format.md): a folder of segment files, each a sequence of
// checksummed records, plus a small checkpoint file naming the oldest unacknowledged record.
// Appends go to the newest segment; a segment is deleted once every record in it is
// acknowledged. The spool is bounded in bytes: when an append would pass the bound, the
// oldest segment is dropped whole (acknowledged or not) and its unacknowledged records are
// counted as dropped. Opening a spool after a crash keeps every whole record and truncates
// a torn one at the tail (counted).
//
// Thread safety: all methods may be called from any thread (one internal mutex).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "transport/transport.h"

namespace coolflow::agent {

struct SpoolOptions {
  std::filesystem::path dir;            // created when missing
  uint64_t max_bytes = 64ull << 20;     // the bound on all segments together
  uint64_t segment_bytes = 1ull << 20;  // a new segment starts past this size
  // How often appended data and the checkpoint are fsync'ed; 0 = on every append. Data
  // written is safe from a killed process at once (it is in the page cache); the interval
  // bounds what a power cut can take.
  TimeNs sync_interval = kNanosPerSecond;
  // How often acknowledgements reach the checkpoint when appends trigger the sync: each
  // checkpoint is a file rewrite and two fsyncs, so it is written less often than the data
  // is synced. Bounds what is delivered again after a crash, never what is lost. An explicit
  // Sync() always writes it.
  TimeNs checkpoint_interval = 10 * kNanosPerSecond;
};

struct SpoolStats {
  uint64_t appended = 0;      // records appended since Open
  uint64_t acknowledged = 0;  // records acknowledged since Open
  uint64_t dropped = 0;       // unacknowledged records dropped because the spool was full
  uint64_t torn = 0;          // damaged records found at Open and cut off
  uint64_t depth = 0;         // records appended and not yet acknowledged (all of them)
  uint64_t bytes = 0;         // bytes on disk in segments
};

// A record read back for delivery.
struct SpoolRecord {
  uint64_t id = 0;  // position in the spool: strictly increasing, never reused
  transport::Message message;
};

class Spool {
 public:
  // Opens (or creates) the spool in options.dir and recovers its state: records after the
  // checkpoint are unacknowledged and will be read again. The highest sequence number ever
  // reserved per box (see ReserveSeq) survives too. Fails on an unreadable folder or a checkpoint
  // that does not match the segments (Corruption, with the file named).
  static Result<std::unique_ptr<Spool>> Open(const SpoolOptions& options, const Clock& clock);

  virtual ~Spool() = default;

  // Reserves `count` consecutive sequence numbers of `box` for the readings of one message
  // and returns the first. Each box (the agent's own, and every server it polls) has its own
  // numbers, so the hub de-duplicates by (box, seq) and tells a gap from silence per box.
  // Numbers start at 1, increase across restarts and are never handed out twice, even if the
  // process dies before the message is appended (a gap then, never a repeat).
  virtual uint64_t ReserveSeq(std::string_view box, uint64_t count) = 0;

  // Appends a message. Fails only on an I/O error (disk full, folder removed): later
  // appends fail too, as they would write after a hole.
  virtual Status Append(const transport::Message& message) = 0;

  // The next record not yet handed out by Next since Open or the last Rewind, in append
  // order; nullopt when there is none.
  virtual std::optional<SpoolRecord> Next() = 0;

  // Marks record `id` acknowledged. Acknowledgements may come out of order; the checkpoint
  // advances over the oldest run of acknowledged records.
  virtual void Acknowledge(uint64_t id) = 0;

  // Makes Next start again from the oldest unacknowledged record (after the transport gave
  // up on a message, or reconnected without its in-flight messages).
  virtual void Rewind() = 0;

  // Fsyncs what was appended and the checkpoint now.
  virtual Status Sync() = 0;

  virtual SpoolStats stats() const = 0;
};

}  // namespace coolflow::agent
