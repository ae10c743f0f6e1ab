#include "store/engine/engine.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <condition_variable>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/thread_annotations.h"
#include "fmt/format.h"
#include "reading/line_protocol.h"
#include "spdlog/spdlog.h"
#include "store/block/block.h"
#include "store/codec/byte_io.h"
#include "store/engine/batch.h"
#include "store/engine/memtable.h"
#include "store/engine/query.h"
#include "store/engine/series_index.h"
#include "store/engine/series_snapshot.h"

namespace coolflow::store::engine {
namespace {

constexpr std::string_view kBlockSuffix = ".blk";
// Appends wait once this many frozen memtables wait to be written out.
constexpr size_t kMaxFrozen = 4;
// How often the background thread looks for expired points when idle.
constexpr std::chrono::seconds kMaintenanceInterval{60};
// After a failed flush or compaction, the background thread waits this long to retry.
constexpr std::chrono::seconds kRetryBackoff{5};

std::string TypeName(codec::ValueType type) {
  return std::string(codec::ValueTypeName(type));
}

// Everything a reader needs, immutable once published.
struct Version {
  std::vector<BlockHandle> blocks;                // by seq
  std::vector<std::shared_ptr<Memtable>> frozen;  // oldest first
  std::shared_ptr<Memtable> active;
};

// One batch on its way into the WAL: the points and the series they need defined.
struct PendingBatch {
  std::vector<BatchPoint> points;
  std::vector<BatchSeries> series;
  std::unordered_set<uint32_t> defined;
  AppendResult result;
};

// Parts of a series key being assembled, as views.
struct KeyParts {
  std::string_view measurement;
  std::vector<std::pair<std::string_view, std::string_view>> tags;  // sorted by key
  std::string_view field;
};

// The key of a series' family: its key without the field.
void BuildFamilyKey(const KeyParts& parts, std::string& key) {
  key.clear();
  const auto put = [&](std::string_view text) {
    codec::PutVarint(key, text.size());
    key.append(text);
  };
  put(parts.measurement);
  codec::PutVarint(key, parts.tags.size());
  for (const auto& [k, v] : parts.tags) {
    put(k);
    put(v);
  }
}

void BuildKey(const KeyParts& parts, std::string& key) {
  BuildFamilyKey(parts, key);
  codec::PutVarint(key, parts.field.size());
  key.append(parts.field);
}

SeriesId SeriesFromParts(const KeyParts& parts) {
  SeriesId id;
  id.measurement = std::string(parts.measurement);
  for (const auto& [k, v] : parts.tags)
    id.tags.push_back({std::string(k), std::string(v)});
  id.field = std::string(parts.field);
  return id;
}

std::optional<uint64_t> ParseBlockSeq(std::string_view name) {
  if (name.size() <= kBlockSuffix.size() || !name.ends_with(kBlockSuffix)) return std::nullopt;
  name.remove_suffix(kBlockSuffix.size());
  uint64_t seq = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
    seq = seq * 10 + static_cast<uint64_t>(c - '0');
  }
  return seq;
}

class EngineImpl final : public Engine {
 public:
  EngineImpl(std::string dir, const EngineOptions& options)
      : dir_(std::move(dir)),
        blocks_dir_(dir_ + "/blocks"),
        series_path_(dir_ + "/series"),
        options_(options),
        fs_(options.fs != nullptr ? *options.fs : wal::PosixFileSystem::Instance()),
        clock_(options.clock != nullptr ? *options.clock : SystemClock::Instance()) {}

  ~EngineImpl() override { StopBackground(); }

  Status Start();

  Result<AppendResult> Append(std::span<const reading::Reading> batch) override;
  Result<AppendResult> AppendLineProtocol(std::string_view body, Precision precision,
                                          TimeNs default_time) override;
  Result<std::vector<SeriesPoints>> Last(const Selector& selector) override;
  Result<std::vector<SeriesPoints>> Range(const Selector& selector, TimeNs from,
                                          TimeNs to) override;
  Result<std::vector<GroupBuckets>> Aggregate(const AggregateQuery& query) override;
  Status Flush() override;
  Status Compact() override;
  Status Close() override;
  Status health() const override;
  EngineStats stats() const override;

 private:
  // Write path.
  // Resolves one point's series (making it when new) and adds it to `batch`, or refuses it.
  // Adds one point; `known` is its series when the caller found it already. Returns the
  // series used (nullptr when the point was refused).
  SeriesInfo* AddPoint(PendingBatch& batch, size_t index, const KeyParts& parts, TimeNs time,
                       const reading::Value& value, SeriesInfo* known = nullptr)
      COOLFLOW_REQUIRES(index_mu_);
  Result<AppendResult> Commit(PendingBatch& batch);
  // The series of `parts` (made when new), or nullptr with the refusal in `batch`.
  SeriesInfo* Resolve(PendingBatch& batch, size_t index, const KeyParts& parts,
                      codec::ValueType type) COOLFLOW_REQUIRES(index_mu_);
  // Adds a point of `info` to `batch`, or refuses it on a type conflict.
  void Push(PendingBatch& batch, size_t index, SeriesInfo& info, codec::ValueType type, TimeNs time,
            uint64_t bits) COOLFLOW_REQUIRES(index_mu_);
  // Applies a durable batch to the live memtable, in WAL order. Apply turn held.
  void Apply(std::span<const BatchPoint> points) COOLFLOW_REQUIRES(apply_mu_);
  // Freezes the live memtable when it is not empty. Apply turn held.
  void Freeze() COOLFLOW_REQUIRES(apply_mu_);

