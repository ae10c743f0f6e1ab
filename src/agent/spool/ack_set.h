// Which records above the spool's floor were acknowledged out of order: one bit per id from
// a base up, so even a spool full of small records (64 MiB of 40-byte records) costs about
// 200 KiB, where a node-based set would cost tens of megabytes.
//
// Thread safety: none; the spool's mutex guards it.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <deque>

namespace coolflow::agent::spool {

class AckSet {
 public:
  // Nothing acknowledged; ids below `base` are not tracked.
  void Reset(uint64_t base) {
    words_.clear();
    base_ = base - base % kBitsPerWord;
  }

  bool Contains(uint64_t id) const {
    if (id < base_) return false;
    const uint64_t word = (id - base_) / kBitsPerWord;
    return word < words_.size() && (words_[word] & Bit(id)) != 0;
  }

  // Adds `id`; ids below the base are ignored.
  void Insert(uint64_t id) {
    if (id < base_) return;
    const uint64_t word = (id - base_) / kBitsPerWord;
    if (word >= words_.size()) words_.resize(word + 1, 0);
    words_[word] |= Bit(id);
  }

  // Forgets every id below `id` (the floor moved past them).
  void DiscardBelow(uint64_t id) {
    while (!words_.empty() && base_ + kBitsPerWord <= id) {
      words_.pop_front();
      base_ += kBitsPerWord;
    }
    if (words_.empty()) {
      base_ = id - id % kBitsPerWord;
    } else if (id > base_) {
      words_.front() &= ~(Bit(id) - 1);  // the bits of base_ .. id - 1
    }
  }

  // How many ids in [first, end) it holds.
  uint64_t CountIn(uint64_t first, uint64_t end) const {
    first = std::max(first, base_);
    end = std::min(end, base_ + words_.size() * kBitsPerWord);
    uint64_t count = 0;
    for (uint64_t id = first; id < end;) {
      if ((id - base_) % kBitsPerWord == 0 && id + kBitsPerWord <= end) {
        count += static_cast<uint64_t>(std::popcount(words_[(id - base_) / kBitsPerWord]));
        id += kBitsPerWord;
      } else {
        count += Contains(id) ? 1u : 0u;
        ++id;
      }
    }
    return count;
  }

 private:
  static constexpr uint64_t kBitsPerWord = 64;
  static uint64_t Bit(uint64_t id) { return uint64_t{1} << (id % kBitsPerWord); }

  uint64_t base_ = 0;  // a multiple of kBitsPerWord: the id of bit 0 of words_[0]
  std::deque<uint64_t> words_;
};

}  // namespace coolflow::agent::spool
