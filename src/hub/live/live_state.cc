#include "hub/live/live_state.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "hub/live/rolling_window.h"

namespace coolflow::hub::live {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Readings kept per series for its rate of change.
constexpr size_t kRatePoints = 8;
// Buckets per rolling window: 60 of 1 s, 5 s and 60 s.
constexpr size_t kBuckets = 60;
constexpr TimeNs kBucketWidth[kWindowCount] = {kNanosPerSecond, 5 * kNanosPerSecond,
                                               kNanosPerMinute};
// The interval estimate moves 1/8 of the way to each new gap.
constexpr TimeNs kIntervalSmoothing = 8;
constexpr size_t kCatalogChunk = 4096;
constexpr char kKeySeparator = '\x1f';
constexpr char kTagSeparator = '\x1e';
constexpr std::string_view kRackTag = "rack";
// Group indices that are not indices: a series without a rack; a group past max_groups.
constexpr uint32_t kNoGroup = std::numeric_limits<uint32_t>::max();
constexpr uint32_t kDroppedGroup = kNoGroup - 1;
constexpr double kNanosPerMinuteD = static_cast<double>(kNanosPerMinute);

WindowStats ToStats(const WindowAggregate& a) {
  WindowStats s;
  s.count = a.count;
  if (a.count == 0) {
    s.min = s.max = s.mean = kNaN;
  } else {
    s.min = a.min;
    s.max = a.max;
    s.mean = a.sum / static_cast<double>(a.count);
  }
  return s;
}

}  // namespace

std::string_view WindowName(Window window) {
  switch (window) {
    case Window::k1m:
      return "1m";
    case Window::k5m:
      return "5m";
    case Window::k1h:
      return "1h";
  }
  return "?";
}

TimeNs WindowLength(Window window) {
  return kBucketWidth[static_cast<size_t>(window)] * static_cast<TimeNs>(kBuckets);
}

std::vector<MeanSpec> DefaultMeans() {
  return {{"temperature", "temperature", ""}, {"humidity", "humidity", ""},
          {"cpu", "cpu_percent", ""},         {"load", "load1", ""},
          {"memory", "memory_available", ""}, {"disk", "disk_used_percent", ""}};
}

// Append-only storage of SeriesInfo in fixed chunks: an entry never moves once written, so a
// snapshot reads the entries below its count while the writer appends above it. The chunk
// table is sized once, at construction, and never reallocated.
class SeriesCatalog {
 public:
  explicit SeriesCatalog(size_t max_series)
      : chunks_((max_series + kCatalogChunk - 1) / kCatalogChunk) {}

  const SeriesInfo& at(size_t i) const { return chunks_[i / kCatalogChunk][i % kCatalogChunk]; }

  // Stores entry `i` (== the count so far); the caller keeps i < max_series.
  void Append(size_t i, SeriesInfo info) {
    std::unique_ptr<SeriesInfo[]>& chunk = chunks_[i / kCatalogChunk];
    if (!chunk) chunk = std::make_unique<SeriesInfo[]>(kCatalogChunk);
    chunk[i % kCatalogChunk] = std::move(info);
  }

 private:
  std::vector<std::unique_ptr<SeriesInfo[]>> chunks_;
};

// The series' lookup keys to their indices: open addressing with linear probing over
// (hash, index) slots, the keys' bytes in one arena. Two cache misses per hit at most (the
// slot and the key), where a node-based map takes three or four; Apply spends most of its
// time here once the series outnumber the cache.
class SeriesIndex {
 public:
  SeriesIndex() : slots_(kInitialSlots) {}

  static uint64_t Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

