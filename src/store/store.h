// The time-series store: where the hub keeps every reading. Two implementations share this
// interface and one conformance suite (tests/store/): the embedded engine (src/store/engine/,
// the default) and InfluxDB 1.x over its HTTP API (src/store/influxdb/), for a site that
// already runs InfluxDB.
//
// Data model (InfluxDB's): a series is a measurement, its tags (the reading's box is the
// tag `box`, reading::kBoxTag) and one field (the reading's metric). A point is a time and
// a value. Values are numbers (double, int64, uint64) or booleans; a reading whose value is
// a string is refused by Append with the reason, and the rest of the batch is kept.
//
// Durability: Append returns once the batch is durable under the store's fsync policy
// (engine: per batch by default; InfluxDB: once it answered 204). A batch is written whole
// or not at all. Points with the same series and time replace each other (last write wins).
//
// Thread safety: every method may be called from any thread concurrently; readers never
// block writers.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "reading/reading.h"

namespace coolflow::store {

// Which series a query reads: one measurement, optionally one field, and tag equalities
// (all must hold). {"temp", "temperature", {{"rack", "r01"}}}: every box's temperature in
// rack r01.
struct Selector {
  std::string measurement;                 // required
  std::string field;                       // empty: every field
  std::vector<reading::Tag> tags;          // key = value; an empty value matches a missing tag
  friend bool operator==(const Selector&, const Selector&) = default;
};

// A series as stored: measurement, sorted tags (box included), field.
struct SeriesId {
  std::string measurement;
  reading::TagSet tags;
  std::string field;
  // "temp,box=pi-1,rack=r01 temperature": InfluxDB's series key and the field.
  std::string ToString() const;
  friend bool operator==(const SeriesId&, const SeriesId&) = default;
  friend auto operator<=>(const SeriesId&, const SeriesId&) = default;
};

// Stored values: a boolean reads back as 0 or 1 from aggregates, as itself from Last/Range.
using Value = std::variant<double, int64_t, uint64_t, bool>;

struct Point {
  TimeNs time = 0;
  Value value = 0.0;
  friend bool operator==(const Point&, const Point&) = default;
};

// One series and its points, oldest first.
struct SeriesPoints {
  SeriesId series;
  std::vector<Point> points;
};

// What a bucket holds: InfluxQL's MEAN, MIN, MAX, COUNT, LAST, SUM.
enum class AggregateFunction { kMean, kMin, kMax, kCount, kLast, kSum };

// One time bucket [start, start + step) of an aggregate query. Buckets with no point are
// left out.
struct Bucket {
  TimeNs start = 0;
  double value = 0;    // the aggregate
  uint64_t count = 0;  // points in the bucket
};

// The buckets of one group: the group's tag values (group_by keys, in order; "" for a
// series without the tag) and, when not grouping, the series itself.
struct GroupBuckets {
  std::vector<reading::Tag> group;   // empty when not grouping
  std::optional<SeriesId> series;    // set when not grouping: one result per series
  std::vector<Bucket> buckets;       // oldest first
};

struct AggregateQuery {
  Selector selector;
  TimeNs from = 0;  // inclusive; aligned down to a multiple of step (since the epoch)
  TimeNs to = 0;    // exclusive
  TimeNs step = 0;  // bucket width, > 0
  AggregateFunction function = AggregateFunction::kMean;
  // Empty: one result per series. Otherwise the series are merged per distinct values of
  // these tag keys (e.g. {"rack"}: the mean of every inlet in each rack).
  std::vector<std::string> group_by;
};

// What Append did with a batch: how many points were stored, and why each refused reading
// was refused (its index in the batch).
struct AppendResult {
  size_t stored = 0;
  struct Refused {
    size_t index = 0;
    std::string why;
  };
  std::vector<Refused> refused;
};

class Store {
 public:
  virtual ~Store() = default;

  // Stores the batch's readings, durably by the time it returns Ok. Readings the store
  // cannot hold (a string value, an empty measurement or field) are refused one by one in
  // the result; an error Status means nothing of the batch was stored (disk full, a failed
  // fsync, InfluxDB unreachable after its retries): the caller still has it.
  virtual Result<AppendResult> Append(std::span<const reading::Reading> batch) = 0;

  // The newest point of every series the selector matches, one per series, in series order.
  virtual Result<std::vector<SeriesPoints>> Last(const Selector& selector) = 0;

  // The points in [from, to) of every series the selector matches, in series order.
  virtual Result<std::vector<SeriesPoints>> Range(const Selector& selector, TimeNs from,
                                                  TimeNs to) = 0;

  // Time-bucketed aggregates (see AggregateQuery), in group (or series) order.
  virtual Result<std::vector<GroupBuckets>> Aggregate(const AggregateQuery& query) = 0;
};

}  // namespace coolflow::store
