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

SequenceDedup::Box* SequenceDedup::Find(std::string_view box_id) {
  if (last_id_ != nullptr && *last_id_ == box_id) return last_box_;
  const auto it = boxes_.find(box_id);
  if (it == boxes_.end()) return nullptr;
  last_id_ = &it->first;
  last_box_ = &it->second;
  return last_box_;
}

bool SequenceDedup::IsDuplicate(std::string_view box_id, uint64_t seq) {
  if (seq == 0) return false;
  ++stats_.checked;
  const Box* found = Find(box_id);
  if (found == nullptr) return false;
  const Box& box = *found;
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
  Box* found = Find(box_id);
  if (found == nullptr) {
    const auto it =
        boxes_.emplace(std::string(box_id), Box{0, std::vector<uint64_t>(window_ / 64, 0)}).first;
    ++stats_.boxes;
    last_id_ = &it->first;
    last_box_ = &it->second;
    found = last_box_;
  }
  Box& box = *found;
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

void RoundSequences::Reset(size_t readings) {
  // At most half full, so a probe ends soon.
  size_t capacity = 64;
  while (capacity < 2 * readings)
    capacity <<= 1;
  slots_.assign(capacity, kEmpty);
}

bool RoundSequences::Repeats(const std::vector<reading::Reading>& gathered,
                             const reading::Reading& reading, uint32_t index) {
  const size_t mask = slots_.size() - 1;
  size_t at =
      (std::hash<std::string_view>{}(reading.box) ^ (reading.seq * 0x9E3779B97F4A7C15ull)) & mask;
  while (slots_[at] != kEmpty) {
    const reading::Reading& other = gathered[slots_[at]];
    if (other.seq == reading.seq && other.box == reading.box) return true;
    at = (at + 1) & mask;
  }
  slots_[at] = index;
  return false;
}

}  // namespace coolflow::hub