  std::optional<uint32_t> Find(std::string_view key, uint64_t hash) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.index == kEmpty) return std::nullopt;
      if (slot.hash == hash && Key(slot.index) == key) return slot.index;
    }
  }

  // Adds `key` as series `index` (== the number of keys so far); `key` must be new.
  void Insert(std::string_view key, uint64_t hash, uint32_t index) {
    if ((count_ + 1) * 2 > slots_.size()) Grow();
    spans_.emplace_back(arena_.size(), key.size());
    arena_.append(key);
    Place(hash, index);
    ++count_;
  }

 private:
  static constexpr uint32_t kEmpty = std::numeric_limits<uint32_t>::max();
  static constexpr size_t kInitialSlots = 1024;  // a power of two
  struct Slot {
    uint64_t hash = 0;
    uint32_t index = kEmpty;
  };

  std::string_view Key(uint32_t index) const {
    const auto [offset, length] = spans_[index];
    return std::string_view(arena_).substr(offset, length);
  }

  void Place(uint64_t hash, uint32_t index) {
    const size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    while (slots_[i].index != kEmpty)
      i = (i + 1) & mask;
    slots_[i] = {hash, index};
  }

  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& slot : old) {
      if (slot.index != kEmpty) Place(slot.hash, slot.index);
    }
  }

  std::vector<Slot> slots_;
  std::string arena_;
  std::vector<std::pair<size_t, size_t>> spans_;  // per index: offset and length in arena_
  size_t count_ = 0;
};

struct LiveState::SeriesWork {
  SeriesState state;
  std::array<std::pair<TimeNs, double>, kRatePoints> points{};
  uint8_t next_point = 0;
  uint8_t points_held = 0;
  bool dirty = false;  // rate to recompute at the next publish
  uint32_t box = 0;
  uint32_t rack_group = 0;
  uint32_t room_group = 0;
};

struct LiveState::GroupWork {
  std::string measurement;
  std::string metric;
  std::string rack;
  std::array<RollingWindow<kBuckets>, kWindowCount> windows = {
      RollingWindow<kBuckets>(kBucketWidth[0]), RollingWindow<kBuckets>(kBucketWidth[1]),
      RollingWindow<kBuckets>(kBucketWidth[2])};
};

struct LiveState::BoxWork {
  BoxState state;
};

const SeriesInfo& Snapshot::info(size_t i) const {
  return catalog_->at(i);
}

TimeNs Snapshot::Interval(size_t i) const {
  const TimeNs interval = states_[i].interval;
  return interval > 0 ? interval : default_interval_;
}

bool Snapshot::Stale(size_t i, TimeNs now) const {
  const double silent = static_cast<double>(now - states_[i].time);
  return silent > stale_factor_ * static_cast<double>(Interval(i));
}

std::optional<size_t> Snapshot::Find(std::string_view box, std::string_view metric,
                                     std::string_view rack, std::string_view measurement) const {
  for (size_t i = 0; i < states_.size(); ++i) {
    const SeriesInfo& s = info(i);
    if (s.box == box && s.metric == metric && (rack.empty() || s.rack == rack) &&
        (measurement.empty() || s.measurement == measurement)) {
      return i;
    }
  }
  return std::nullopt;
}

const BoxState* Snapshot::FindBox(std::string_view box) const {
  for (const BoxState& b : boxes_) {
    if (b.box == box) return &b;
  }
  return nullptr;
}

const GroupStats* Snapshot::FindGroup(std::string_view metric, std::string_view rack,
                                      std::string_view measurement) const {
  for (const GroupStats& g : groups_) {
    if (g.metric == metric && g.rack == rack &&
        (measurement.empty() || g.measurement == measurement)) {
      return &g;
    }
  }
  return nullptr;
}

