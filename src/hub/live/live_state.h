// The hub's live state: the latest value of every series, the room means, per-rack and room
// rolling windows, rates of change, box online/offline and each series' typical interval.
// The pipeline feeds it; the Control Room, the alert engine and the controller read
// immutable snapshots of it. docs/live-state.md describes what is kept and how.
//
//   live::LiveState state;
//   state.Apply(batch, now);                  // the pipeline thread, per accepted batch
//   state.SetBoxStatus("pi-1", false, now);   // an agent's last will arrived
//   std::shared_ptr<const live::Snapshot> s = state.snapshot();  // any thread
//   for (size_t i = 0; i < s->series_count(); ++i) use(s->info(i), s->state(i));
//
// Thread safety: Apply, SetBoxStatus and Publish may be called from any thread; they are
// serialised by one writer mutex (the pipeline is expected to be the only caller of Apply, so
// the mutex is uncontended). Readers never take that mutex: snapshot() copies a shared_ptr
// under a second mutex held only for that copy, and a Snapshot is immutable, so any number of
// threads may read one. A snapshot is published by the writer at most every
// LiveOptions::publish_interval (and on Publish()), never by a reader.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/thread_annotations.h"
#include "reading/reading.h"

namespace coolflow::hub::live {

// The rolling windows kept per rack and for the room.
enum class Window : uint8_t { k1m = 0, k5m = 1, k1h = 2 };
inline constexpr size_t kWindowCount = 3;
// "1m", "5m", "1h".
std::string_view WindowName(Window window);
// The window's length.
TimeNs WindowLength(Window window);

// One of the room means: the mean of the latest non-stale value of every series whose
// metric (and measurement, when set) match.
struct MeanSpec {
  std::string name;         // "temperature"
  std::string metric;       // "temperature"
  std::string measurement;  // "" = any
};
// The seed's gauges: temperature, humidity, cpu (cpu_percent), load (load1, the seed's
// "cpu"), memory (memory_available, KiB) and disk (disk_used_percent).
std::vector<MeanSpec> DefaultMeans();

struct LiveOptions {
  // A series is stale when silent for longer than stale_factor x its typical interval.
  double stale_factor = 3;
  // The interval assumed for a series until its second reading gives a real one.
  TimeNs default_interval = 10 * kNanosPerSecond;
  // Rates of change use the series' last readings within this window (least squares).
  TimeNs rate_window = 5 * kNanosPerMinute;
  // Apply publishes a new snapshot when this long has passed since the last one; 0: after
  // every Apply (tests).
  TimeNs publish_interval = 500 * kNanosPerMilli;
  // Memory bounds: readings of new series past max_series, and new rack/room groups past
  // max_groups, are dropped and counted; boxes past max_boxes likewise.
  size_t max_series = 262'144;
  size_t max_boxes = 65'536;
  size_t max_groups = 65'536;
  std::vector<MeanSpec> means = DefaultMeans();
};

// What never changes about a series once it is seen. Labels: "box", "measurement", "metric"
// and the reading's tags (e.g. "rack"; a tag named like one of those three is dropped),
// sorted by key.
struct SeriesInfo {
  std::string
      key;  // reading::SeriesKey plus " " and the metric: "temp,box=pi-1,rack=r01 temperature"
  std::string measurement;
  std::string metric;
  std::string box;
  std::string rack;  // the "rack" tag, "" when none
  reading::TagSet labels;
  reading::Unit unit = reading::Unit::kNone;
  uint32_t box_index = 0;  // into Snapshot::boxes()
};

// The moving part of a series.
struct SeriesState {
  double value = 0;            // latest value (NaN for a NaN or non-numeric reading)
  TimeNs time = 0;             // its time
  TimeNs interval = 0;         // typical gap between readings (EWMA); 0 before the second reading
  double rate_per_minute = 0;  // least-squares slope over rate_window, NaN if < 2 points
  TimeNs unchanged_since = 0;  // time of the first of the identical latest values
  uint64_t count = 0;          // readings taken
};

struct BoxState {
  std::string box;
  std::optional<bool> online;  // as the last will/birth message said; nullopt: never said
  TimeNs status_time = 0;      // when that was said
  TimeNs last_seen = 0;        // newest reading time of any of its series
  uint32_t series = 0;         // how many series it has
};

struct WindowStats {
  double min = 0;
  double max = 0;
  double mean = 0;
  uint64_t count = 0;  // readings in the window; min/max/mean are NaN when 0
};

// Rolling windows of one metric over one rack ("rack" set) or the whole room ("rack" empty).
struct GroupStats {
  std::string measurement;
  std::string metric;
  std::string rack;  // "" for the room
  std::array<WindowStats, kWindowCount> windows;
  const WindowStats& at(Window w) const { return windows[static_cast<size_t>(w)]; }
};

struct RoomMean {
  std::string name;
  double value = 0;     // NaN when no series counted
  uint32_t series = 0;  // how many series were averaged
};

struct LiveCounters {
  uint64_t readings = 0;        // applied
  uint64_t non_numeric = 0;     // string values: time kept, value NaN
  uint64_t out_of_order = 0;    // older than the series' latest: windows only
  uint64_t dropped_series = 0;  // readings of series past max_series / max_boxes
  uint64_t dropped_groups = 0;  // group updates past max_groups
};

class SeriesCatalog;
class SeriesIndex;

// An immutable view of the live state at one moment.
class Snapshot {
 public:
  TimeNs time() const { return time_; }  // when it was published (the writer's "now")
  double stale_factor() const { return stale_factor_; }
  TimeNs default_interval() const { return default_interval_; }