  // Read path.
  std::shared_ptr<const Version> CurrentVersion() const;
  // The matching series, in series order.
  std::vector<const SeriesInfo*> Match(const Selector& selector) const;
  static void Sources(const Version& version, uint32_t id, std::vector<SeriesSource>& out);

  // Maintenance (background thread, Flush, Compact): maintenance_mu_ held.
  Status FlushFrozen() COOLFLOW_REQUIRES(maintenance_mu_);
  // One block per partition of the series' points from their sources.
  Status WriteBlocks(const std::vector<std::vector<SeriesSource>>& by_series,
                     const std::vector<uint32_t>& ids, const std::set<TimeNs>& partitions,
                     std::vector<BlockHandle>& out) COOLFLOW_REQUIRES(maintenance_mu_);
  Status CompactPartitions(bool all) COOLFLOW_REQUIRES(maintenance_mu_);
  Status SaveSnapshot(uint64_t flushed_seq) COOLFLOW_REQUIRES(maintenance_mu_);
  TimeNs RetentionCutoff(const std::string& measurement) const;
  bool HasExpired(const BlockHandle& handle) const;
  void BackgroundLoop();
  void StopBackground();
  void Publish(std::shared_ptr<const Version> version);

  const std::string dir_;
  const std::string blocks_dir_;
  const std::string series_path_;
  const EngineOptions options_;
  wal::FileSystem& fs_;
  const Clock& clock_;
  std::unique_ptr<wal::Wal> wal_;

  // Line protocol's measurement and tags as written -> (field key as written, series): the
  // series of a line seen before without building its canonical key. Cleared when it grows
  // past kMaxRawSeries (many spellings of the same series).
  struct RawHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
  };
  using RawFields = std::vector<std::pair<std::string, SeriesInfo*>>;
  static constexpr size_t kMaxRawSeries = 1'000'000;

  SeriesIndex index_;
  Mutex index_mu_;  // the index's writer side
  // Append's shortcut past the index: a family (measurement and tags, the key without its
  // field) -> its fields' series. A box's readings share a family, so a batch looks the
  // index up once per family instead of once per series, in a table as small as the number
  // of families. Series are never removed, so the pointers stay valid.
  std::unordered_map<std::string, std::vector<std::pair<std::string, SeriesInfo*>>> families_
      COOLFLOW_GUARDED_BY(index_mu_);
  std::unordered_map<std::string, RawFields, RawHash, std::equal_to<>> raw_series_
      COOLFLOW_GUARDED_BY(index_mu_);

  Mutex apply_mu_;  // the apply turn
  std::condition_variable apply_cv_;
  uint64_t applied_seq_ COOLFLOW_GUARDED_BY(apply_mu_) = 0;
  std::shared_ptr<Memtable> active_ COOLFLOW_GUARDED_BY(apply_mu_);

  mutable Mutex version_mu_;  // held only to copy or replace the pointer
  std::shared_ptr<const Version> version_ COOLFLOW_GUARDED_BY(version_mu_);

  Mutex maintenance_mu_;
  uint64_t next_block_seq_ COOLFLOW_GUARDED_BY(maintenance_mu_) = 1;

  Mutex bg_mu_;
  std::condition_variable bg_cv_;     // the background thread waits for work
  std::condition_variable stall_cv_;  // appends wait for frozen memtables to be written
  bool bg_stop_ COOLFLOW_GUARDED_BY(bg_mu_) = false;
  size_t frozen_count_ COOLFLOW_GUARDED_BY(bg_mu_) = 0;
  std::thread bg_;

  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> points_appended_{0};
  std::atomic<uint64_t> flushes_{0};
  std::atomic<uint64_t> compactions_{0};
  std::atomic<uint64_t> points_expired_{0};
  std::atomic<uint64_t> maintenance_failures_{0};
  uint64_t replayed_records_ = 0;
  uint64_t replayed_points_ = 0;
  double replay_seconds_ = 0;
};

