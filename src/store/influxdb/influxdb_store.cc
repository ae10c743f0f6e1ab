// The InfluxDB 1.x store: Append as line protocol over POST /write, queries as InfluxQL over
// POST /query. docs/store-influxdb.md is the map from store.h onto InfluxQL.
//
// Thread safety: the field-type cache is guarded by mutex_; InfluxDbClient is thread-safe;
// everything else is per call.
#include "store/influxdb/influxdb_store.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "common/thread_annotations.h"
#include "fmt/format.h"
#include "reading/format.h"
#include "reading/validate.h"
#include "store/influxdb/influxdb_client.h"
#include "store/influxdb/influxql.h"

namespace coolflow::store {
namespace {

using nlohmann::json;

// InfluxDB's representable time range, [-2^63+2, 2^63-2] ns.
constexpr TimeNs kMinInfluxTime = std::numeric_limits<TimeNs>::min() + 2;
constexpr TimeNs kMaxInfluxTime = std::numeric_limits<TimeNs>::max() - 1;
constexpr size_t kMaxBatchPointsLimit = 1'000'000;
constexpr std::string_view kTimeKey = "time";

// A field's type as SHOW FIELD KEYS names it.
enum class FieldKind { kFloat, kInteger, kUnsigned, kBoolean, kString };

std::string_view FieldKindName(FieldKind kind) {
  switch (kind) {
    case FieldKind::kFloat:
      return "float";
    case FieldKind::kInteger:
      return "integer";
    case FieldKind::kUnsigned:
      return "unsigned";
    case FieldKind::kBoolean:
      return "boolean";
    case FieldKind::kString:
      return "string";
  }
  return "float";
}

std::optional<FieldKind> ParseFieldKind(std::string_view name) {
  for (FieldKind kind : {FieldKind::kFloat, FieldKind::kInteger, FieldKind::kUnsigned,
                         FieldKind::kBoolean, FieldKind::kString}) {
    if (FieldKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

FieldKind KindOf(const reading::Value& value) {
  switch (value.index()) {
    case 0:
      return FieldKind::kFloat;
    case 1:
      return FieldKind::kInteger;
    case 2:
      return FieldKind::kUnsigned;
    case 3:
      return FieldKind::kBoolean;
    default:
      return FieldKind::kString;
  }
}

// Series order (store.h): measurement, then tags (key, then value, tag by tag), then field.
// SeriesId's own operator<=> cannot be used: reading::Tag has none, so it is deleted.
bool SeriesLess(const SeriesId& a, const SeriesId& b) {
  auto key = [](const SeriesId& s) { return std::tie(s.measurement, s.field); };
  if (a.measurement != b.measurement) return a.measurement < b.measurement;
  const bool tags_less =
      std::lexicographical_compare(a.tags.begin(), a.tags.end(), b.tags.begin(), b.tags.end(),
                                   [](const reading::Tag& x, const reading::Tag& y) {
                                     return std::tie(x.key, x.value) < std::tie(y.key, y.value);
                                   });
  if (tags_less) return true;
  if (a.tags != b.tags) return false;
  return key(a) < key(b);
}

struct Field {
  std::string name;
  FieldKind kind = FieldKind::kFloat;
};

double AsDouble(const Value& value) {
  return std::visit([](auto v) { return static_cast<double>(v); }, value);
}

// One bucket being accumulated on the client (booleans; several fields merged in a group).
struct Accumulator {
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  uint64_t count = 0;
  TimeNs last_time = std::numeric_limits<TimeNs>::min();
  double last = 0;

  void Add(const Point& point) {
    const double v = AsDouble(point.value);
    sum += v;
    min = std::min(min, v);
    max = std::max(max, v);
    ++count;
    if (point.time >= last_time) {
      last_time = point.time;
      last = v;
    }
  }
  double Result(AggregateFunction function) const {
    switch (function) {
      case AggregateFunction::kMean:
        return sum / static_cast<double>(count);
      case AggregateFunction::kMin:
        return min;
      case AggregateFunction::kMax:
        return max;
      case AggregateFunction::kCount:
        return static_cast<double>(count);
      case AggregateFunction::kLast:
        return last;
      case AggregateFunction::kSum:
        return sum;
    }
    return sum;
  }
};

std::vector<Bucket> ToBuckets(const std::map<TimeNs, Accumulator>& accumulators,
                              AggregateFunction function) {
  std::vector<Bucket> buckets;
  buckets.reserve(accumulators.size());
  for (const auto& [start, acc] : accumulators) {
    buckets.push_back({start, acc.Result(function), acc.count});
  }
  return buckets;
}

// The tag value of `key` in a series' tags, "" when it has none.
std::string TagValue(const reading::TagSet& tags, std::string_view key) {
  for (const reading::Tag& tag : tags) {
    if (tag.key == key) return tag.value;
  }
  return "";
}

class InfluxDbStore final : public Store {
 public:
  explicit InfluxDbStore(const InfluxDbOptions& options)
      : client_(options), encoder_(reading::MakeEncoder("line-protocol")) {}

  Status Open() {
    if (Status s = client_.Ping("open"); !s.ok()) return s;
    const InfluxDbOptions& options = client_.options();
    if (options.create_database) {
      auto created = client_.Query("open: CREATE DATABASE",
                                   "CREATE DATABASE " + influxql::QuoteIdentifier(options.database),
                                   /*with_database=*/false);
      if (!created.ok()) return created.status();
    }
    // Fails early, naming the database, when it does not exist or may not be read.
    auto probe = client_.Query("open: check database", "SHOW RETENTION POLICIES");
    return probe.ok() ? Status::Ok() : probe.status();
  }

  Result<AppendResult> Append(std::span<const reading::Reading> batch) override;
  Result<std::vector<SeriesPoints>> Last(const Selector& selector) override;
  Result<std::vector<SeriesPoints>> Range(const Selector& selector, TimeNs from,
                                          TimeNs to) override;
  Result<std::vector<GroupBuckets>> Aggregate(const AggregateQuery& query) override;

 private:
  // Why InfluxDB could not hold `reading` as written, or "" when it can; normalises it
  // (sorted tags, uint64 as int64 when the server has no unsigned integers).
  std::string Check(reading::Reading& reading) const;
  // The fields of a measurement as SHOW FIELD KEYS lists them.
  Result<std::vector<Field>> FieldKeys(std::string_view purpose, std::string_view measurement);
  // The fields a selector reads (its field, or every field), strings left out.
  Result<std::vector<Field>> SelectedFields(std::string_view purpose, const Selector& selector);
  // Runs one statement per field and collects the rows of each series as points.
  Result<std::vector<SeriesPoints>> PointsPerSeries(std::string_view purpose,
                                                    const Selector& selector,
                                                    const std::vector<Field>& fields,
                                                    const std::vector<std::string>& statements);
  Result<std::vector<GroupBuckets>> AggregateOnServer(const AggregateQuery& query,
                                                      const std::vector<Field>& fields,
                                                      TimeNs aligned_from);
  Result<std::vector<GroupBuckets>> AggregateOnClient(const AggregateQuery& query,
                                                      const std::vector<Field>& fields,
                                                      TimeNs aligned_from);

  InfluxDbClient client_;
  std::unique_ptr<reading::Encoder> encoder_;
  Mutex mutex_;
  // measurement -> field -> type, as InfluxDB holds them (loaded on first write).
  std::map<std::string, std::map<std::string, FieldKind>, std::less<>> field_types_
      COOLFLOW_GUARDED_BY(mutex_);
};

std::string InfluxDbStore::Check(reading::Reading& r) const {
  if (Status s = reading::ValidateName(r.measurement); !s.ok()) {
    return fmt::format("measurement '{}': {}", r.measurement, s.message());
  }
  if (Status s = reading::ValidateName(r.metric); !s.ok()) {
    return fmt::format("field '{}': {}", r.metric, s.message());
  }
  if (r.metric == kTimeKey) return "field 'time': InfluxDB drops a field called time";
  if (!r.box.empty()) {
    if (Status s = reading::ValidateName(r.box); !s.ok()) {
      return fmt::format("box '{}': {}", r.box, s.message());
    }
  }
  for (const reading::Tag& tag : r.tags) {
    if (Status s = reading::ValidateName(tag.key); !s.ok()) {
      return fmt::format("tag key '{}': {}", tag.key, s.message());
    }
    if (Status s = reading::ValidateName(tag.value); !s.ok()) {
      return fmt::format("tag '{}' value '{}': {}", tag.key, tag.value, s.message());
    }
    if (tag.key == reading::kBoxTag) return "tag key 'box' is reserved for the reading's box";
    if (tag.key == kTimeKey) return "tag key 'time': InfluxDB refuses it";
  }
  if (!reading::SortTags(r.tags)) return "two tags have the same key";
  if (r.time < kMinInfluxTime || r.time > kMaxInfluxTime) {
    return fmt::format("time {} is outside InfluxDB's range", r.time);
  }
  if (std::holds_alternative<std::string>(r.value)) {
    return fmt::format("field '{}': a string value cannot be stored (numbers and booleans only)",
                       r.metric);
  }
  if (const auto* d = std::get_if<double>(&r.value); d != nullptr && !std::isfinite(*d)) {
    return fmt::format("field '{}': InfluxDB cannot hold {}", r.metric, *d);
  }
  if (const auto* u = std::get_if<uint64_t>(&r.value);
      u != nullptr && !client_.options().unsigned_integers) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return fmt::format(
          "field '{}': {} does not fit an integer, and this InfluxDB has no unsigned integers",
          r.metric, *u);
    }
    r.value = static_cast<int64_t>(*u);
  }
  return "";
}

Result<AppendResult> InfluxDbStore::Append(std::span<const reading::Reading> batch) {
  AppendResult result;
  std::vector<reading::Reading> accepted;
  std::vector<size_t> origin;  // accepted[i] is batch[origin[i]]
  accepted.reserve(batch.size());
  origin.reserve(batch.size());
  std::set<std::string, std::less<>> measurements;
  for (size_t i = 0; i < batch.size(); ++i) {
    reading::Reading r = batch[i];
    if (std::string why = Check(r); !why.empty()) {
      result.refused.push_back({i, std::move(why)});
      continue;
    }
    measurements.insert(r.measurement);
    accepted.push_back(std::move(r));
    origin.push_back(i);
  }

  // A value whose type differs from the field's in InfluxDB would make the write a "partial
  // write": refuse it here instead, by the types InfluxDB reports and this batch sets.
  std::map<std::string, std::map<std::string, FieldKind>, std::less<>> types;
  for (const std::string& measurement : measurements) {
    {
      MutexLock lock(mutex_);
      if (auto it = field_types_.find(measurement); it != field_types_.end()) {
        types[measurement] = it->second;
        continue;
      }
    }
    auto fields = FieldKeys("append: field types", measurement);
    if (!fields.ok()) return fields.status();
    auto& known = types[measurement];
    for (const Field& field : *fields)
      known.emplace(field.name, field.kind);
  }
  std::vector<reading::Reading> writable;
  std::vector<size_t> writable_origin;
  writable.reserve(accepted.size());
  for (size_t i = 0; i < accepted.size(); ++i) {
    reading::Reading& r = accepted[i];
    const FieldKind kind = KindOf(r.value);
    auto [it, inserted] = types[r.measurement].emplace(r.metric, kind);
    if (!inserted && it->second != kind) {
      result.refused.push_back(
          {origin[i],
           fmt::format("field '{}' of measurement '{}' holds {} values in InfluxDB; "
                       "this value is {}",
                       r.metric, r.measurement, FieldKindName(it->second), FieldKindName(kind))});
      continue;
    }
    writable.push_back(std::move(r));
    writable_origin.push_back(origin[i]);
  }

  const size_t chunk_size = client_.options().max_batch_points;
  const size_t chunks = (writable.size() + chunk_size - 1) / chunk_size;
  std::string body;
  std::vector<reading::EncodeError> errors;
  for (size_t chunk = 0; chunk < chunks; ++chunk) {
    const size_t begin = chunk * chunk_size;
    const size_t end = std::min(writable.size(), begin + chunk_size);
    body.clear();
    errors.clear();
    encoder_->Encode(std::span(writable).subspan(begin, end - begin), body, errors);
    size_t unwritten = 0;
    for (const reading::EncodeError& error : errors) {
      for (size_t k = 0; k < error.count; ++k) {
        result.refused.push_back({writable_origin[begin + error.index + k], error.message});
      }
      unwritten += error.count;
    }
    if (!body.empty()) {
      const std::string purpose =
          chunks == 1 ? std::string("append")
                      : fmt::format("append: POST /write {} of {} (readings {}..{})", chunk + 1,
                                    chunks, begin, end - 1);
      if (Status s = client_.Write(purpose, body); !s.ok()) {
        // The cached types may be stale (a field written by someone else meanwhile).
        MutexLock lock(mutex_);
        field_types_.clear();
        if (chunk == 0) return s;
        return Status(s.code(), s.message() + fmt::format("; the {} readings before were stored "
                                                          "(appending the batch again is safe)",
                                                          begin));
      }
    }
    result.stored += (end - begin) - unwritten;
  }
  {
    MutexLock lock(mutex_);
    for (auto& [measurement, fields] : types)
      field_types_[measurement] = std::move(fields);
  }
  std::sort(result.refused.begin(), result.refused.end(),
            [](const AppendResult::Refused& a, const AppendResult::Refused& b) {
              return a.index < b.index;
            });
  return result;
}

Result<std::vector<Field>> InfluxDbStore::FieldKeys(std::string_view purpose,
                                                    std::string_view measurement) {
  auto results = client_.Query(purpose, influxql::FieldKeysStatement(measurement));
  if (!results.ok()) return results.status();
  std::vector<Field> fields;
  if (results->empty() || !(*results)[0].contains("series")) return fields;
  for (const json& series : (*results)[0]["series"]) {
    for (const json& row : series.value("values", json::array())) {
      if (!row.is_array() || row.size() < 2 || !row[0].is_string() || !row[1].is_string()) {
        return Corruption(fmt::format("{}: SHOW FIELD KEYS FROM '{}': malformed row {}", purpose,
                                      measurement, row.dump()));
      }
      auto kind = ParseFieldKind(row[1].get<std::string>());
      if (!kind) {
        return Corruption(fmt::format("{}: SHOW FIELD KEYS FROM '{}': unknown field type {}",
                                      purpose, measurement, row[1].dump()));
      }
      const std::string name = row[0].get<std::string>();
      // A field with two types (in different shards) is listed twice: keep the first.
      if (std::none_of(fields.begin(), fields.end(),
                       [&](const Field& f) { return f.name == name; })) {
        fields.push_back({name, *kind});
      }
    }
  }
  return fields;
}

Result<std::vector<Field>> InfluxDbStore::SelectedFields(std::string_view purpose,
                                                         const Selector& selector) {
  if (selector.measurement.empty()) {
    return InvalidArgument(fmt::format("{}: the selector has no measurement", purpose));
  }
  auto fields = FieldKeys(purpose, selector.measurement);
  if (!fields.ok()) return fields.status();
  std::vector<Field> selected;
  for (Field& field : *fields) {
    if (field.kind == FieldKind::kString) continue;  // never written by the store
    if (!selector.field.empty() && field.name != selector.field) continue;
    selected.push_back(std::move(field));
  }
  return selected;
}

// A point's value from a JSON cell, by the field's type.
Result<Value> ParseValue(const json& cell, FieldKind kind) {
  switch (kind) {
    case FieldKind::kFloat:
      if (cell.is_number()) return Value(cell.get<double>());
      break;
    case FieldKind::kInteger:
      if (cell.is_number_integer() &&
          (!cell.is_number_unsigned() ||
           cell.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))) {
        return Value(cell.get<int64_t>());
      }
      break;
    case FieldKind::kUnsigned:
      if (cell.is_number_unsigned()) return Value(cell.get<uint64_t>());
      break;
    case FieldKind::kBoolean:
      if (cell.is_boolean()) return Value(cell.get<bool>());
      break;
    case FieldKind::kString:
      break;
  }
  return Corruption(fmt::format("value {} is not a {}", cell.dump(), FieldKindName(kind)));
}

// The series' tags from a result's "tags" object: series without a tag GROUP BY * names
// come back with "", which is no tag at all.
Result<reading::TagSet> ParseTags(const json& series) {
  reading::TagSet tags;
  if (!series.contains("tags")) return tags;
  const json& object = series["tags"];
  if (!object.is_object()) return Corruption("\"tags\" is not an object");
  for (const auto& [key, value] : object.items()) {
    if (!value.is_string()) return Corruption(fmt::format("tag '{}' is not a string", key));
    if (value.get<std::string>().empty()) continue;
    tags.push_back({key, value.get<std::string>()});
  }
  reading::SortTags(tags);
  return tags;
}

Result<std::vector<SeriesPoints>> InfluxDbStore::PointsPerSeries(
    std::string_view purpose, const Selector& selector, const std::vector<Field>& fields,
    const std::vector<std::string>& statements) {
  std::vector<SeriesPoints> out;
  if (statements.empty()) return out;
  std::string text;
  for (const std::string& statement : statements) {
    if (!text.empty()) text += "; ";
    text += statement;
  }
  auto results = client_.Query(purpose, text);
  if (!results.ok()) return results.status();
  for (size_t k = 0; k < results->size() && k < fields.size(); ++k) {
    const json& result = (*results)[k];
    if (!result.contains("series")) continue;
    for (const json& series : result["series"]) {
      auto where = [&](std::string_view why) {
        return Corruption(fmt::format("{}: field '{}' of '{}': {}", purpose, fields[k].name,
                                      selector.measurement, why));
      };
      auto tags = ParseTags(series);
      if (!tags.ok()) return where(tags.status().message());
      SeriesPoints points{{selector.measurement, std::move(*tags), fields[k].name}, {}};
      for (const json& row : series.value("values", json::array())) {
        if (!row.is_array() || row.size() < 2 || !row[0].is_number_integer()) {
          return where(fmt::format("malformed row {}", row.dump()));
        }
        if (row[1].is_null()) continue;
        auto value = ParseValue(row[1], fields[k].kind);
        if (!value.ok()) return where(value.status().message());
        points.points.push_back({row[0].get<TimeNs>(), *value});
      }
      if (!points.points.empty()) out.push_back(std::move(points));
    }
  }
  std::sort(out.begin(), out.end(), [](const SeriesPoints& a, const SeriesPoints& b) {
    return SeriesLess(a.series, b.series);
  });
  return out;
}

Result<std::vector<SeriesPoints>> InfluxDbStore::Last(const Selector& selector) {
  auto fields = SelectedFields("last", selector);
  if (!fields.ok()) return fields.status();
  std::vector<std::string> statements;
  for (const Field& field : *fields) {
    statements.push_back(influxql::LastStatement(selector, field.name));
  }
  return PointsPerSeries("last", selector, *fields, statements);
}

Result<std::vector<SeriesPoints>> InfluxDbStore::Range(const Selector& selector, TimeNs from,
                                                       TimeNs to) {
  if (from >= to) return std::vector<SeriesPoints>{};
  auto fields = SelectedFields("range", selector);
  if (!fields.ok()) return fields.status();
  std::vector<std::string> statements;
  for (const Field& field : *fields) {
    statements.push_back(influxql::RangeStatement(selector, field.name, from, to));
  }
  return PointsPerSeries("range", selector, *fields, statements);
}

Result<std::vector<GroupBuckets>> InfluxDbStore::Aggregate(const AggregateQuery& query) {
  if (query.step <= 0) {
    return InvalidArgument(fmt::format("aggregate: step {} ns is not positive", query.step));
  }
  const TimeNs aligned_from = influxql::AlignDown(query.from, query.step);
  if (aligned_from >= query.to) return std::vector<GroupBuckets>{};
  auto fields = SelectedFields("aggregate", query.selector);
  if (!fields.ok()) return fields.status();
  if (fields->empty()) return std::vector<GroupBuckets>{};
  const bool has_boolean = std::any_of(
      fields->begin(), fields->end(), [](const Field& f) { return f.kind == FieldKind::kBoolean; });
  // InfluxQL has no MEAN or SUM of booleans and cannot merge two fields into one group:
  // those are computed here from the raw points.
  if (has_boolean || (!query.group_by.empty() && fields->size() > 1)) {
    return AggregateOnClient(query, *fields, aligned_from);
  }
  return AggregateOnServer(query, *fields, aligned_from);
}

Result<std::vector<GroupBuckets>> InfluxDbStore::AggregateOnServer(const AggregateQuery& query,
                                                                   const std::vector<Field>& fields,
                                                                   TimeNs aligned_from) {
  std::string text;
  for (const Field& field : fields) {
    if (!text.empty()) text += "; ";
    text += influxql::AggregateStatement(query, field.name, aligned_from);
  }
  auto results = client_.Query("aggregate", text);
  if (!results.ok()) return results.status();
  std::vector<GroupBuckets> out;
  for (size_t k = 0; k < results->size() && k < fields.size(); ++k) {
    const json& result = (*results)[k];
    if (!result.contains("series")) continue;
    for (const json& series : result["series"]) {
      auto where = [&](std::string_view why) {
        return Corruption(fmt::format("aggregate: field '{}' of '{}': {}", fields[k].name,
                                      query.selector.measurement, why));
      };
      auto tags = ParseTags(series);
      if (!tags.ok()) return where(tags.status().message());
      GroupBuckets group;
      if (query.group_by.empty()) {
        group.series = SeriesId{query.selector.measurement, std::move(*tags), fields[k].name};
      } else {
        for (const std::string& key : query.group_by) {
          group.group.push_back({key, TagValue(*tags, key)});
        }
      }
      for (const json& row : series.value("values", json::array())) {
        if (!row.is_array() || row.size() < 3 || !row[0].is_number_integer() ||
            !row[2].is_number_integer()) {
          return where(fmt::format("malformed row {}", row.dump()));
        }
        if (row[1].is_null() || row[2].get<int64_t>() <= 0) continue;
        if (!row[1].is_number())
          return where(fmt::format("value {} is not a number", row[1].dump()));
        group.buckets.push_back(
            {row[0].get<TimeNs>(), row[1].get<double>(), row[2].get<uint64_t>()});
      }
      if (!group.buckets.empty()) out.push_back(std::move(group));
    }
  }
  std::sort(out.begin(), out.end(), [](const GroupBuckets& a, const GroupBuckets& b) {
    if (a.series && b.series) return SeriesLess(*a.series, *b.series);
    return std::lexicographical_compare(
        a.group.begin(), a.group.end(), b.group.begin(), b.group.end(),
        [](const reading::Tag& x, const reading::Tag& y) { return x.value < y.value; });
  });
  return out;
}

Result<std::vector<GroupBuckets>> InfluxDbStore::AggregateOnClient(const AggregateQuery& query,
                                                                   const std::vector<Field>& fields,
                                                                   TimeNs aligned_from) {
  std::vector<std::string> statements;
  for (const Field& field : fields) {
    statements.push_back(
        influxql::RangeStatement(query.selector, field.name, aligned_from, query.to));
  }
  auto series = PointsPerSeries("aggregate", query.selector, fields, statements);
  if (!series.ok()) return series.status();
  std::vector<GroupBuckets> out;
  if (query.group_by.empty()) {
    for (const SeriesPoints& one : *series) {
      std::map<TimeNs, Accumulator> buckets;
      for (const Point& point : one.points) {
        buckets[influxql::AlignDown(point.time, query.step)].Add(point);
      }
      out.push_back({{}, one.series, ToBuckets(buckets, query.function)});
    }
    return out;
  }
  std::map<std::vector<std::string>, std::map<TimeNs, Accumulator>> groups;
  for (const SeriesPoints& one : *series) {
    std::vector<std::string> key;
    for (const std::string& tag_key : query.group_by)
      key.push_back(TagValue(one.series.tags, tag_key));
    auto& buckets = groups[key];
    for (const Point& point : one.points) {
      buckets[influxql::AlignDown(point.time, query.step)].Add(point);
    }
  }
  for (const auto& [key, buckets] : groups) {
    GroupBuckets group;
    for (size_t i = 0; i < key.size(); ++i)
      group.group.push_back({query.group_by[i], key[i]});
    group.buckets = ToBuckets(buckets, query.function);
    out.push_back(std::move(group));
  }
  return out;
}

bool HasScheme(std::string_view url, std::string_view scheme) {
  return url.substr(0, scheme.size()) == scheme && url.size() > scheme.size();
}

}  // namespace

Status ValidateInfluxDbOptions(const InfluxDbOptions& options) {
  auto bad = [](std::string_view field, std::string why) {
    return InvalidArgument(fmt::format("influxdb options: {}: {}", field, why));
  };
  const std::string_view url = options.url;
  if (!HasScheme(url, "http://") && !HasScheme(url, "https://")) {
    return bad("url", fmt::format("'{}' does not start with http:// or https:// and a host", url));
  }
  const size_t authority_start = url.find("//") + 2;
  const std::string_view authority =
      url.substr(authority_start, url.find('/', authority_start) - authority_start);
  if (authority.find('@') != std::string_view::npos) {
    // Do not echo it: it may hold a password.
    return bad("url", "must not carry credentials (user:password@); set username and password");
  }
  if (authority.empty()) return bad("url", fmt::format("'{}' has no host", url));
  if (url.find_first_of("?# \t\r\n") != std::string_view::npos) {
    return bad("url", fmt::format("'{}' must have no query, fragment or white space", url));
  }
  if (options.database.empty()) return bad("database", "required");
  if (options.username.empty() && !options.password.empty()) {
    return bad("username", "required when a password is set");
  }
  if (options.username.find(':') != std::string::npos) {
    return bad("username", "must not contain ':' (HTTP basic authentication)");
  }
  if (options.timeout.count() <= 0) {
    return bad("timeout", fmt::format("{} ms is not positive", options.timeout.count()));
  }
  if (options.max_batch_points == 0 || options.max_batch_points > kMaxBatchPointsLimit) {
    return bad("max_batch_points",
               fmt::format("{} is outside 1..{}", options.max_batch_points, kMaxBatchPointsLimit));
  }
  if (options.retries < 0) return bad("retries", fmt::format("{} is negative", options.retries));
  if (options.retry_backoff.count() < 0) {
    return bad("retry_backoff", fmt::format("{} ms is negative", options.retry_backoff.count()));
  }
  if (options.max_retry_backoff < options.retry_backoff) {
    return bad("max_retry_backoff", "is shorter than retry_backoff");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Store>> OpenInfluxDbStore(const InfluxDbOptions& options) {
  if (Status s = ValidateInfluxDbOptions(options); !s.ok()) return s;
  auto store = std::make_unique<InfluxDbStore>(options);
  if (Status s = store->Open(); !s.ok()) return s;
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace coolflow::store
