// Reading one series out of the engine's sources (blocks, frozen memtables, the live
// memtable) and folding points or rollups into time buckets. Used by the engine's queries
// and by compaction.
//
// Sources are given oldest write first; where two hold a point at the same time the newer
// one wins (last write wins).
//
// Thread safety: the functions only read their arguments; blocks and memtables may be read by
// many threads at once.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/block/block.h"
#include "store/block/rollup.h"
#include "store/codec/chunk.h"
#include "store/engine/memtable.h"
#include "store/store.h"

namespace coolflow::store::engine {

struct BlockHandle {
  uint64_t seq = 0;      // write order: a higher seq holds newer writes
  TimeNs partition = 0;  // the start of the time partition it covers
  std::shared_ptr<const block::Block> block;
};

// One series' place in one source.
struct SeriesSource {
  const block::Block* block = nullptr;  // or
  const block::SeriesEntry* entry = nullptr;
  const MemSeries* memory = nullptr;
  TimeNs first_time = 0;
  TimeNs last_time = 0;
};

// Points of one series, times ascending and unique, values as bits of `type`.
struct SeriesData {
  std::vector<TimeNs> times;
  std::vector<uint64_t> bits;
  void clear() {
    times.clear();
    bits.clear();
  }
};

// Appends the points of a block column's [begin, end) as bits.
void AppendColumnBits(const codec::ValueColumn& column, size_t begin, size_t end,
                      std::vector<uint64_t>& bits);
// A column of `type` from bits.
codec::ValueColumn ColumnFromBits(codec::ValueType type, std::span<const uint64_t> bits);

// The points in [from, to) of one series from `sources` (oldest write first), merged.
Status CollectPoints(std::span<const SeriesSource> sources, TimeNs from, TimeNs to, SeriesData& out,
                     codec::DecodedChunk& scratch);

// Accumulates one bucket.
struct Accumulator {
  int64_t bucket = 0;  // bucket number: floor(start / step)
  uint64_t count = 0;
  double sum = 0;
  double min = 0;
  double max = 0;
  double last = 0;
  TimeNs last_time = 0;  // of `last`; exact for raw points, the bucket's end for rollups
  void Add(TimeNs time, double value);
  void Merge(const Accumulator& other);  // `other` holds the later points on ties
};

// The index of the first of the sorted `times` at or after t (from `begin`).
inline size_t LowerIndex(std::span<const TimeNs> times, TimeNs t, size_t begin = 0) {
  return static_cast<size_t>(
      std::lower_bound(times.begin() + static_cast<ptrdiff_t>(begin), times.end(), t) -
      times.begin());
}

// Floor division for bucket numbers of negative times.
inline int64_t FloorDiv(TimeNs t, TimeNs step) {
  int64_t q = t / step;
  if ((t % step != 0) && (t < 0)) --q;
  return q;
}

// Folds sorted points into `accs` (buckets ascending; points must not precede the last
// bucket's).
void FoldPoints(const SeriesData& data, codec::ValueType type, TimeNs step,
                std::vector<Accumulator>& accs);
// Folds rollup buckets (of a step dividing `step`) into `accs`.
void FoldRollups(std::span<const block::RollupBucket> buckets, TimeNs level_step, TimeNs step,
                 std::vector<Accumulator>& accs);
// Merges two bucket lists into one (both ascending).
void MergeAccumulators(std::vector<Accumulator>& into, const std::vector<Accumulator>& from);

// Buckets of one series for [from, to) at `step`, reading stored rollups where they are exact
// (whole rollup buckets, sources that do not overlap in time) and raw points elsewhere.
// `use_rollups` false: raw points only.
Status SeriesBuckets(std::span<const SeriesSource> sources, codec::ValueType type, TimeNs from,
                     TimeNs to, TimeNs step, bool use_rollups, std::vector<Accumulator>& out,
                     codec::DecodedChunk& scratch, SeriesData& data);

double Finish(const Accumulator& acc, AggregateFunction function);

}  // namespace coolflow::store::engine
