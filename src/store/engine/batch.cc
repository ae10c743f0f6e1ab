#include "store/engine/batch.h"

#include <vector>

#include "store/codec/byte_io.h"

namespace coolflow::store::engine {
namespace {

constexpr uint8_t kBatchFormat = 1;
// Points handed to on_points at a time.
constexpr size_t kPointRun = 1024;

Status BatchError(const codec::ByteReader& reader, std::string_view what) {
  return Corruption("batch: " + std::string(what) + ", at byte " + std::to_string(reader.offset()));
}

}  // namespace

void EncodeBatch(std::span<const BatchSeries> series, std::span<const BatchPoint> points,
                 std::string& out) {
  out.reserve(out.size() + 16 + points.size() * 14);
  out.push_back(static_cast<char>(kBatchFormat));
  codec::PutVarint(out, series.size());
  for (const BatchSeries& s : series) {
    codec::PutVarint(out, s.id);
    out.push_back(static_cast<char>(s.type));
    codec::PutVarint(out, s.key.size());
    out.append(s.key);
  }
  codec::PutVarint(out, points.size());
  TimeNs previous = 0;
  for (const BatchPoint& p : points) {
    codec::PutVarint(out, p.id);
    codec::PutVarint(out, codec::ZigzagEncode(static_cast<int64_t>(
                              static_cast<uint64_t>(p.time) - static_cast<uint64_t>(previous))));
    codec::PutFixed64(out, p.bits);
    previous = p.time;
  }
}

Status DecodeBatch(std::string_view payload,
                   const std::function<Status(const BatchSeries&)>& on_series,
                   const std::function<void(std::span<const BatchPoint>)>& on_points) {
  codec::ByteReader reader(payload);
  uint8_t format = 0;
  if (!reader.ReadU8(format, "format").ok()) return BatchError(reader, "empty payload");
  if (format != kBatchFormat) {
    return BatchError(reader, "unknown format " + std::to_string(format));
  }
  uint64_t series_count = 0;
  if (!reader.ReadVarint(series_count, "series count").ok()) {
    return BatchError(reader, "series count is cut off");
  }
  for (uint64_t i = 0; i < series_count; ++i) {
    uint64_t id = 0;
    uint8_t type = 0;
    uint64_t key_size = 0;
    if (!reader.ReadVarint(id, "id").ok() || !reader.ReadU8(type, "type").ok() ||
        !reader.ReadVarint(key_size, "key size").ok() || key_size > reader.remaining()) {
      return BatchError(reader, "series definition " + std::to_string(i) + " is cut off");
    }
    if (id == 0 || id > UINT32_MAX) return BatchError(reader, "series id out of range");
    if (type < static_cast<uint8_t>(codec::ValueType::kDouble) ||
        type > static_cast<uint8_t>(codec::ValueType::kBool)) {
      return BatchError(reader, "unknown value type " + std::to_string(type));
    }
    BatchSeries s{static_cast<uint32_t>(id), static_cast<codec::ValueType>(type),
                  reader.rest().substr(0, key_size)};
    reader.Skip(key_size);
    if (Status status = on_series(s); !status.ok()) return status;
  }
  uint64_t point_count = 0;
  if (!reader.ReadVarint(point_count, "point count").ok()) {
    return BatchError(reader, "point count is cut off");
  }
  // Every point takes at least 10 bytes.
  if (point_count > reader.remaining() / 10) return BatchError(reader, "point count is too large");
  std::vector<BatchPoint> run;
  run.reserve(std::min<uint64_t>(point_count, kPointRun));
  TimeNs previous = 0;
  for (uint64_t i = 0; i < point_count; ++i) {
    uint64_t id = 0;
    uint64_t delta = 0;
    if (!reader.ReadVarint(id, "id").ok() || !reader.ReadVarint(delta, "time").ok() ||
        reader.remaining() < 8) {
      return BatchError(reader, "point " + std::to_string(i) + " is cut off");
    }
    if (id == 0 || id > UINT32_MAX) return BatchError(reader, "series id out of range");
    const TimeNs time = static_cast<TimeNs>(static_cast<uint64_t>(previous) +
                                            static_cast<uint64_t>(codec::ZigzagDecode(delta)));
    run.push_back({static_cast<uint32_t>(id), time, codec::LoadLe64(reader.rest().data())});
    reader.Skip(8);
    previous = time;
    if (run.size() == kPointRun) {
      on_points(run);
      run.clear();
    }
  }
  if (!run.empty()) on_points(run);
  if (reader.remaining() != 0) return BatchError(reader, "bytes after the last point");
  return Status::Ok();
}

}  // namespace coolflow::store::engine
