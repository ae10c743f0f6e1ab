#include "store/engine/series_index.h"

#include <algorithm>
#include <bit>

#include "store/codec/byte_io.h"

namespace coolflow::store::engine {
namespace {

void PutString(std::string& out, std::string_view text) {
  codec::PutVarint(out, text.size());
  out.append(text);
}

Status ReadString(codec::ByteReader& reader, std::string& out, std::string_view what) {
  uint64_t size = 0;
  if (Status s = reader.ReadVarint(size, what); !s.ok()) return s;
  if (size > reader.remaining()) return reader.Error(std::string(what) + " is cut off");
  out.assign(reader.rest().substr(0, size));
  reader.Skip(size);
  return Status::Ok();
}

}  // namespace

void AppendSeriesKey(std::string& out, std::string_view measurement,
                     std::span<const reading::Tag> tags, std::string_view field) {
  PutString(out, measurement);
  codec::PutVarint(out, tags.size());
  for (const reading::Tag& tag : tags) {
    PutString(out, tag.key);
    PutString(out, tag.value);
  }
  PutString(out, field);
}

std::string SeriesKey(const SeriesId& series) {
  std::string key;
  AppendSeriesKey(key, series.measurement, series.tags, series.field);
  return key;
}

Result<SeriesId> ParseSeriesKey(std::string_view key) {
  codec::ByteReader reader(key);
  SeriesId series;
  Status s = ReadString(reader, series.measurement, "measurement");
  uint64_t tags = 0;
  if (s.ok()) s = reader.ReadVarint(tags, "tag count");
  if (s.ok() && tags > key.size()) s = reader.Error("tag count is too large");
  for (uint64_t i = 0; s.ok() && i < tags; ++i) {
    reading::Tag& tag = series.tags.emplace_back();
    s = ReadString(reader, tag.key, "tag key");
    if (s.ok()) s = ReadString(reader, tag.value, "tag value");
    if (s.ok() && i > 0 && !(series.tags[i - 1].key < tag.key)) {
      s = reader.Error("tag keys are not sorted");
    }
  }
  if (s.ok()) s = ReadString(reader, series.field, "field");
  if (s.ok() && reader.remaining() != 0) s = reader.Error("bytes after the field");
  if (s.ok() && (series.measurement.empty() || series.field.empty())) {
    s = reader.Error("empty measurement or field");
  }
  if (!s.ok()) return Corruption("series key: " + s.message());
  return series;
}

uint64_t ValueBits(const Value& value) {
  return std::visit(
      [](const auto& v) -> uint64_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, double>) return std::bit_cast<uint64_t>(v);
        if constexpr (std::is_same_v<T, int64_t>) return static_cast<uint64_t>(v);
        if constexpr (std::is_same_v<T, uint64_t>) return v;
        if constexpr (std::is_same_v<T, bool>) return v ? 1 : 0;
      },
      value);
}

Value ValueFromBits(codec::ValueType type, uint64_t bits) {
  switch (type) {
    case codec::ValueType::kDouble:
      return std::bit_cast<double>(bits);
    case codec::ValueType::kInt64:
      return static_cast<int64_t>(bits);
    case codec::ValueType::kUint64:
      return bits;
    case codec::ValueType::kBool:
      return bits != 0;
  }
  return 0.0;
}

double ValueBitsAsDouble(codec::ValueType type, uint64_t bits) {
  switch (type) {
    case codec::ValueType::kDouble:
      return std::bit_cast<double>(bits);
    case codec::ValueType::kInt64:
      return static_cast<double>(static_cast<int64_t>(bits));
    case codec::ValueType::kUint64:
      return static_cast<double>(bits);
    case codec::ValueType::kBool:
      return bits != 0 ? 1.0 : 0.0;
  }
  return 0;
}

void SeriesInfo::OfferLast(TimeNs time, uint64_t bits) {
  if (has_last_.load(std::memory_order_relaxed) &&
      time < last_time_.load(std::memory_order_relaxed)) {
    return;
  }
  const uint64_t seq = last_seq_.load(std::memory_order_relaxed);
  last_seq_.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  last_time_.store(time, std::memory_order_relaxed);
  last_bits_.store(bits, std::memory_order_relaxed);
  has_last_.store(true, std::memory_order_relaxed);
  last_seq_.store(seq + 2, std::memory_order_release);
}

bool SeriesInfo::Last(TimeNs& time, uint64_t& bits) const {
  for (;;) {
    const uint64_t before = last_seq_.load(std::memory_order_acquire);
    if (before & 1) continue;
    const bool has = has_last_.load(std::memory_order_relaxed);
    time = last_time_.load(std::memory_order_relaxed);
    bits = last_bits_.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (last_seq_.load(std::memory_order_relaxed) == before) return has;
  }
}

SeriesIndex::SeriesIndex() : catalog_(std::make_shared<Catalog>()) {}

SeriesIndex::~SeriesIndex() = default;

SeriesInfo* SeriesIndex::Find(std::string_view key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : it->second;
}

Result<SeriesInfo*> SeriesIndex::Add(std::string key, SeriesId series, codec::ValueType type,
                                     uint32_t id) {
  if (SeriesInfo* existing = Find(key)) {
    if (id != 0 && existing->id() != id) {
      return Corruption("series " + series.ToString() + " has id " +
                        std::to_string(existing->id()) + " and " + std::to_string(id));
    }
    return existing;
  }
  if (id == 0) id = max_id() + 1;
  if (id >= kMaxSeries) {
    return Status(StatusCode::kResourceExhausted,
                  "the store holds its limit of " + std::to_string(kMaxSeries - 1) + " series");
  }
  if (ById(id) != nullptr) {
    return Corruption("series id " + std::to_string(id) + " names both " +
                      ById(id)->series().ToString() + " and " + series.ToString());
  }
  auto info = std::make_unique<SeriesInfo>(id, std::move(series), std::move(key), type);
  SeriesInfo* raw = info.get();
  owned_.push_back(std::move(info));
  by_key_.emplace(raw->key(), raw);
  by_id_.Set(id, raw);
  if (id > max_id()) max_id_.store(id, std::memory_order_release);
  unpublished_.push_back(raw);
  return raw;
}

void SeriesIndex::Publish() {
  if (unpublished_.empty()) return;
  auto next = std::make_shared<Catalog>(*catalog());
  const auto less = [](const SeriesInfo* a, const SeriesInfo* b) {
    return a->series() < b->series();
  };
  std::sort(unpublished_.begin(), unpublished_.end(), less);
  for (SeriesInfo* info : unpublished_) {
    auto& list = next->by_measurement[info->series().measurement];
    list.insert(std::upper_bound(list.begin(), list.end(), info, less), info);
  }
  next->series += unpublished_.size();
  unpublished_.clear();
  MutexLock lock(catalog_mu_);
  catalog_ = std::move(next);
}

SeriesInfo* SeriesIndex::MutableById(uint32_t id) const {
  return id == 0 ? nullptr : by_id_.Get(id);
}

const SeriesInfo* SeriesIndex::ById(uint32_t id) const {
  return MutableById(id);
}

std::shared_ptr<const Catalog> SeriesIndex::catalog() const {
  MutexLock lock(catalog_mu_);
  return catalog_;
}

}  // namespace coolflow::store::engine
