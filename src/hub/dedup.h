// De-duplication of readings by (box, sequence number). Every agent numbers its readings
// 1, 2, 3... and keeps the numbers across restarts; a message the broker delivers twice (the
// agent's spool replays what it did not see acknowledged, a broker redelivers to a session)
// carries the same numbers again. The hub stores a reading once and counts the copies.
//
// Each box has a window of the last `window` sequence numbers above its highest one seen; a
// number inside it is a duplicate when its bit is set. A number below the window is older
// than anything tracked: it is let through (the store's last-write-wins makes a copy of an
// old reading harmless) and counted as `too_old`. A jump forward leaves the numbers skipped
// as a gap (counted once; a late arrival inside the window still fills it). Readings without
// a number (seq 0: line protocol, the seed's formats) always pass.
//
// Two phases, so a batch the store refuses can be retried: Check marks nothing; Commit
// records what was stored.
//
// Memory: window / 8 bytes per box (512 bytes at the default), so 10,000 boxes take 5 MB.
// The window is not persisted: after a restart the first copy of each reading passes again
// (and is stored again, harmlessly).
//
// Thread safety: none; the pipeline's thread owns it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "reading/reading.h"

namespace coolflow::hub {

struct DedupStats {
  uint64_t checked = 0;     // readings with a sequence number
  uint64_t duplicates = 0;  // refused as copies
  uint64_t too_old = 0;     // below a box's window: passed unchecked
  uint64_t gaps = 0;        // forward jumps that skipped numbers
  uint64_t missing = 0;     // numbers skipped by those jumps
  uint64_t late = 0;        // skipped numbers that arrived later (so missing - late are lost
                            // or still on their way)
  uint64_t boxes = 0;
};

class SequenceDedup {
 public:
  // `window`: how many numbers below the highest seen stay tracked; a multiple of 64, >= 64.
  explicit SequenceDedup(uint32_t window = 4096);

  // Whether (box, seq) was committed before. seq 0 is never a duplicate.
  bool IsDuplicate(std::string_view box, uint64_t seq);
  // Records (box, seq) as stored.
  void Commit(std::string_view box, uint64_t seq);

  const DedupStats& stats() const { return stats_; }

 private:
  struct Box {
    uint64_t highest = 0;        // the highest number committed; 0: none yet
    std::vector<uint64_t> bits;  // bit (n % window) set: n committed, for n in the window
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // The box `box_id` names, or nullptr when it has none yet; remembers the last one found,
  // since consecutive readings mostly come from one box (one agent's message).
  Box* Find(std::string_view box_id);
  bool Test(const Box& box, uint64_t seq) const;
  void Set(Box& box, uint64_t seq);
  void Clear(Box& box, uint64_t seq);

  uint32_t window_;
  std::unordered_map<std::string, Box, Hash, std::equal_to<>> boxes_;
  // The last box Find returned: its key and value live in boxes_, whose nodes never move.
  const std::string* last_id_ = nullptr;
  Box* last_box_ = nullptr;
  DedupStats stats_;
};

// The (box, seq) pairs of the readings gathered for one store write, to find a reading that
// repeats one gathered before it (two copies of a message in one round): an open-addressing
// table of indices into the round's readings, kept from round to round, so a reading costs a
// hash and no allocation.
//
// Thread safety: none; the pipeline's committing thread owns it.
class RoundSequences {
 public:
  // Starts a round of at most `readings` readings.
  void Reset(size_t readings);
  // Whether `reading` (seq != 0) repeats the (box, seq) of one of `gathered`; if not, notes
  // that it will be gathered[index] (the caller appends it next). Readings never move
  // within `gathered` during a round.
  bool Repeats(const std::vector<reading::Reading>& gathered, const reading::Reading& reading,
               uint32_t index);

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  std::vector<uint32_t> slots_;  // indices into the round's readings; a power of two
};

}  // namespace coolflow::hub
