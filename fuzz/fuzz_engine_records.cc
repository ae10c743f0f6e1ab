// Fuzzes what the embedded engine reads back from its own files besides chunks and blocks:
// the WAL record payload of a batch (store/engine/batch.h), the series snapshot
// (series_snapshot.h; mode 3 seals the input with a right checksum first) and canonical
// series keys (series_index.h). The first byte picks one.
// Properties: a refusal is Corruption naming the part; whatever decodes, re-encoded, decodes
// to the same thing (the bytes may differ: an overlong varint is read, never written).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/crc32c.h"
#include "fuzz_check.h"
#include "store/engine/batch.h"
#include "store/engine/series_index.h"
#include "store/engine/series_snapshot.h"

namespace coolflow::fuzz {
namespace {

using namespace store::engine;

void FuzzBatch(std::string_view input) {
  std::vector<BatchSeries> series;
  std::vector<std::string> keys;
  std::vector<BatchPoint> points;
  const Status status = DecodeBatch(
      input,
      [&](const BatchSeries& s) {
        keys.emplace_back(s.key);
        series.push_back(s);
        return Status::Ok();
      },
      [&](std::span<const BatchPoint> run) {
        points.insert(points.end(), run.begin(), run.end());
      });
  if (!status.ok()) {
    FUZZ_CHECK_MSG(status.code() == StatusCode::kCorruption, status.ToString());
    FUZZ_CHECK_MSG(status.message().starts_with("batch: "), status.ToString());
    return;
  }
  for (size_t i = 0; i < series.size(); ++i)
    series[i].key = keys[i];
  std::string again;
  EncodeBatch(series, points, again);
  size_t n_series = 0;
  std::vector<BatchPoint> points_again;
  const Status redecoded = DecodeBatch(
      again,
      [&](const BatchSeries& s) {
        FUZZ_CHECK(n_series < series.size());
        FUZZ_CHECK(s.id == series[n_series].id && s.type == series[n_series].type &&
                   s.key == keys[n_series]);
        ++n_series;
        return Status::Ok();
      },
      [&](std::span<const BatchPoint> run) {
        points_again.insert(points_again.end(), run.begin(), run.end());
      });
  FUZZ_CHECK_MSG(redecoded.ok(), redecoded.ToString());
  FUZZ_CHECK(n_series == series.size() && points_again.size() == points.size());
  for (size_t i = 0; i < points.size(); ++i) {
    FUZZ_CHECK(points[i].id == points_again[i].id && points[i].time == points_again[i].time &&
               points[i].bits == points_again[i].bits);
  }
}

void FuzzSnapshot(std::string_view input) {
  auto snapshot = DecodeSeriesSnapshot(input, "fuzz");
  if (!snapshot.ok()) {
    FUZZ_CHECK_MSG(snapshot.status().code() == StatusCode::kCorruption,
                   snapshot.status().ToString());
    FUZZ_CHECK(snapshot.status().message().starts_with("series snapshot fuzz: "));
    return;
  }
  auto again = DecodeSeriesSnapshot(EncodeSeriesSnapshot(*snapshot), "again");
  FUZZ_CHECK_MSG(again.ok(), again.status().ToString());
  FUZZ_CHECK(again->flushed_seq == snapshot->flushed_seq &&
             again->series.size() == snapshot->series.size());
  for (size_t i = 0; i < again->series.size(); ++i) {
    FUZZ_CHECK(again->series[i].id == snapshot->series[i].id &&
               again->series[i].type == snapshot->series[i].type &&
               again->series[i].key == snapshot->series[i].key);
  }
}

void FuzzKey(std::string_view input) {
  auto series = ParseSeriesKey(input);
  if (!series.ok()) {
    FUZZ_CHECK_MSG(series.status().code() == StatusCode::kCorruption, series.status().ToString());
    return;
  }
  auto again = ParseSeriesKey(SeriesKey(*series));
  FUZZ_CHECK_MSG(again.ok() && *again == *series, "a series key does not round-trip");
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      coolflow::fuzz::FuzzBatch(input);
      break;
    case 1:
      coolflow::fuzz::FuzzSnapshot(input);
      break;
    case 2:
      coolflow::fuzz::FuzzKey(input);
      break;
    default: {
      // A snapshot whose checksum is made right, so the structural checks are reached.
      std::string sealed(input);
      const uint32_t crc = coolflow::Crc32c(sealed);
      sealed.append(reinterpret_cast<const char*>(&crc), sizeof crc);
      coolflow::fuzz::FuzzSnapshot(sealed);
      break;
    }
  }
  return 0;
}