  size_t series_count() const { return states_.size(); }
  const SeriesInfo& info(size_t i) const;
  const SeriesState& state(size_t i) const { return states_[i]; }
  // The typical interval, or the default one before the series has two readings.
  TimeNs Interval(size_t i) const;
  // now - the latest reading's time.
  TimeNs Age(size_t i, TimeNs now) const { return now - states_[i].time; }
  // Silent for more than stale_factor x its interval at `now`.
  bool Stale(size_t i, TimeNs now) const;
  // The series of `box` with `metric` (and `measurement` and `rack` when not empty), by a
  // linear search: for tests and one-off lookups, not for loops.
  std::optional<size_t> Find(std::string_view box, std::string_view metric,
                             std::string_view rack = {}, std::string_view measurement = {}) const;

  std::span<const BoxState> boxes() const { return boxes_; }
  const BoxState* FindBox(std::string_view box) const;
  std::span<const GroupStats> groups() const { return groups_; }
  // The group of `metric` for `rack` ("" = the room), or nullptr.
  const GroupStats* FindGroup(std::string_view metric, std::string_view rack,
                              std::string_view measurement = {}) const;
  std::span<const RoomMean> means() const { return means_; }
  const RoomMean* FindMean(std::string_view name) const;
  const LiveCounters& counters() const { return counters_; }

 private:
  friend class LiveState;
  TimeNs time_ = 0;
  double stale_factor_ = 3;
  TimeNs default_interval_ = 0;
  std::shared_ptr<const SeriesCatalog> catalog_;
  std::vector<SeriesState> states_;
  std::vector<BoxState> boxes_;
  std::vector<GroupStats> groups_;
  std::vector<RoomMean> means_;
  LiveCounters counters_;
};

class LiveState {
 public:
  explicit LiveState(LiveOptions options = {});
  ~LiveState();
  LiveState(const LiveState&) = delete;
  LiveState& operator=(const LiveState&) = delete;

  // Takes a batch of accepted, de-duplicated readings. `now` is the hub's clock (for the
  // publish interval). Never allocates per reading once a series is known.
  void Apply(std::span<const reading::Reading> readings, TimeNs now) COOLFLOW_EXCLUDES(write_mu_);

  // An agent's status message: its last will (online = false) or its birth message (true),
  // said at `time`. An older status than the one held is ignored.
  void SetBoxStatus(std::string_view box, bool online, TimeNs time) COOLFLOW_EXCLUDES(write_mu_);

  // Publishes a snapshot as of `now` at once.
  void Publish(TimeNs now) COOLFLOW_EXCLUDES(write_mu_);

  // The latest published snapshot (an empty one before the first). Never blocks on Apply.
  std::shared_ptr<const Snapshot> snapshot() const COOLFLOW_EXCLUDES(snapshot_mu_);

  const LiveOptions& options() const { return options_; }

 private:
  struct SeriesWork;
  struct GroupWork;
  struct BoxWork;

  void ApplyOne(const reading::Reading& r) COOLFLOW_REQUIRES(write_mu_);
  // The index of the series of `r` (interning it), or nullopt past the bounds.
  std::optional<uint32_t> Intern(const reading::Reading& r) COOLFLOW_REQUIRES(write_mu_);
  std::optional<uint32_t> InternBox(std::string_view box) COOLFLOW_REQUIRES(write_mu_);
  uint32_t InternGroup(std::string_view measurement, std::string_view metric, std::string_view rack)
      COOLFLOW_REQUIRES(write_mu_);
  void PublishLocked(TimeNs now) COOLFLOW_REQUIRES(write_mu_);

  const LiveOptions options_;

  mutable Mutex write_mu_;
  std::shared_ptr<SeriesCatalog> catalog_ COOLFLOW_GUARDED_BY(write_mu_);
  std::vector<SeriesWork> series_ COOLFLOW_GUARDED_BY(write_mu_);
  std::vector<GroupWork> groups_ COOLFLOW_GUARDED_BY(write_mu_);
  std::vector<BoxWork> boxes_ COOLFLOW_GUARDED_BY(write_mu_);
  std::unique_ptr<SeriesIndex> series_index_ COOLFLOW_GUARDED_BY(write_mu_);
  std::unordered_map<std::string, uint32_t> group_index_ COOLFLOW_GUARDED_BY(write_mu_);
  std::unordered_map<std::string, uint32_t> box_index_ COOLFLOW_GUARDED_BY(write_mu_);
  std::string scratch_ COOLFLOW_GUARDED_BY(write_mu_);  // the lookup key, reused
  LiveCounters counters_ COOLFLOW_GUARDED_BY(write_mu_);
  TimeNs last_publish_ COOLFLOW_GUARDED_BY(write_mu_) = 0;
  bool published_once_ COOLFLOW_GUARDED_BY(write_mu_) = false;

  mutable Mutex snapshot_mu_;
  std::shared_ptr<const Snapshot> published_ COOLFLOW_GUARDED_BY(snapshot_mu_);
};

}  // namespace coolflow::hub::live