Status EngineImpl::Start() {
  if (Status s = fs_.CreateDir(dir_); !s.ok()) return s;
  if (Status s = fs_.CreateDir(blocks_dir_); !s.ok()) return s;

  // The series snapshot.
  uint64_t flushed_seq = 0;
  {
    auto snapshot = ReadSeriesSnapshot(fs_, series_path_);
    if (!snapshot.ok() && snapshot.status().code() != StatusCode::kNotFound) {
      return snapshot.status();
    }
    if (snapshot.ok()) {
      flushed_seq = snapshot->flushed_seq;
      MutexLock lock(index_mu_);
      for (SnapshotSeries& s : snapshot->series) {
        auto series = ParseSeriesKey(s.key);
        if (!series.ok()) return series.status().WithContext("series snapshot " + series_path_);
        auto added = index_.Add(std::move(s.key), std::move(*series), s.type, s.id);
        if (!added.ok()) return added.status().WithContext("series snapshot " + series_path_);
        (*added)->MarkDurable();
      }
    }
  }

  // The blocks.
  auto version = std::make_shared<Version>();
  {
    auto names = fs_.ListDir(blocks_dir_);
    if (!names.ok()) return names.status();
    std::sort(names->begin(), names->end());
    MutexLock lock(maintenance_mu_);
    for (const std::string& name : *names) {
      const std::string path = blocks_dir_ + "/" + name;
      if (name.ends_with(".tmp")) {
        (void)fs_.Remove(path);  // a block write cut short by a crash
        continue;
      }
      auto seq = ParseBlockSeq(name);
      if (!seq.has_value()) continue;
      auto block = block::Block::Open(fs_, path);
      if (!block.ok()) return block.status();
      version->blocks.push_back(
          {*seq, FloorDiv((*block)->min_time(), options_.partition) * options_.partition,
           std::move(*block)});
      next_block_seq_ = std::max(next_block_seq_, *seq + 1);
    }
    std::sort(version->blocks.begin(), version->blocks.end(),
              [](const BlockHandle& a, const BlockHandle& b) { return a.seq < b.seq; });
  }

  // The WAL, replayed into a new memtable.
  wal::WalOptions wal_options;
  wal_options.fsync = options_.fsync;
  wal_options.sync_interval = options_.sync_interval;
  auto wal = wal::Wal::Open(dir_ + "/wal", wal_options, fs_);
  if (!wal.ok()) return wal.status();
  wal_ = std::move(*wal);
  auto memtable = std::make_shared<Memtable>();
  const auto replay_start = std::chrono::steady_clock::now();
  {
    MutexLock index_lock(index_mu_);
    MutexLock apply_lock(apply_mu_);
    active_ = memtable;
    Status replayed = wal_->Replay(flushed_seq, [&](uint64_t seq, std::string_view payload) {
      ++replayed_records_;
      Status s = DecodeBatch(
          payload,
          [&](const BatchSeries& def) -> Status {
            auto series = ParseSeriesKey(def.key);
            if (!series.ok()) return series.status();
            auto added = index_.Add(std::string(def.key), std::move(*series), def.type, def.id);
            if (!added.ok()) return added.status();
            if ((*added)->type() != def.type) {
              return Corruption("series " + (*added)->series().ToString() + " is " +
                                TypeName((*added)->type()) + " and " + TypeName(def.type));
            }
            (*added)->MarkDurable();
            return Status::Ok();
          },
          [&](std::span<const BatchPoint> points) {
            apply_mu_.AssertHeld();
            Apply(points);
          });
      if (!s.ok()) return s.WithContext("wal record " + std::to_string(seq));
      apply_mu_.AssertHeld();
      applied_seq_ = seq;
      return Status::Ok();
    });
    if (!replayed.ok()) return replayed;
    applied_seq_ = std::max(applied_seq_, wal_->last_seq());
  }
  replay_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - replay_start).count();
  replayed_points_ = memtable->points();

  // Every block's series must be known; the newest point of each series is its last.
  std::map<uint32_t, std::pair<const BlockHandle*, const block::SeriesEntry*>> newest;
  for (const BlockHandle& handle : version->blocks) {
    for (const block::SeriesEntry& entry : handle.block->series()) {
      if (index_.ById(entry.id) == nullptr) {
        return Corruption(fmt::format(
            "block {}: series id {} is defined by neither the series snapshot nor the WAL",
            handle.block->path(), entry.id));
      }
      auto& best = newest[entry.id];
      if (best.second == nullptr || entry.last_time >= best.second->last_time) {
        best = {&handle, &entry};
      }
    }
  }
  codec::DecodedChunk scratch;
  for (const auto& [id, best] : newest) {
    const block::SeriesEntry& entry = *best.second;
    if (entry.chunks.empty()) continue;
    if (Status s = best.first->block->ReadChunk(entry, entry.chunks.back(), scratch); !s.ok()) {
      return s;
    }
    std::vector<uint64_t> bits;
    AppendColumnBits(scratch.values, scratch.times.size() - 1, scratch.times.size(), bits);
    SeriesInfo* info = index_.MutableById(id);
    TimeNs t = 0;
    uint64_t b = 0;
    // Replayed points are newer writes: a block point replaces only an older last.
    if (!info->Last(t, b) || scratch.times.back() > t)
      info->OfferLast(scratch.times.back(), bits[0]);
  }
  {
    MutexLock lock(index_mu_);
    index_.Publish();
  }

  version->active = memtable;
  Publish(version);
  if (options_.background) {
    bg_ = std::thread([this] { BackgroundLoop(); });
    MutexLock lock(apply_mu_);
    if (active_->points() >= options_.memtable_points) Freeze();
  }
  return Status::Ok();
}

// ---- Write path ----

SeriesInfo* EngineImpl::AddPoint(PendingBatch& batch, size_t index, const KeyParts& parts,
                                 TimeNs time, const reading::Value& value, SeriesInfo* known) {
  if (std::holds_alternative<std::string>(value)) {
    batch.result.refused.push_back(
        {index, fmt::format("field \"{}\": string values are not stored", parts.field)});
    return nullptr;
  }
  if (const double* d = std::get_if<double>(&value); d != nullptr && !std::isfinite(*d)) {
    batch.result.refused.push_back(
        {index, fmt::format("field \"{}\": {} is not a finite number", parts.field, *d)});
    return nullptr;
  }
  const Value stored = std::visit(
      [](const auto& v) -> Value {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) {
          return 0.0;
        } else {
          return v;
        }
      },
      value);
  const codec::ValueType type = codec::ValueTypeOf(stored);
  SeriesInfo* info = known != nullptr ? known : Resolve(batch, index, parts, type);
  if (info != nullptr) Push(batch, index, *info, type, time, ValueBits(stored));
  return info;
}

SeriesInfo* EngineImpl::Resolve(PendingBatch& batch, size_t index, const KeyParts& parts,
                                codec::ValueType type) {
  thread_local std::string key;
  if (parts.measurement.empty() || parts.field.empty()) {
    batch.result.refused.push_back({index, parts.measurement.empty()
                                               ? "the measurement is empty"
                                               : "the field (metric) is empty"});
    return nullptr;
  }
  BuildKey(parts, key);
  if (SeriesInfo* info = index_.Find(key); info != nullptr) return info;
  auto added = index_.Add(key, SeriesFromParts(parts), type);
  if (!added.ok()) {
    batch.result.refused.push_back({index, added.status().message()});
    return nullptr;
  }
  return *added;
}

