#include "store/engine/query.h"

#include <algorithm>
#include <bit>
#include <numeric>

#include "store/engine/series_index.h"

namespace coolflow::store::engine {
namespace {

// Appends the points of one block entry in [from, to) to `out`.
Status CollectBlock(const SeriesSource& source, TimeNs from, TimeNs to, SeriesData& out,
                    codec::DecodedChunk& scratch) {
  for (const block::ChunkRef& chunk : source.entry->chunks) {
    if (chunk.last_time < from || chunk.first_time >= to) continue;
    if (Status s = source.block->ReadChunk(*source.entry, chunk, scratch); !s.ok()) return s;
    const auto& times = scratch.times;
    const size_t begin = LowerIndex(times, from);
    const size_t end = LowerIndex(times, to);
    out.times.insert(out.times.end(), times.begin() + static_cast<ptrdiff_t>(begin),
                     times.begin() + static_cast<ptrdiff_t>(end));
    AppendColumnBits(scratch.values, begin, end, out.bits);
  }
  return Status::Ok();
}

// Sorts `data` by time, keeping the last of equal times (appended oldest source first).
void SortKeepingLast(SeriesData& data) {
  const size_t n = data.times.size();
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return data.times[a] < data.times[b]; });
  SeriesData sorted;
  sorted.times.reserve(n);
  sorted.bits.reserve(n);
  for (uint32_t i : order) {
    if (!sorted.times.empty() && sorted.times.back() == data.times[i]) {
      sorted.bits.back() = data.bits[i];
    } else {
      sorted.times.push_back(data.times[i]);
      sorted.bits.push_back(data.bits[i]);
    }
  }
  data = std::move(sorted);
}

// Whether the sources' time ranges are pairwise disjoint.
bool Disjoint(std::span<const SeriesSource> sources, std::vector<size_t>& by_time) {
  by_time.resize(sources.size());
  std::iota(by_time.begin(), by_time.end(), size_t{0});
  std::sort(by_time.begin(), by_time.end(),
            [&](size_t a, size_t b) { return sources[a].first_time < sources[b].first_time; });
  for (size_t i = 1; i < by_time.size(); ++i) {
    if (sources[by_time[i]].first_time <= sources[by_time[i - 1]].last_time) return false;
  }
  return true;
}

// The buckets of `level` held in [from, to) by one source: stored rollups, the minute level
// re-bucketed, or computed from raw points.
Status SourceRollup(const SeriesSource& source, codec::ValueType type, block::RollupLevel level,
                    TimeNs from, TimeNs to, std::vector<block::RollupBucket>& out,
                    codec::DecodedChunk& scratch, SeriesData& data) {
  out.clear();
  const auto keep_range = [&](std::vector<block::RollupBucket> buckets) {
    for (const block::RollupBucket& b : buckets) {
      if (b.start >= from && b.start < to) out.push_back(b);
    }
  };
  if (source.entry != nullptr) {
    const auto stored = [&](block::RollupLevel l) {
      return source.entry->rollups[static_cast<size_t>(l)].size != 0;
    };
    if (stored(level)) {
      auto buckets = source.block->ReadRollup(*source.entry, level);
      if (!buckets.ok()) return buckets.status();
      keep_range(std::move(*buckets));
      return Status::Ok();
    }
    if (level == block::RollupLevel::kHour && stored(block::RollupLevel::kMinute)) {
      auto minutes = source.block->ReadRollup(*source.entry, block::RollupLevel::kMinute);
      if (!minutes.ok()) return minutes.status();
      const TimeNs step = block::RollupStep(level);
      std::vector<block::RollupBucket> hours;
      for (const block::RollupBucket& m : *minutes) {
        block::RollupBucket h = m;
        h.start = block::BucketStart(m.start, step);
        block::MergeRollups(hours, std::span<const block::RollupBucket>(&h, 1));
      }
      keep_range(std::move(hours));
      return Status::Ok();
    }
  }
  data.clear();
  if (Status s = CollectPoints(std::span<const SeriesSource>(&source, 1), from, to, data, scratch);
      !s.ok()) {
    return s;
  }
  if (data.times.empty()) return Status::Ok();
  out = block::ComputeRollup(data.times, ColumnFromBits(type, data.bits), block::RollupStep(level));
  return Status::Ok();
}

}  // namespace

void AppendColumnBits(const codec::ValueColumn& column, size_t begin, size_t end,
                      std::vector<uint64_t>& bits) {
  std::visit(
      [&](const auto& values) {
        using T = typename std::decay_t<decltype(values)>::value_type;
        for (size_t i = begin; i < end; ++i) {
          if constexpr (std::is_same_v<T, double>) {
            bits.push_back(std::bit_cast<uint64_t>(values[i]));
          } else if constexpr (std::is_same_v<T, bool>) {
            bits.push_back(values[i] ? 1 : 0);
          } else {
            bits.push_back(static_cast<uint64_t>(values[i]));
          }
        }
      },
      column);
}

codec::ValueColumn ColumnFromBits(codec::ValueType type, std::span<const uint64_t> bits) {
  switch (type) {
    case codec::ValueType::kDouble: {
      std::vector<double> v(bits.size());
      for (size_t i = 0; i < bits.size(); ++i)
        v[i] = std::bit_cast<double>(bits[i]);
      return v;
    }
    case codec::ValueType::kInt64: {
      std::vector<int64_t> v(bits.size());
      for (size_t i = 0; i < bits.size(); ++i)
        v[i] = static_cast<int64_t>(bits[i]);
      return v;
    }
    case codec::ValueType::kUint64:
      return std::vector<uint64_t>(bits.begin(), bits.end());
    case codec::ValueType::kBool: {
      std::vector<bool> v(bits.size());
      for (size_t i = 0; i < bits.size(); ++i)
        v[i] = bits[i] != 0;
      return v;
    }
  }
  return std::vector<double>();
}

