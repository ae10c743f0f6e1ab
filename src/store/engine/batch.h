// How the engine writes one appended batch into one WAL record's payload (docs/store-engine.md):
//
//   u8      format (1)
//   varint  new series count, then per series: varint id, u8 value type, varint key size, key
//   varint  point count, then per point: varint series id, zigzag varint time delta (from the
//           previous point's time, the first from 0), fixed64 value bits (series_index.h)
//
// A series is defined in every record that uses it until one such record is durable, so
// replaying any suffix of the WAL after the last series snapshot resolves every id.
//
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "store/codec/chunk.h"

namespace coolflow::store::engine {

struct BatchSeries {
  uint32_t id = 0;
  codec::ValueType type = codec::ValueType::kDouble;
  std::string_view key;  // canonical (series_index.h)
};

struct BatchPoint {
  uint32_t id = 0;
  TimeNs time = 0;
  uint64_t bits = 0;
};

void EncodeBatch(std::span<const BatchSeries> series, std::span<const BatchPoint> points,
                 std::string& out);

// Decodes `payload`, calling `on_series` for each definition and then `on_point` for each
// point. Corruption("batch: <why>, at byte N") when the payload is damaged (the WAL's
// checksums make that a bug or a deliberate forgery, never a torn write); a callback's
// error stops decoding and is returned.
Status DecodeBatch(std::string_view payload,
                   const std::function<Status(const BatchSeries&)>& on_series,
                   const std::function<void(std::span<const BatchPoint>)>& on_points);

}  // namespace coolflow::store::engine
