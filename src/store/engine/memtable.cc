#include "store/engine/memtable.h"

#include <algorithm>
#include <numeric>

namespace coolflow::store::engine {
namespace {

constexpr uint32_t kFirstSegment = 16;
constexpr uint32_t kLargestSegment = 8192;

}  // namespace

MemSeries::Segment::Segment(uint32_t capacity_)
    : capacity(capacity_),
      times(std::make_unique_for_overwrite<TimeNs[]>(capacity_)),
      bits(std::make_unique_for_overwrite<uint64_t[]>(capacity_)) {}

MemSeries::MemSeries() : head_(std::make_unique<Segment>(kFirstSegment)), tail_(head_.get()) {}

MemSeries::~MemSeries() = default;

void MemSeries::Append(TimeNs time, uint64_t bits) {
  uint32_t n = tail_->size.load(std::memory_order_relaxed);
  if (n == tail_->capacity) {
    auto next = std::make_unique<Segment>(std::min(tail_->capacity * 2, kLargestSegment));
    Segment* raw = next.get();
    owned_.push_back(std::move(next));
    tail_->next.store(raw, std::memory_order_release);
    tail_ = raw;
    n = 0;
  }
  tail_->times[n] = time;
  tail_->bits[n] = bits;
  const uint64_t size = size_.load(std::memory_order_relaxed);
  if (size == 0 || time < min_time_.load(std::memory_order_relaxed)) {
    min_time_.store(time, std::memory_order_relaxed);
  }
  if (size == 0 || time > max_time_.load(std::memory_order_relaxed)) {
    max_time_.store(time, std::memory_order_relaxed);
  }
  tail_->size.store(n + 1, std::memory_order_release);
  size_.store(size + 1, std::memory_order_release);
}

void MemSeries::Collect(TimeNs from, TimeNs to, std::vector<TimeNs>& times,
                        std::vector<uint64_t>& bits) const {
  const size_t start = times.size();
  bool sorted = true;
  TimeNs previous = 0;
  bool any = false;
  for (const Segment* segment = head_.get(); segment != nullptr;
       segment = segment->next.load(std::memory_order_acquire)) {
    const uint32_t n = segment->size.load(std::memory_order_acquire);
    for (uint32_t i = 0; i < n; ++i) {
      const TimeNs t = segment->times[i];
      if (t < from || t >= to) continue;
      if (any && t <= previous) sorted = false;
      previous = t;
      any = true;
      times.push_back(t);
      bits.push_back(segment->bits[i]);
    }
  }
  if (sorted) return;
  // Out of order or rewritten: sort by time, keeping application order among equal times,
  // then keep the last of each time.
  const size_t n = times.size() - start;
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return times[start + a] < times[start + b]; });
  std::vector<TimeNs> sorted_times;
  std::vector<uint64_t> sorted_bits;
  sorted_times.reserve(n);
  sorted_bits.reserve(n);
  for (uint32_t i : order) {
    const TimeNs t = times[start + i];
    if (!sorted_times.empty() && sorted_times.back() == t) {
      sorted_bits.back() = bits[start + i];
    } else {
      sorted_times.push_back(t);
      sorted_bits.push_back(bits[start + i]);
    }
  }
  times.resize(start);
  bits.resize(start);
  times.insert(times.end(), sorted_times.begin(), sorted_times.end());
  bits.insert(bits.end(), sorted_bits.begin(), sorted_bits.end());
}

Memtable::Memtable() = default;

Memtable::~Memtable() = default;

MemSeries& Memtable::GetOrCreate(uint32_t id) {
  if (MemSeries* series = series_.Get(id); series != nullptr) return *series;
  auto fresh = std::make_unique<MemSeries>();
  MemSeries* series = fresh.get();
  owned_series_.push_back(std::move(fresh));
  ids_.push_back(id);
  series_.Set(id, series);
  return *series;
}

std::vector<uint32_t> Memtable::SortedIds() const {
  std::vector<uint32_t> ids = ids_;
  std::sort(ids.begin(), ids.end());
  return ids;
}

const MemSeries* Memtable::Get(uint32_t id) const {
  return series_.Get(id);
}

}  // namespace coolflow::store::engine