Status CollectPoints(std::span<const SeriesSource> sources, TimeNs from, TimeNs to, SeriesData& out,
                     codec::DecodedChunk& scratch) {
  out.clear();
  bool sorted = true;
  for (const SeriesSource& source : sources) {
    if (source.last_time < from || source.first_time >= to) continue;
    const size_t before = out.times.size();
    if (source.entry != nullptr) {
      if (Status s = CollectBlock(source, from, to, out, scratch); !s.ok()) return s;
    } else {
      source.memory->Collect(from, to, out.times, out.bits);
    }
    if (before > 0 && out.times.size() > before && out.times[before] <= out.times[before - 1]) {
      sorted = false;
    }
  }
  if (!sorted) SortKeepingLast(out);
  return Status::Ok();
}

void Accumulator::Add(TimeNs time, double value) {
  if (count == 0) {
    min = max = value;
  } else {
    min = std::min(min, value);
    max = std::max(max, value);
  }
  ++count;
  sum += value;
  if (count == 1 || time >= last_time) {
    last = value;
    last_time = time;
  }
}

void Accumulator::Merge(const Accumulator& other) {
  if (other.count == 0) return;
  if (count == 0) {
    *this = other;
    return;
  }
  min = std::min(min, other.min);
  max = std::max(max, other.max);
  count += other.count;
  sum += other.sum;
  if (other.last_time >= last_time) {
    last = other.last;
    last_time = other.last_time;
  }
}

void FoldPoints(const SeriesData& data, codec::ValueType type, TimeNs step,
                std::vector<Accumulator>& accs) {
  for (size_t i = 0; i < data.times.size(); ++i) {
    const int64_t bucket = FloorDiv(data.times[i], step);
    if (accs.empty() || accs.back().bucket != bucket) {
      accs.push_back(Accumulator{.bucket = bucket});
    }
    accs.back().Add(data.times[i], ValueBitsAsDouble(type, data.bits[i]));
  }
}

void FoldRollups(std::span<const block::RollupBucket> buckets, TimeNs level_step, TimeNs step,
                 std::vector<Accumulator>& accs) {
  for (const block::RollupBucket& b : buckets) {
    Accumulator acc{.bucket = FloorDiv(b.start, step),
                    .count = b.count,
                    .sum = b.sum,
                    .min = b.min,
                    .max = b.max,
                    .last = b.last,
                    .last_time = b.start + level_step - 1};
    if (accs.empty() || accs.back().bucket != acc.bucket) {
      accs.push_back(acc);
    } else {
      accs.back().Merge(acc);
    }
  }
}

void MergeAccumulators(std::vector<Accumulator>& into, const std::vector<Accumulator>& from) {
  std::vector<Accumulator> merged;
  merged.reserve(into.size() + from.size());
  size_t i = 0;
  size_t j = 0;
  while (i < into.size() || j < from.size()) {
    if (j == from.size() || (i < into.size() && into[i].bucket < from[j].bucket)) {
      merged.push_back(into[i++]);
    } else if (i == into.size() || from[j].bucket < into[i].bucket) {
      merged.push_back(from[j++]);
    } else {
      merged.push_back(into[i++]);
      merged.back().Merge(from[j++]);
    }
  }
  into = std::move(merged);
}

Status SeriesBuckets(std::span<const SeriesSource> sources, codec::ValueType type, TimeNs from,
                     TimeNs to, TimeNs step, bool use_rollups, std::vector<Accumulator>& out,
                     codec::DecodedChunk& scratch, SeriesData& data) {
  out.clear();
  // The coarsest rollup level whose buckets tile the query's.
  std::optional<block::RollupLevel> level;
  for (block::RollupLevel l : {block::RollupLevel::kHour, block::RollupLevel::kMinute}) {
    if (use_rollups && step % block::RollupStep(l) == 0 && from % block::RollupStep(l) == 0) {
      level = l;
      break;
    }
  }
  std::vector<size_t> by_time;
  if (level.has_value() && Disjoint(sources, by_time)) {
    const TimeNs level_step = block::RollupStep(*level);
    const TimeNs whole_end = block::BucketStart(to, level_step);  // rollups below, raw above
    std::vector<block::RollupBucket> merged;
    std::vector<block::RollupBucket> part;
    for (size_t i : by_time) {
      const SeriesSource& source = sources[i];
      if (source.last_time < from || source.first_time >= whole_end) continue;
      if (Status s = SourceRollup(source, type, *level, from, whole_end, part, scratch, data);
          !s.ok()) {
        return s;
      }
      block::MergeRollups(merged, part);
    }
    FoldRollups(merged, level_step, step, out);
    if (whole_end < to) {
      if (Status s = CollectPoints(sources, std::max(from, whole_end), to, data, scratch);
          !s.ok()) {
        return s;
      }
      FoldPoints(data, type, step, out);
    }
    return Status::Ok();
  }
  if (Status s = CollectPoints(sources, from, to, data, scratch); !s.ok()) return s;
  FoldPoints(data, type, step, out);
  return Status::Ok();
}

double Finish(const Accumulator& acc, AggregateFunction function) {
  switch (function) {
    case AggregateFunction::kMean:
      return acc.sum / static_cast<double>(acc.count);
    case AggregateFunction::kMin:
      return acc.min;
    case AggregateFunction::kMax:
      return acc.max;
    case AggregateFunction::kCount:
      return static_cast<double>(acc.count);
    case AggregateFunction::kLast:
      return acc.last;
    case AggregateFunction::kSum:
      return acc.sum;
  }
  return 0;
}

}  // namespace coolflow::store::engine
