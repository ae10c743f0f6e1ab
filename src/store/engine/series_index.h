// The engine's series index: measurement + sorted tags + field <-> a dense series id, each
// series' value type and its newest point.
//
// A series' key is its canonical byte form (SeriesKey): length-prefixed measurement, tag
// keys and values in key order, and field. Ids start at 1 and are never reused; they are
// what the WAL, the memtable and the block files name a series by.
//
// Thread safety: Find, Add and MarkDurable are the writer side and need the caller's
// serialisation (the engine's index mutex). ById, catalog() and the last-point accessors
// may be called from any thread at any time without waiting for the writer: series are
// never freed while the index lives, ids resolve through atomically published pages, and
// the catalog (the series by measurement, in series order) is an immutable snapshot
// replaced after each batch of additions.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "common/thread_annotations.h"
#include "store/codec/chunk.h"
#include "store/engine/paged_array.h"
#include "store/store.h"

namespace coolflow::store::engine {

// The most series one engine holds (ids 1 .. kMaxSeries - 1).
inline constexpr uint32_t kMaxSeries = 1u << 24;

// The canonical key of a series. `tags` must be sorted by key with no key twice.
std::string SeriesKey(const SeriesId& series);
void AppendSeriesKey(std::string& out, std::string_view measurement,
                     std::span<const reading::Tag> tags, std::string_view field);
// The series a canonical key names; Corruption("series key: <why>") when it is not one.
Result<SeriesId> ParseSeriesKey(std::string_view key);

// A value as the engine keeps it: 8 bytes whose meaning the series' type gives.
uint64_t ValueBits(const Value& value);
Value ValueFromBits(codec::ValueType type, uint64_t bits);
double ValueBitsAsDouble(codec::ValueType type, uint64_t bits);

class SeriesInfo {
 public:
  SeriesInfo(uint32_t id, SeriesId series, std::string key, codec::ValueType type)
      : id_(id), series_(std::move(series)), key_(std::move(key)), type_(type) {}

  uint32_t id() const { return id_; }
  const SeriesId& series() const { return series_; }
  const std::string& key() const { return key_; }
  codec::ValueType type() const { return type_; }

  // Whether a WAL record or the series snapshot holding the series' definition is durable.
  // Until then every record that uses the series carries its definition.
  bool durable() const { return durable_.load(std::memory_order_acquire); }
  void MarkDurable() { durable_.store(true, std::memory_order_release); }

  // The newest point (by time; a later write at the same time replaces it). One writer at a
  // time (the engine's apply turn); readers never wait: a sequence lock.
  void OfferLast(TimeNs time, uint64_t bits);
  // False when the series has no point yet.
  bool Last(TimeNs& time, uint64_t& bits) const;

 private:
  const uint32_t id_;
  const SeriesId series_;
  const std::string key_;
  const codec::ValueType type_;
  std::atomic<bool> durable_{false};
  std::atomic<uint64_t> last_seq_{0};  // odd while being written
  std::atomic<TimeNs> last_time_{0};
  std::atomic<uint64_t> last_bits_{0};
  std::atomic<bool> has_last_{false};
};

// Every series, by measurement, each list in series order (SeriesId's <=>).
struct Catalog {
  std::map<std::string, std::vector<const SeriesInfo*>, std::less<>> by_measurement;
  size_t series = 0;
};

class SeriesIndex {
 public:
  SeriesIndex();
  ~SeriesIndex();
  SeriesIndex(const SeriesIndex&) = delete;
  SeriesIndex& operator=(const SeriesIndex&) = delete;

  // Writer side. The series with this canonical key, or nullptr.
  SeriesInfo* Find(std::string_view key) const;
  // Adds a series. `id` 0 takes the next free id; otherwise the id is taken as given (from
  // the snapshot or the WAL): AlreadyExists-like Corruption when it names another series,
  // the existing series when it names this one. ResourceExhausted past kMaxSeries.
  Result<SeriesInfo*> Add(std::string key, SeriesId series, codec::ValueType type, uint32_t id = 0);
  // Makes the series added since the last Publish visible to catalog().
  void Publish();

  // Any thread. nullptr for an unknown id.
  const SeriesInfo* ById(uint32_t id) const;
  SeriesInfo* MutableById(uint32_t id) const;
  std::shared_ptr<const Catalog> catalog() const;
  // The highest id given out; 0 when empty.
  uint32_t max_id() const { return max_id_.load(std::memory_order_acquire); }

 private:
  std::unordered_map<std::string_view, SeriesInfo*> by_key_;  // writer side
  std::vector<std::unique_ptr<SeriesInfo>> owned_;            // writer side
  std::vector<SeriesInfo*> unpublished_;                      // writer side
  PagedArray<SeriesInfo, kMaxSeries> by_id_;
  std::atomic<uint32_t> max_id_{0};

  mutable Mutex catalog_mu_;  // held only to copy or replace the pointer
  std::shared_ptr<const Catalog> catalog_ COOLFLOW_GUARDED_BY(catalog_mu_);
};

}  // namespace coolflow::store::engine