void EngineImpl::Push(PendingBatch& batch, size_t index, SeriesInfo& info, codec::ValueType type,
                      TimeNs time, uint64_t bits) {
  if (info.type() != type) {
    batch.result.refused.push_back(
        {index, fmt::format("field type conflict: {} holds {} values, this one is {}",
                            info.series().ToString(), TypeName(info.type()), TypeName(type))});
    return;
  }
  if (!info.durable() && batch.defined.insert(info.id()).second) {
    batch.series.push_back({info.id(), info.type(), info.key()});
  }
  batch.points.push_back({info.id(), time, bits});
}

Result<AppendResult> EngineImpl::Commit(PendingBatch& batch) {
  if (closed_.load()) return Unavailable("store is closed");
  batch.result.stored = batch.points.size();
  if (batch.points.empty()) return std::move(batch.result);
  {
    // Back-pressure: the background thread is behind writing memtables out.
    MutexLock lock(bg_mu_);
    while (frozen_count_ >= kMaxFrozen && !bg_stop_)
      lock.Wait(stall_cv_);
  }
  thread_local std::string payload;
  payload.clear();
  EncodeBatch(batch.series, batch.points, payload);
  auto seq = wal_->Append(payload);
  if (!seq.ok()) return seq.status();
  {
    MutexLock lock(apply_mu_);
    while (applied_seq_ + 1 < *seq)
      lock.Wait(apply_cv_);
    if (applied_seq_ + 1 != *seq) {
      // Never expected: the WAL gave out a seq at or below one applied already. The batch is
      // durable; apply it anyway rather than wait forever.
      spdlog::error("store {}: WAL seq {} after seq {} was applied", dir_, *seq, applied_seq_);
    }
    Apply(batch.points);
    applied_seq_ = std::max(applied_seq_, *seq);
    for (const BatchSeries& s : batch.series)
      index_.MutableById(s.id)->MarkDurable();
    if (options_.background && active_->points() >= options_.memtable_points) Freeze();
  }
  apply_cv_.notify_all();
  points_appended_.fetch_add(batch.points.size(), std::memory_order_relaxed);
  return std::move(batch.result);
}

void EngineImpl::Apply(std::span<const BatchPoint> points) {
  Memtable& memtable = *active_;
  for (const BatchPoint& p : points) {
    memtable.GetOrCreate(p.id).Append(p.time, p.bits);
    if (SeriesInfo* info = index_.MutableById(p.id); info != nullptr) {
      info->OfferLast(p.time, p.bits);
    }
  }
  memtable.AddPoints(points.size());
}

void EngineImpl::Freeze() {
  if (active_->points() == 0) return;
  active_->last_seq = applied_seq_;
  auto fresh = std::make_shared<Memtable>();
  {
    MutexLock lock(version_mu_);
    auto next = std::make_shared<Version>(*version_);
    next->frozen.push_back(active_);
    next->active = fresh;
    version_ = std::move(next);
  }
  active_ = std::move(fresh);
  {
    MutexLock lock(bg_mu_);
    ++frozen_count_;
  }
  bg_cv_.notify_all();
}

Result<AppendResult> EngineImpl::Append(std::span<const reading::Reading> readings) {
  PendingBatch batch;
  batch.points.reserve(readings.size());
  KeyParts parts;
  // Consecutive readings of one family (one box, measurement and tag set: a line protocol
  // line's fields, an agent's message) differ only in their field: the family's tags are
  // sorted and checked once, and its series are found in its short list (families_).
  const reading::Reading* family = nullptr;   // the family's first reading
  std::optional<std::string> family_refusal;  // why its tags were refused
  std::vector<std::pair<std::string, SeriesInfo*>>* family_series = nullptr;
  std::string family_key;
  const auto add = [&](size_t i, const reading::Reading& r) COOLFLOW_REQUIRES(index_mu_) {
    parts.field = r.metric;
    SeriesInfo* known = nullptr;
    for (const auto& [field, info] : *family_series) {
      if (field == r.metric) {
        known = info;
        break;
      }
    }
    SeriesInfo* used = AddPoint(batch, i, parts, r.time, r.value, known);
    if (known == nullptr && used != nullptr) family_series->emplace_back(r.metric, used);
  };
  {
    MutexLock lock(index_mu_);
    for (size_t i = 0; i < readings.size(); ++i) {
      const reading::Reading& r = readings[i];
      if (family != nullptr && r.measurement == family->measurement && r.box == family->box &&
          r.tags == family->tags) {
        if (family_refusal) {
          batch.result.refused.push_back({i, *family_refusal});
        } else {
          add(i, r);
        }
        continue;
      }
      family = &r;
      family_refusal.reset();
      parts.measurement = r.measurement;
      parts.field = r.metric;
      parts.tags.clear();
      bool box_twice = false;
      for (const reading::Tag& tag : r.tags) {
        if (tag.key == reading::kBoxTag && !r.box.empty()) box_twice = true;
        parts.tags.emplace_back(tag.key, tag.value);
      }
      if (box_twice) {
        family_refusal = "the box is given both as the reading's box and as its tag \"box\"";
        batch.result.refused.push_back({i, *family_refusal});
        continue;
      }
      if (!r.box.empty()) parts.tags.emplace_back(reading::kBoxTag, r.box);
      std::sort(parts.tags.begin(), parts.tags.end());
      if (std::adjacent_find(parts.tags.begin(), parts.tags.end(),
                             [](const auto& a, const auto& b) { return a.first == b.first; }) !=
          parts.tags.end()) {
        family_refusal = "a tag key appears twice";
        batch.result.refused.push_back({i, *family_refusal});
        continue;
      }
      BuildFamilyKey(parts, family_key);
      family_series = &families_[family_key];
      add(i, r);
    }
    index_.Publish();
  }
  return Commit(batch);
}