const RoomMean* Snapshot::FindMean(std::string_view name) const {
  for (const RoomMean& m : means_) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

LiveState::LiveState(LiveOptions options)
    : options_(std::move(options)),
      catalog_(std::make_shared<SeriesCatalog>(options_.max_series)),
      series_index_(std::make_unique<SeriesIndex>()),
      published_(std::make_shared<Snapshot>()) {}

LiveState::~LiveState() = default;

void LiveState::Apply(std::span<const reading::Reading> readings, TimeNs now) {
  MutexLock lock(write_mu_);
  for (const reading::Reading& r : readings)
    ApplyOne(r);
  if (!published_once_ || now - last_publish_ >= options_.publish_interval) PublishLocked(now);
}

void LiveState::SetBoxStatus(std::string_view box, bool online, TimeNs time) {
  MutexLock lock(write_mu_);
  const std::optional<uint32_t> b = InternBox(box);
  if (!b) return;
  BoxState& state = boxes_[*b].state;
  if (state.online && time < state.status_time) return;
  state.online = online;
  state.status_time = time;
}

void LiveState::Publish(TimeNs now) {
  MutexLock lock(write_mu_);
  PublishLocked(now);
}

std::shared_ptr<const Snapshot> LiveState::snapshot() const {
  MutexLock lock(snapshot_mu_);
  return published_;
}

std::optional<uint32_t> LiveState::InternBox(std::string_view box) {
  scratch_.assign(box);
  if (auto it = box_index_.find(scratch_); it != box_index_.end()) return it->second;
  if (boxes_.size() >= options_.max_boxes) return std::nullopt;
  const auto index = static_cast<uint32_t>(boxes_.size());
  BoxWork work;
  work.state.box = std::string(box);
  boxes_.push_back(std::move(work));
  box_index_.emplace(std::string(box), index);
  return index;
}

uint32_t LiveState::InternGroup(std::string_view measurement, std::string_view metric,
                                std::string_view rack) {
  std::string key;
  key.append(measurement).push_back(kKeySeparator);
  key.append(metric).push_back(kKeySeparator);
  key.append(rack);
  if (auto it = group_index_.find(key); it != group_index_.end()) return it->second;
  if (groups_.size() >= options_.max_groups) return kDroppedGroup;
  const auto index = static_cast<uint32_t>(groups_.size());
  GroupWork group;
  group.measurement = std::string(measurement);
  group.metric = std::string(metric);
  group.rack = std::string(rack);
  groups_.push_back(std::move(group));
  group_index_.emplace(std::move(key), index);
  return index;
}

std::optional<uint32_t> LiveState::Intern(const reading::Reading& r) {
  // The lookup key, built in a reused buffer: no allocation once the capacity is reached.
  scratch_.clear();
  scratch_.append(r.measurement).push_back(kKeySeparator);
  scratch_.append(r.metric).push_back(kKeySeparator);
  scratch_.append(r.box);
  for (const reading::Tag& tag : r.tags) {
    scratch_.push_back(kKeySeparator);
    scratch_.append(tag.key).push_back(kTagSeparator);
    scratch_.append(tag.value);
  }
  const uint64_t hash = SeriesIndex::Hash(scratch_);
  if (std::optional<uint32_t> found = series_index_->Find(scratch_, hash)) return found;

  // A new series: the slow path.
  if (series_.size() >= options_.max_series) return std::nullopt;
  std::string lookup_key = scratch_;  // InternBox reuses scratch_
  const std::optional<uint32_t> box = InternBox(r.box);
  if (!box) return std::nullopt;

  SeriesInfo info;
  info.key = reading::SeriesKey(r) + " " + r.metric;
  info.measurement = r.measurement;
  info.metric = r.metric;
  info.box = r.box;
  info.unit = r.unit;
  info.box_index = *box;
  info.labels.push_back({"box", r.box});
  info.labels.push_back({"measurement", r.measurement});
  info.labels.push_back({"metric", r.metric});
  for (const reading::Tag& tag : r.tags) {
    if (tag.key == kRackTag) info.rack = tag.value;
    if (tag.key != "box" && tag.key != "measurement" && tag.key != "metric") {
      info.labels.push_back(tag);
    }
  }
  std::sort(info.labels.begin(), info.labels.end());

  SeriesWork work;
  work.box = *box;
  work.room_group = InternGroup(r.measurement, r.metric, "");
  work.rack_group = info.rack.empty() ? kNoGroup : InternGroup(r.measurement, r.metric, info.rack);
  const auto index = static_cast<uint32_t>(series_.size());
  catalog_->Append(index, std::move(info));
  series_.push_back(work);
  ++boxes_[*box].state.series;
  series_index_->Insert(lookup_key, hash, index);
  return index;
}

void LiveState::ApplyOne(const reading::Reading& r) {
  const std::optional<uint32_t> index = Intern(r);
  if (!index) {
    ++counters_.dropped_series;
    return;
  }
  ++counters_.readings;
  SeriesWork& s = series_[*index];
  double value = kNaN;
  if (reading::IsNumeric(r.value)) {
    value = reading::ValueAsDouble(r.value);
  } else {
    ++counters_.non_numeric;
  }
  const bool finite = std::isfinite(value);

  if (finite) {
    for (uint32_t g : {s.rack_group, s.room_group}) {
      if (g == kNoGroup) continue;
      if (g == kDroppedGroup) {
        ++counters_.dropped_groups;
        continue;
      }
      for (auto& w : groups_[g].windows)
        w.Add(r.time, value);
    }
  }

  SeriesState& st = s.state;
  if (st.count > 0 && r.time <= st.time) {
    ++counters_.out_of_order;
    return;
  }
  if (st.count > 0) {
    const TimeNs gap = r.time - st.time;
    st.interval = st.interval == 0 ? gap : st.interval + (gap - st.interval) / kIntervalSmoothing;
    const bool same = value == st.value || (std::isnan(value) && std::isnan(st.value));
    if (!same) st.unchanged_since = r.time;
  } else {
    st.unchanged_since = r.time;
  }
  st.value = value;
  st.time = r.time;
  ++st.count;
  if (finite) {
    s.points[s.next_point] = {r.time, value};
    s.next_point = static_cast<uint8_t>((s.next_point + 1) % kRatePoints);
    if (s.points_held < kRatePoints) ++s.points_held;
    s.dirty = true;
  }
  BoxState& box = boxes_[s.box].state;
  box.last_seen = std::max(box.last_seen, r.time);
}

void LiveState::PublishLocked(TimeNs now) {
  auto snap = std::make_shared<Snapshot>();
  snap->time_ = now;
  snap->stale_factor_ = options_.stale_factor;
  snap->default_interval_ = options_.default_interval;
  snap->catalog_ = catalog_;
  snap->counters_ = counters_;

  // Rates: least squares of value on time (minutes, relative to the newest point) over the
  // points within rate_window of the newest.
  for (SeriesWork& s : series_) {
    if (!s.dirty) continue;
    s.dirty = false;
    const TimeNs newest = s.state.time;
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t k = 0; k < s.points_held; ++k) {
      const auto& [t, v] = s.points[k];
      if (newest - t > options_.rate_window || t > newest) continue;
      const double x = static_cast<double>(t - newest) / kNanosPerMinuteD;
      n += 1;
      sx += x;
      sy += v;
      sxx += x * x;
      sxy += x * v;
    }
    const double denominator = n * sxx - sx * sx;
    s.state.rate_per_minute = n >= 2 && denominator > 0 ? (n * sxy - sx * sy) / denominator : kNaN;
  }
  snap->states_.reserve(series_.size());
  for (const SeriesWork& s : series_)
    snap->states_.push_back(s.state);

  snap->boxes_.reserve(boxes_.size());
  for (const BoxWork& b : boxes_)
    snap->boxes_.push_back(b.state);

  snap->groups_.reserve(groups_.size());
  for (const GroupWork& g : groups_) {
    GroupStats stats;
    stats.measurement = g.measurement;
    stats.metric = g.metric;
    stats.rack = g.rack;
    for (size_t w = 0; w < kWindowCount; ++w)
      stats.windows[w] = ToStats(g.windows[w].Aggregate(now));
    snap->groups_.push_back(std::move(stats));
  }

  // Room means over the latest non-stale finite values.
  std::vector<double> sums(options_.means.size(), 0);
  std::vector<uint32_t> counts(options_.means.size(), 0);
  for (size_t i = 0; i < snap->states_.size(); ++i) {
    const SeriesInfo& info = catalog_->at(i);
    const SeriesState& st = snap->states_[i];
    if (!std::isfinite(st.value) || snap->Stale(i, now)) continue;
    for (size_t m = 0; m < options_.means.size(); ++m) {
      const MeanSpec& spec = options_.means[m];
      if (info.metric != spec.metric) continue;
      if (!spec.measurement.empty() && info.measurement != spec.measurement) continue;
      sums[m] += st.value;
      ++counts[m];
    }
  }
  for (size_t m = 0; m < options_.means.size(); ++m) {
    snap->means_.push_back({options_.means[m].name,
                            counts[m] > 0 ? sums[m] / static_cast<double>(counts[m]) : kNaN,
                            counts[m]});
  }

  last_publish_ = now;
  published_once_ = true;
  MutexLock lock(snapshot_mu_);
  published_ = std::move(snap);
}

}  // namespace coolflow::hub::live
