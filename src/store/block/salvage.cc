// SalvageBlock (block.h): walks the data section record by record, without the index, keeping
// every chunk of points that decodes; past damage it resynchronises on the next byte that
// starts a record of points (a record header whose checksum holds, followed by a chunk's
// magic).
#include <map>
#include <utility>
#include <variant>

#include "common/crc32c.h"
#include "fmt/format.h"
#include "store/block/block.h"
#include "store/block/block_format.h"
#include "store/block/block_internal.h"
#include "store/block/rollup_codec.h"
#include "store/codec/byte_io.h"
#include "store/codec/chunk_format.h"

namespace coolflow::store::block {
namespace {

using internal::LoadLe32;

constexpr uint64_t kMinPointsRecord = kRecordHeaderBytes + codec::kMinChunkBytes;

bool KnownKind(uint8_t kind) {
  return kind >= static_cast<uint8_t>(RecordKind::kPoints) &&
         kind <= static_cast<uint8_t>(RecordKind::kRollupHour);
}

// Whether a record of points plausibly starts at `pos` (< end): header checksum, kind, chunk
// magic. Rollup records are not resynchronised on: they are recomputed anyway.
bool RecordStartsAt(std::string_view data, uint64_t pos, uint64_t end) {
  if (end - pos < kMinPointsRecord) return false;
  internal::RecordHeader header;
  if (!internal::ReadRecordHeader(data.substr(pos, kRecordHeaderBytes), header)) return false;
  return header.kind == static_cast<uint8_t>(RecordKind::kPoints) &&
         data.substr(pos + kRecordHeaderBytes, codec::kChunkMagic.size()) == codec::kChunkMagic;
}

class Salvager {
 public:
  Salvager(std::string_view data, const std::string& path) : data_(data), path_(path) {}

  Salvage Run() {
    const uint64_t size = data_.size();
    if (size < kBlockHeaderBytes || data_.substr(0, kBlockMagic.size()) != kBlockMagic ||
        static_cast<uint8_t>(data_[kBlockVersionOffset]) != kBlockVersion) {
      Damage("the header is damaged; walking the records anyway", 0);
    }
    uint64_t end = size;
    if (!FooterEnd(end)) {
      Damage("the footer is damaged or missing; walking the whole file",
             size >= kFooterBytes ? size - kFooterBytes : 0);
    }
    uint64_t pos = std::min<uint64_t>(kBlockHeaderBytes, size);
    while (pos < end) {
      const uint64_t next = Record(pos, end);
      if (next > pos) {
        pos = next;
        continue;
      }
      // Damage at pos: find the next record.
      uint64_t resume = pos + 1;
      while (resume < end && !RecordStartsAt(data_, resume, end))
        ++resume;
      Damage(fmt::format("{}; skipped {} bytes", why_, resume - pos), pos);
      pos = resume;
    }
    Salvage salvage;
    salvage.damage = std::move(damage_);
    for (auto& [id, series] : series_)
      salvage.series.push_back(std::move(series));
    return salvage;
  }

 private:
  // Where the index starts, when the footer is intact.
  bool FooterEnd(uint64_t& end) const {
    const uint64_t size = data_.size();
    if (size < kMinBlockBytes) return false;
    const uint64_t footer = size - kFooterBytes;
    const char* f = data_.data() + footer;
    if (std::string_view(f + kFooterMagic, kBlockEndMagic.size()) != kBlockEndMagic ||
        Crc32c(std::string_view(f, kFooterCrc)) != LoadLe32(f + kFooterCrc)) {
      return false;
    }
    const uint64_t index_offset = codec::LoadLe64(f + kFooterIndexOffset);
    if (index_offset < kBlockHeaderBytes || index_offset > footer) return false;
    end = index_offset;
    return true;
  }

  // Reads the record at pos: the offset after it, or pos (with why_ set) when it is damaged.
  uint64_t Record(uint64_t pos, uint64_t end) {
    if (end - pos < kRecordHeaderBytes) {
      why_ = "too few bytes left for a record";
      return pos;
    }
    internal::RecordHeader header;
    if (!internal::ReadRecordHeader(data_.substr(pos, kRecordHeaderBytes), header) ||
        !KnownKind(header.kind)) {
      why_ = "no valid record header";
      return pos;
    }
    const uint64_t at = pos + kRecordHeaderBytes;
    const std::string_view rest = data_.substr(at, end - at);
    if (header.kind != static_cast<uint8_t>(RecordKind::kPoints)) {
      // Rollups are not salvaged (they are recomputed), only checked and stepped over: a
      // damaged length must not send the walk past good records.
      auto size = RollupPayloadSize(rest);
      const auto level = static_cast<RollupLevel>(header.kind - internal::RollupKind(0));
      Status s = size.ok() ? DecodeRollupPayload(rest.substr(0, *size), RollupStep(level), rollup_)
                           : size.status();
      if (!s.ok()) {
        why_ = fmt::format("series {}: rollup: {}", header.series_id, s.message());
        return pos;
      }
      return at + *size;
    }
    auto size = codec::ChunkSize(rest);
    if (!size.ok() || *size > rest.size()) {
      why_ = fmt::format("series {}: a chunk's size is damaged", header.series_id);
      return pos;
    }
    if (Status s = codec::DecodeChunk(rest.substr(0, *size), chunk_); !s.ok()) {
      why_ = fmt::format("series {}: {}", header.series_id, s.message());
      return pos;
    }
    Keep(header.series_id, at);
    return at + *size;
  }

  // Appends chunk_ to its series when it follows what is kept already.
  void Keep(uint32_t id, uint64_t at) {
    auto [it, fresh] = series_.try_emplace(id);
    SalvagedSeries& series = it->second;
    if (fresh) {
      series.id = id;
      series.times = std::move(chunk_.times);
      series.values = std::move(chunk_.values);
      chunk_ = {};
      return;
    }
    if (series.values.index() != chunk_.values.index()) {
      Damage(fmt::format("series {}: a chunk of {} after chunks of {}; dropped", id,
                         codec::ValueTypeName(chunk_.header.value_type),
                         codec::ValueTypeName(codec::ColumnType(series.values))),
             at);
      return;
    }
    if (chunk_.times.front() <= series.times.back()) {
      Damage(fmt::format("series {}: a chunk from {} overlaps the series up to {}; dropped", id,
                         chunk_.times.front(), series.times.back()),
             at);
      return;
    }
    series.times.insert(series.times.end(), chunk_.times.begin(), chunk_.times.end());
    std::visit(
        [&](auto& column) {
          using Vector = std::decay_t<decltype(column)>;
          const auto& tail = std::get<Vector>(chunk_.values);
          column.insert(column.end(), tail.begin(), tail.end());
        },
        series.values);
  }

  void Damage(std::string_view why, uint64_t offset) {
    damage_.push_back(fmt::format("block {}: {}, at byte {}", path_, why, offset));
  }

  std::string_view data_;
  const std::string& path_;
  std::map<uint32_t, SalvagedSeries> series_;
  std::vector<std::string> damage_;
  codec::DecodedChunk chunk_;
  std::vector<RollupBucket> rollup_;  // a rollup stepped over, decoded to check it
  std::string why_;
};

}  // namespace

Result<Salvage> SalvageBlock(wal::FileSystem& fs, const std::string& path) {
  auto mapped = fs.Map(path);
  if (!mapped.ok()) return mapped.status();
  return Salvager((*mapped)->data(), path).Run();
}

}  // namespace coolflow::store::block