Result<AppendResult> EngineImpl::AppendLineProtocol(std::string_view body, Precision precision,
                                                    TimeNs default_time) {
  PendingBatch batch;
  reading::lp::ParseOptions parse_options;
  parse_options.precision = precision;
  parse_options.default_time = default_time;

  // Parse without any lock: the fields to store, with views into `body`.
  struct Field {
    std::string_view series;  // measurement and tags as written (the cache's key)
    std::string_view key;     // the field key as written
    std::string_view line;    // the whole line, to parse again when the series is new
    size_t line_number = 0;
    TimeNs time = 0;
    codec::ValueType type = codec::ValueType::kDouble;
    uint64_t bits = 0;
  };
  std::vector<Field> fields;
  fields.reserve(static_cast<size_t>(std::count(body.begin(), body.end(), '\n')) + 1);
  reading::lp::Parser parser(body, parse_options);
  for (;;) {
    const auto outcome = parser.Next();
    if (outcome == reading::lp::Parser::Outcome::kEnd) break;
    if (outcome == reading::lp::Parser::Outcome::kError) {
      batch.result.refused.push_back({parser.error().line, parser.error().ToString()});
      continue;
    }
    const reading::lp::PointView& point = parser.point();
    const std::string_view series =
        body.substr(point.offset, point.fields.front().offset - point.offset);
    for (const reading::lp::FieldView& f : point.fields) {
      Field field{series, f.key, point.text, point.line, point.time};
      switch (f.type) {
        case reading::lp::FieldType::kFloat:
          if (!std::isfinite(f.float_value)) {
            batch.result.refused.push_back(
                {point.line,
                 fmt::format("field \"{}\": {} is not a finite number", f.key, f.float_value)});
            continue;
          }
          field.type = codec::ValueType::kDouble;
          field.bits = std::bit_cast<uint64_t>(f.float_value);
          break;
        case reading::lp::FieldType::kInteger:
          field.type = codec::ValueType::kInt64;
          field.bits = static_cast<uint64_t>(f.int_value);
          break;
        case reading::lp::FieldType::kUnsigned:
          field.type = codec::ValueType::kUint64;
          field.bits = f.uint_value;
          break;
        case reading::lp::FieldType::kBoolean:
          field.type = codec::ValueType::kBool;
          field.bits = f.bool_value ? 1 : 0;
          break;
        case reading::lp::FieldType::kString:
          batch.result.refused.push_back(
              {point.line, fmt::format("field \"{}\": string values are not stored", f.key)});
          continue;
      }
      fields.push_back(field);
    }
  }

  // Resolve the series: the text as written maps to the series once it was seen; a line
  // whose series is new is parsed again for its unescaped, sorted parts.
  batch.points.reserve(fields.size());
  {
    MutexLock lock(index_mu_);
    if (raw_series_.size() > kMaxRawSeries) raw_series_.clear();
    KeyParts parts;
    std::string measurement;
    std::vector<std::pair<std::string, std::string>> tags;
    std::string field_name;
    for (const Field& f : fields) {
      auto it = raw_series_.find(f.series);
      SeriesInfo* info = nullptr;
      if (it != raw_series_.end()) {
        for (const auto& [key, known] : it->second) {
          if (key == f.key) {
            info = known;
            break;
          }
        }
      }
      if (info == nullptr) {
        reading::lp::Parser again(f.line, parse_options);
        if (again.Next() != reading::lp::Parser::Outcome::kPoint) continue;  // cannot happen
        const reading::lp::PointView& point = again.point();
        measurement = reading::lp::UnescapeMeasurement(point.measurement);
        tags.clear();
        for (const reading::lp::TagView& tag : point.tags) {
          tags.emplace_back(reading::lp::UnescapeTag(tag.key), reading::lp::UnescapeTag(tag.value));
        }
        std::sort(tags.begin(), tags.end());
        field_name = reading::lp::UnescapeKey(f.key);
        parts.measurement = measurement;
        parts.tags.clear();
        for (const auto& [k, v] : tags)
          parts.tags.emplace_back(k, v);
        parts.field = field_name;
        info = Resolve(batch, f.line_number, parts, f.type);
        if (info == nullptr) continue;
        raw_series_[std::string(f.series)].emplace_back(std::string(f.key), info);
      }
      Push(batch, f.line_number, *info, f.type, f.time, f.bits);
    }
    index_.Publish();
  }
  std::sort(batch.result.refused.begin(), batch.result.refused.end(),
            [](const auto& a, const auto& b) { return a.index < b.index; });
  return Commit(batch);
}

// ---- Read path ----

void EngineImpl::Publish(std::shared_ptr<const Version> version) {
  MutexLock lock(version_mu_);
  version_ = std::move(version);
}

std::shared_ptr<const Version> EngineImpl::CurrentVersion() const {
  MutexLock lock(version_mu_);
  return version_;
}

std::vector<const SeriesInfo*> EngineImpl::Match(const Selector& selector) const {
  std::vector<const SeriesInfo*> out;
  auto catalog = index_.catalog();
  auto it = catalog->by_measurement.find(selector.measurement);
  if (it == catalog->by_measurement.end()) return out;
  for (const SeriesInfo* info : it->second) {
    const SeriesId& s = info->series();
    if (!selector.field.empty() && s.field != selector.field) continue;
    bool match = true;
    for (const reading::Tag& want : selector.tags) {
      auto tag = std::find_if(s.tags.begin(), s.tags.end(),
                              [&](const reading::Tag& t) { return t.key == want.key; });
      const std::string_view have = tag == s.tags.end() ? std::string_view() : tag->value;
      if (have != want.value) {
        match = false;
        break;
      }
    }
    if (match) out.push_back(info);
  }
  return out;
}

