#include "hub/dedup.h"

#include <algorithm>
#include <cassert>

namespace coolflow::hub {

SequenceDedup::SequenceDedup(uint32_t window) : window_(std::max<uint32_t>(64, window / 64 * 64)) {}

bool SequenceDedup::Test(const Box& box, uint64_t seq) const {
  const uint64_t bit = seq % window_;
  return (box.bits[bit / 64] >> (bit % 64) & 1) != 0;
}

void SequenceDedup::Set(Box& box, uint64_t seq) {
  const uint64_t bit = seq % window_;
  box.bits[bit / 64] |= uint64_t{1} << (bit % 64);
}

void SequenceDedup::Clear(Box& box, uint64_t seq) {
  const uint64_t bit = seq % window_;
  box.bits[bit / 64] &= ~(uint64_t{1} << (bit % 64));
}

bool SequenceDedup::IsDuplicate(std::string_view box_id, uint64_t seq) {
  if (seq == 0) return false;
  ++stats_.checked;
  const auto it = boxes_.find(box_id);
  if (it == boxes_.end()) return false;
  const Box& box = it->second;
  if (seq > box.highest) return false;
  if (box.highest - seq >= window_) {
    ++stats_.too_old;
    return false;
  }
  if (!Test(box, seq)) return false;
  ++stats_.duplicates;
  return true;
}

void SequenceDedup::Commit(std::string_view box_id, uint64_t seq) {
  if (seq == 0) return;
  auto it = boxes_.find(box_id);
  if (it == boxes_.end()) {
    it = boxes_.emplace(std::string(box_id), Box{0, std::vector<uint64_t>(window_ / 64, 0)}).first;
    ++stats_.boxes;
  }
  Box& box = it->second;
  if (seq > box.highest) {
    const uint64_t jump = seq - box.highest;
    if (box.highest != 0 && jump > 1) {
      ++stats_.gaps;
      stats_.missing += jump - 1;
    }
    // The numbers now entering the window have not been seen: clear what their bits held.
    if (jump >= window_) {
      std::fill(box.bits.begin(), box.bits.end(), 0);
    } else {
      for (uint64_t n = box.highest + 1; n < seq; ++n)
        Clear(box, n);
    }
    box.highest = seq;
    Set(box, seq);
    return;
  }
  if (box.highest - seq < window_ && !Test(box, seq)) {
    ++stats_.late;
    Set(box, seq);
  }
}

}  // namespace coolflow::hub
