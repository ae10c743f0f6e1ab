// The memtable: the points acknowledged since the last flush, per series, in the order they
// were applied (the WAL's order). One writer appends (the engine's apply turn); any number
// of readers copy points out at the same time without waiting: each series is a chain of
// segments that are never moved, whose sizes are published with release stores.
//
// Points of a series usually arrive in time order. A point older than or as old as the
// series' newest is still appended; readers sort what they copy and keep the last write of
// each time (Collect).
//
// Thread safety: Append/GetOrCreate from one thread at a time; everything else from any
// thread. A frozen memtable (no more appends) is read by the flush and by queries alike.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "store/codec/chunk.h"
#include "store/engine/paged_array.h"
#include "store/engine/series_index.h"

namespace coolflow::store::engine {

class MemSeries {
 public:
  MemSeries();
  ~MemSeries();
  MemSeries(const MemSeries&) = delete;
  MemSeries& operator=(const MemSeries&) = delete;

  // Writer only.
  void Append(TimeNs time, uint64_t bits);

  // The points in [from, to), sorted by time, one per time (the last applied wins), appended
  // to `times` and `bits`.
  void Collect(TimeNs from, TimeNs to, std::vector<TimeNs>& times,
               std::vector<uint64_t>& bits) const;

  uint64_t size() const { return size_.load(std::memory_order_acquire); }
  // Meaningful once size() > 0.
  TimeNs min_time() const { return min_time_.load(std::memory_order_acquire); }
  TimeNs max_time() const { return max_time_.load(std::memory_order_acquire); }

 private:
  struct Segment {
    explicit Segment(uint32_t capacity);
    const uint32_t capacity;
    std::unique_ptr<TimeNs[]> times;
    std::unique_ptr<uint64_t[]> bits;
    std::atomic<uint32_t> size{0};
    std::atomic<Segment*> next{nullptr};
  };

  std::unique_ptr<Segment> head_;
  Segment* tail_ = nullptr;                      // writer only
  std::vector<std::unique_ptr<Segment>> owned_;  // writer only; freed with the series
  std::atomic<uint64_t> size_{0};
  std::atomic<TimeNs> min_time_{0};
  std::atomic<TimeNs> max_time_{0};
};

class Memtable {
 public:
  Memtable();
  ~Memtable();
  Memtable(const Memtable&) = delete;
  Memtable& operator=(const Memtable&) = delete;

  // Writer only: the series' slot, made on first use.
  MemSeries& GetOrCreate(uint32_t id);
  // Writer only, or any thread once frozen: the ids with points, ascending.
  std::vector<uint32_t> SortedIds() const;

  // Any thread: nullptr when the series has no point here.
  const MemSeries* Get(uint32_t id) const;
  uint64_t points() const { return points_.load(std::memory_order_acquire); }
  void AddPoints(uint64_t n) { points_.fetch_add(n, std::memory_order_release); }

  // The WAL seq of the last record applied, set when the memtable is frozen: every record up
  // to it is in this memtable or an older one.
  uint64_t last_seq = 0;

 private:
  PagedArray<MemSeries, kMaxSeries> series_;
  std::vector<std::unique_ptr<MemSeries>> owned_series_;  // writer only
  std::vector<uint32_t> ids_;                             // writer only
  std::atomic<uint64_t> points_{0};
};

}  // namespace coolflow::store::engine