void EngineImpl::Sources(const Version& version, uint32_t id, std::vector<SeriesSource>& out) {
  out.clear();
  for (const BlockHandle& handle : version.blocks) {
    if (const block::SeriesEntry* entry = handle.block->Find(id); entry != nullptr) {
      out.push_back({handle.block.get(), entry, nullptr, entry->first_time, entry->last_time});
    }
  }
  const auto add_memory = [&](const Memtable& memtable) {
    if (const MemSeries* series = memtable.Get(id); series != nullptr && series->size() > 0) {
      out.push_back({nullptr, nullptr, series, series->min_time(), series->max_time()});
    }
  };
  for (const auto& frozen : version.frozen)
    add_memory(*frozen);
  add_memory(*version.active);
}

Result<std::vector<SeriesPoints>> EngineImpl::Last(const Selector& selector) {
  std::vector<SeriesPoints> out;
  for (const SeriesInfo* info : Match(selector)) {
    TimeNs time = 0;
    uint64_t bits = 0;
    if (!info->Last(time, bits)) continue;
    out.push_back({info->series(), {{time, ValueFromBits(info->type(), bits)}}});
  }
  return out;
}

Result<std::vector<SeriesPoints>> EngineImpl::Range(const Selector& selector, TimeNs from,
                                                    TimeNs to) {
  std::vector<SeriesPoints> out;
  if (from >= to) return out;
  auto version = CurrentVersion();
  std::vector<SeriesSource> sources;
  SeriesData data;
  codec::DecodedChunk scratch;
  for (const SeriesInfo* info : Match(selector)) {
    Sources(*version, info->id(), sources);
    if (Status s = CollectPoints(sources, from, to, data, scratch); !s.ok()) return s;
    if (data.times.empty()) continue;
    SeriesPoints& series = out.emplace_back();
    series.series = info->series();
    series.points.reserve(data.times.size());
    for (size_t i = 0; i < data.times.size(); ++i) {
      series.points.push_back({data.times[i], ValueFromBits(info->type(), data.bits[i])});
    }
  }
  return out;
}

Result<std::vector<GroupBuckets>> EngineImpl::Aggregate(const AggregateQuery& query) {
  if (query.step <= 0) {
    return InvalidArgument("aggregate step must be positive, got " + std::to_string(query.step));
  }
  std::vector<GroupBuckets> out;
  const TimeNs from = FloorDiv(query.from, query.step) * query.step;
  if (from >= query.to) return out;
  auto version = CurrentVersion();
  std::vector<SeriesSource> sources;
  SeriesData data;
  codec::DecodedChunk scratch;
  std::vector<Accumulator> accs;
  // A grouped LAST compares the times of points of different series: raw points only.
  const bool use_rollups = query.group_by.empty() || query.function != AggregateFunction::kLast;
  std::map<std::vector<std::string>, std::vector<Accumulator>> groups;
  const auto emit = [&](GroupBuckets& g, const std::vector<Accumulator>& buckets) {
    for (const Accumulator& acc : buckets) {
      g.buckets.push_back({acc.bucket * query.step, Finish(acc, query.function), acc.count});
    }
  };
  for (const SeriesInfo* info : Match(query.selector)) {
    Sources(*version, info->id(), sources);
    if (Status s = SeriesBuckets(sources, info->type(), from, query.to, query.step, use_rollups,
                                 accs, scratch, data);
        !s.ok()) {
      return s;
    }
    if (accs.empty()) continue;
    if (query.group_by.empty()) {
      GroupBuckets& g = out.emplace_back();
      g.series = info->series();
      emit(g, accs);
      continue;
    }
    std::vector<std::string> key;
    for (const std::string& tag_key : query.group_by) {
      auto tag = std::find_if(info->series().tags.begin(), info->series().tags.end(),
                              [&](const reading::Tag& t) { return t.key == tag_key; });
      key.push_back(tag == info->series().tags.end() ? std::string() : tag->value);
    }
    MergeAccumulators(groups[key], accs);
  }
  for (const auto& [key, buckets] : groups) {
    GroupBuckets& g = out.emplace_back();
    for (size_t i = 0; i < key.size(); ++i)
      g.group.push_back({query.group_by[i], key[i]});
    emit(g, buckets);
  }
  return out;
}

// ---- Maintenance ----

TimeNs EngineImpl::RetentionCutoff(const std::string& measurement) const {
  TimeNs keep = options_.default_retention;
  for (const Retention& r : options_.retention) {
    if (r.measurement == measurement) keep = r.keep;
  }
  if (keep <= 0) return std::numeric_limits<TimeNs>::min();
  return clock_.Now() - keep;
}

bool EngineImpl::HasExpired(const BlockHandle& handle) const {
  if (options_.default_retention <= 0 && options_.retention.empty()) return false;
  for (const block::SeriesEntry& entry : handle.block->series()) {
    const SeriesInfo* info = index_.ById(entry.id);
    if (info != nullptr && entry.first_time < RetentionCutoff(info->series().measurement)) {
      return true;
    }
  }
  return false;
}

Status EngineImpl::SaveSnapshot(uint64_t flushed_seq) {
  SeriesSnapshot snapshot;
  snapshot.flushed_seq = flushed_seq;
  const uint32_t max_id = index_.max_id();
  for (uint32_t id = 1; id <= max_id; ++id) {
    const SeriesInfo* info = index_.ById(id);
    if (info != nullptr && info->durable()) {
      snapshot.series.push_back({id, info->type(), info->key()});
    }
  }
  return WriteSeriesSnapshot(fs_, dir_, series_path_, snapshot);
}

Status EngineImpl::WriteBlocks(const std::vector<std::vector<SeriesSource>>& by_series,
                               const std::vector<uint32_t>& ids, const std::set<TimeNs>& partitions,
                               std::vector<BlockHandle>& out) {
  // One block per partition, one series at a time (memory: one series' points), merged,
  // retention applied.
  SeriesData data;
  codec::DecodedChunk scratch;
  for (const TimeNs partition : partitions) {
    const uint64_t seq = next_block_seq_++;
    const std::string path = fmt::format("{}/{:016d}{}", blocks_dir_, seq, kBlockSuffix);
    auto writer = block::BlockWriter::Create(fs_, path);
    if (!writer.ok()) return writer.status();
    const TimeNs end = partition + options_.partition;
    uint64_t points = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (Status s = CollectPoints(by_series[i], partition, end, data, scratch); !s.ok()) return s;
      const SeriesInfo* info = index_.ById(ids[i]);
      const size_t expired = LowerIndex(data.times, RetentionCutoff(info->series().measurement));
      points_expired_.fetch_add(expired, std::memory_order_relaxed);
      if (expired == data.times.size()) continue;
      const size_t n = data.times.size() - expired;
      if (Status s = (*writer)->Add(
              ids[i], std::span<const TimeNs>(data.times.data() + expired, n),
              ColumnFromBits(info->type(),
                             std::span<const uint64_t>(data.bits.data() + expired, n)));
          !s.ok()) {
        return s;
      }
      points += n;
    }
    if (points == 0) continue;  // everything expired: the unfinished writer removes its file
    auto info = (*writer)->Finish();
    if (!info.ok()) return info.status();
    auto opened = block::Block::Open(fs_, path);
    if (!opened.ok()) return opened.status();
    out.push_back({seq, partition, std::move(*opened)});
  }
  return Status::Ok();
}

Status EngineImpl::FlushFrozen() {
  for (;;) {
    auto version = CurrentVersion();
    if (version->frozen.empty()) return Status::Ok();
    const std::shared_ptr<Memtable> frozen = version->frozen.front();
    const std::vector<uint32_t> ids = frozen->SortedIds();
    std::vector<std::vector<SeriesSource>> by_series(ids.size());
    std::set<TimeNs> partitions;
    SeriesData data;
    for (size_t i = 0; i < ids.size(); ++i) {
      const MemSeries* series = frozen->Get(ids[i]);
      by_series[i].push_back({nullptr, nullptr, series, series->min_time(), series->max_time()});
      // The partitions its points fall in.
      data.clear();
      series->Collect(std::numeric_limits<TimeNs>::min(), std::numeric_limits<TimeNs>::max(),
                      data.times, data.bits);
      for (size_t j = 0; j < data.times.size();) {
        const TimeNs partition = FloorDiv(data.times[j], options_.partition) * options_.partition;
        partitions.insert(partition);
        j = LowerIndex(data.times, partition + options_.partition, j);
      }
    }
    std::vector<BlockHandle> written;
    Status s = WriteBlocks(by_series, ids, partitions, written);
    if (s.ok()) s = SaveSnapshot(frozen->last_seq);
    if (!s.ok()) {
      // The frozen memtable stays readable and in the WAL; the next attempt rewrites it.
      for (const BlockHandle& handle : written)
        (void)fs_.Remove(handle.block->path());
      return s.WithContext("flush");
    }
    {
      MutexLock lock(version_mu_);
      auto next = std::make_shared<Version>(*version_);
      next->frozen.erase(next->frozen.begin());
      next->blocks.insert(next->blocks.end(), written.begin(), written.end());
      version_ = std::move(next);
    }
    {
      MutexLock lock(bg_mu_);
      --frozen_count_;
    }
    stall_cv_.notify_all();
    flushes_.fetch_add(1, std::memory_order_relaxed);
    // A new WAL segment, so the records just written out can all go, now or at the next
    // flush.
    Status removed = wal_->Rotate();
    if (removed.ok()) removed = wal_->RemoveThrough(frozen->last_seq);
    if (!removed.ok()) {
      spdlog::warn("store {}: {}", dir_, removed.ToString());
    }
  }
}

Status EngineImpl::CompactPartitions(bool all) {
  auto version = CurrentVersion();
  std::map<TimeNs, std::vector<const BlockHandle*>> partitions;
  for (const BlockHandle& handle : version->blocks)
    partitions[handle.partition].push_back(&handle);
  for (const auto& partition : partitions) {
    const std::vector<const BlockHandle*>& handles = partition.second;
    bool expired = false;
    for (const BlockHandle* h : handles)
      expired = expired || HasExpired(*h);
    const size_t trigger = all ? 2 : options_.compaction_trigger;
    if (handles.size() < trigger && !expired) continue;
    // Every series of the partition, from every block, oldest write first.
    std::map<uint32_t, std::vector<SeriesSource>> by_id;
    for (const BlockHandle* h : handles) {
      for (const block::SeriesEntry& entry : h->block->series()) {
        by_id[entry.id].push_back(
            {h->block.get(), &entry, nullptr, entry.first_time, entry.last_time});
      }
    }
    std::vector<uint32_t> ids;
    std::vector<std::vector<SeriesSource>> by_series;
    for (auto& [id, sources] : by_id) {
      ids.push_back(id);
      by_series.push_back(std::move(sources));
    }
    std::vector<BlockHandle> written;
    if (Status s = WriteBlocks(by_series, ids, {partition.first}, written); !s.ok()) {
      for (const BlockHandle& handle : written)
        (void)fs_.Remove(handle.block->path());
      return s.WithContext("compaction");
    }
    {
      MutexLock lock(version_mu_);
      auto next = std::make_shared<Version>(*version_);
      std::erase_if(next->blocks, [&](const BlockHandle& b) {
        return std::any_of(handles.begin(), handles.end(),
                           [&](const BlockHandle* h) { return h->seq == b.seq; });
      });
      next->blocks.insert(next->blocks.end(), written.begin(), written.end());
      std::sort(next->blocks.begin(), next->blocks.end(),
                [](const BlockHandle& a, const BlockHandle& b) { return a.seq < b.seq; });
      version_ = std::move(next);
    }
    for (const BlockHandle* h : handles) {
      if (Status s = fs_.Remove(h->block->path()); !s.ok()) {
        spdlog::warn("store {}: compaction: {}", dir_, s.ToString());
      }
    }
    if (Status s = fs_.SyncDir(blocks_dir_); !s.ok()) return s.WithContext("compaction");
    compactions_.fetch_add(1, std::memory_order_relaxed);
  }
  return Status::Ok();
}

void EngineImpl::BackgroundLoop() {
  auto next_maintenance = std::chrono::steady_clock::now() + kMaintenanceInterval;
  for (;;) {
    {
      MutexLock lock(bg_mu_);
      while (!bg_stop_ && frozen_count_ == 0 &&
             std::chrono::steady_clock::now() < next_maintenance) {
        lock.WaitUntil(bg_cv_, next_maintenance);
      }
      if (bg_stop_) return;
    }
    Status s;
    {
      MutexLock lock(maintenance_mu_);
      s = FlushFrozen();
      if (s.ok()) s = CompactPartitions(false);
    }
    next_maintenance = std::chrono::steady_clock::now() + kMaintenanceInterval;
    if (!s.ok()) {
      maintenance_failures_.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("store {}: {} (retrying in {} s)", dir_, s.ToString(), kRetryBackoff.count());
      MutexLock lock(bg_mu_);
      const auto until = std::chrono::steady_clock::now() + kRetryBackoff;
      while (!bg_stop_ && std::chrono::steady_clock::now() < until)
        lock.WaitUntil(bg_cv_, until);
    }
  }
}

void EngineImpl::StopBackground() {
  {
    MutexLock lock(bg_mu_);
    bg_stop_ = true;
  }
  bg_cv_.notify_all();
  stall_cv_.notify_all();
  if (bg_.joinable()) bg_.join();
}

Status EngineImpl::Flush() {
  if (closed_.load()) return Unavailable("store is closed");
  {
    MutexLock lock(apply_mu_);
    Freeze();
  }
  MutexLock lock(maintenance_mu_);
  return FlushFrozen();
}

Status EngineImpl::Compact() {
  if (Status s = Flush(); !s.ok()) return s;
  MutexLock lock(maintenance_mu_);
  return CompactPartitions(true);
}

Status EngineImpl::Close() {
  if (closed_.load()) return Unavailable("store is closed");
  Status flushed = health().ok() ? Flush() : Status::Ok();
  closed_.store(true);
  StopBackground();
  Status closed = wal_->Close();
  return flushed.ok() ? closed : flushed;
}

Status EngineImpl::health() const {
  return wal_->health();
}

EngineStats EngineImpl::stats() const {
  EngineStats s;
  s.series = index_.catalog()->series;
  s.points_appended = points_appended_.load();
  auto version = CurrentVersion();
  for (const auto& m : version->frozen)
    s.memtable_points += m->points();
  s.memtable_points += version->active->points();
  for (const BlockHandle& h : version->blocks) {
    ++s.blocks;
    s.block_bytes += h.block->bytes();
    s.block_points += h.block->points();
  }
  s.flushes = flushes_.load();
  s.compactions = compactions_.load();
  s.points_expired = points_expired_.load();
  s.replayed_records = replayed_records_;
  s.replayed_points = replayed_points_;
  s.replay_seconds = replay_seconds_;
  s.wal = wal_->stats();
  return s;
}

}  // namespace

Status ValidateEngineOptions(const EngineOptions& options) {
  if (options.memtable_points == 0) {
    return InvalidArgument("engine option memtable_points: must be at least 1");
  }
  if (options.partition < kNanosPerHour || options.partition % kNanosPerHour != 0) {
    return InvalidArgument("engine option partition: must be a whole number of hours, got " +
                           std::to_string(options.partition) + " ns");
  }
  if (options.compaction_trigger < 2) {
    return InvalidArgument("engine option compaction_trigger: must be at least 2");
  }
  if (options.default_retention < 0) {
    return InvalidArgument("engine option default_retention: must not be negative");
  }
  for (const Retention& r : options.retention) {
    if (r.measurement.empty()) {
      return InvalidArgument("engine option retention: a measurement name is empty");
    }
    if (r.keep <= 0) {
      return InvalidArgument("engine option retention of \"" + r.measurement +
                             "\": keep must be positive");
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<Engine>> Engine::Open(const std::string& dir, const EngineOptions& options) {
  if (Status s = ValidateEngineOptions(options); !s.ok()) return s;
  auto engine = std::make_unique<EngineImpl>(dir, options);
  if (Status s = engine->Start(); !s.ok()) return s.WithContext("store " + dir);
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace coolflow::store::engine
