// Block (block.h): opening, the index, reading chunks and rollups, Verify.
#include "store/block/block.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <utility>
#include <variant>

#include "common/crc32c.h"
#include "fmt/format.h"
#include "store/block/block_format.h"
#include "store/block/block_internal.h"
#include "store/block/rollup_codec.h"
#include "store/codec/byte_io.h"
#include "store/codec/chunk_format.h"

namespace coolflow::store::block {
namespace {

using internal::BlockError;
using internal::LoadLe32;
using internal::Rebase;

// The smallest records: a header and a minimal chunk or rollup payload.
constexpr uint64_t kMinPointsRecord = kRecordHeaderBytes + codec::kMinChunkBytes;
constexpr uint64_t kMinRollupRecord = kRecordHeaderBytes + kMinRollupPayloadBytes;

bool SameBits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

bool SameBucket(const RollupBucket& a, const RollupBucket& b) {
  return a.start == b.start && a.count == b.count && SameBits(a.min, b.min) &&
         SameBits(a.max, b.max) && SameBits(a.sum, b.sum) && SameBits(a.last, b.last);
}

TimeNs AddSpan(TimeNs from, uint64_t span) {
  return static_cast<TimeNs>(static_cast<uint64_t>(from) + span);
}

// Appends `more` (of the same type) to `into`.
void AppendColumn(codec::ValueColumn& into, const codec::ValueColumn& more) {
  std::visit(
      [&](auto& column) {
        using Vector = std::decay_t<decltype(column)>;
        const auto& tail = std::get<Vector>(more);
        column.insert(column.end(), tail.begin(), tail.end());
      },
      into);
}

codec::ValueColumn EmptyColumn(codec::ValueType type) {
  switch (type) {
    case codec::ValueType::kDouble:
      return std::vector<double>{};
    case codec::ValueType::kInt64:
      return std::vector<int64_t>{};
    case codec::ValueType::kUint64:
      return std::vector<uint64_t>{};
    case codec::ValueType::kBool:
      return std::vector<bool>{};
  }
  return std::vector<double>{};
}

}  // namespace

Result<std::shared_ptr<const Block>> Block::Open(wal::FileSystem& fs, const std::string& path) {
  auto mapped = fs.Map(path);
  if (!mapped.ok()) return mapped.status();
  std::shared_ptr<Block> block(new Block(std::move(mapped).value()));
  const std::string_view data = block->file_->data();
  const uint64_t size = data.size();
  if (size < kMinBlockBytes) {
    return BlockError(path,
                      fmt::format("the file has {} bytes, fewer than a header, an empty index "
                                  "and a footer ({})",
                                  size, kMinBlockBytes),
                      size);
  }
  if (data.substr(0, kBlockMagic.size()) != kBlockMagic) {
    return BlockError(path, "no block magic \"CFBK\" (not a block file)", 0);
  }
  if (static_cast<uint8_t>(data[kBlockVersionOffset]) != kBlockVersion) {
    return BlockError(path,
                      fmt::format("format version {} is not {}",
                                  static_cast<uint8_t>(data[kBlockVersionOffset]), kBlockVersion),
                      kBlockVersionOffset);
  }
  for (size_t i = kBlockVersionOffset + 1; i < kBlockHeaderBytes; ++i) {
    if (data[i] != '\0') return BlockError(path, "reserved header byte is not zero", i);
  }
  const uint64_t footer = size - kFooterBytes;
  const char* f = data.data() + footer;
  if (std::string_view(f + kFooterMagic, kBlockEndMagic.size()) != kBlockEndMagic) {
    return BlockError(path, "no footer magic \"KBFC\" (the file is cut short or damaged)",
                      footer + kFooterMagic);
  }
  if (Crc32c(std::string_view(f, kFooterCrc)) != LoadLe32(f + kFooterCrc)) {
    return BlockError(path, "footer checksum mismatch", footer + kFooterCrc);
  }
  const uint64_t index_offset = codec::LoadLe64(f + kFooterIndexOffset);
  const uint64_t index_size = codec::LoadLe64(f + kFooterIndexSize);
  if (index_offset < kBlockHeaderBytes || index_offset > footer ||
      index_size != footer - index_offset || index_size == 0) {
    return BlockError(path,
                      fmt::format("index at {} of {} bytes does not end where the footer starts "
                                  "({})",
                                  index_offset, index_size, footer),
                      footer + kFooterIndexOffset);
  }
  const std::string_view index = data.substr(index_offset, index_size);
  if (Crc32c(index) != LoadLe32(f + kFooterIndexCrc)) {
    return BlockError(path, "index checksum mismatch", footer + kFooterIndexCrc);
  }
  if (Status s = block->ParseIndex(index, index_offset); !s.ok()) return s;
  return std::shared_ptr<const Block>(std::move(block));
}

Status Block::ParseIndex(std::string_view index, uint64_t index_offset) {
  const std::string& file = path();
  codec::ByteReader in(index, index_offset);
  const auto rebase = [&](const Status& s) { return Rebase(s, file, "index", 0); };
  const auto error = [&](std::string_view why) { return BlockError(file, why, in.offset()); };
  uint64_t series_count = 0;
  if (Status s = in.ReadVarint(series_count, "series count"); !s.ok()) return rebase(s);
  // Each series takes at least 8 index bytes: a bound before reserving.
  if (series_count > in.remaining()) {
    return error(fmt::format("series count {} does not fit the index", series_count));
  }
  series_.reserve(series_count);
  uint64_t record_offset = kBlockHeaderBytes;  // records tile the data section in index order
  uint64_t id = 0;
  for (uint64_t n = 0; n < series_count; ++n) {
    SeriesEntry entry;
    uint64_t delta = 0, value = 0, span = 0, chunks = 0;
    uint8_t type = 0;
    if (Status s = in.ReadVarint(delta, "series id"); !s.ok()) return rebase(s);
    if ((n > 0 && delta == 0) || delta > std::numeric_limits<uint32_t>::max() - id) {
      return error(fmt::format("series id delta {} after series {} is out of order", delta, id));
    }
    id += delta;
    entry.id = static_cast<uint32_t>(id);
    const auto series_error = [&](std::string_view why) {
      return error(fmt::format("series {}: {}", entry.id, why));
    };
    if (Status s = in.ReadU8(type, "value type"); !s.ok()) return rebase(s);
    if (type < static_cast<uint8_t>(codec::ValueType::kDouble) ||
        type > static_cast<uint8_t>(codec::ValueType::kBool)) {
      return series_error(fmt::format("unknown value type {}", type));
    }
    entry.type = static_cast<codec::ValueType>(type);
    if (Status s = in.ReadVarint(entry.count, "point count"); !s.ok()) return rebase(s);
    if (Status s = in.ReadVarint(value, "first time"); !s.ok()) return rebase(s);
    entry.first_time = codec::ZigzagDecode(value);
    if (Status s = in.ReadVarint(span, "time span"); !s.ok()) return rebase(s);
    if (__builtin_add_overflow(entry.first_time, span, &entry.last_time)) {
      return series_error("time span runs past the largest time");
    }
    if (entry.count == 0 || entry.count - 1 > span) {
      return series_error(
          fmt::format("{} points cannot have distinct times within {} ns", entry.count, span));
    }
    if (Status s = in.ReadVarint(chunks, "chunk count"); !s.ok()) return rebase(s);
    if (chunks == 0 || chunks > entry.count || chunks > in.remaining()) {
      return series_error(fmt::format("chunk count {} is impossible", chunks));
    }
    entry.chunks.reserve(chunks);
    uint64_t points = 0;
    TimeNs previous_last = entry.first_time;
    for (uint64_t c = 0; c < chunks; ++c) {
      ChunkRef chunk;
      uint64_t size = 0, count = 0, gap = 0, chunk_span = 0;
      if (Status s = in.ReadVarint(size, "chunk size"); !s.ok()) return rebase(s);
      if (Status s = in.ReadVarint(count, "chunk point count"); !s.ok()) return rebase(s);
      if (c > 0) {
        if (Status s = in.ReadVarint(gap, "chunk time gap"); !s.ok()) return rebase(s);
        if (gap == 0) return series_error("chunks overlap in time");
      }
      if (Status s = in.ReadVarint(chunk_span, "chunk time span"); !s.ok()) return rebase(s);
      if (size < kMinPointsRecord || size > index_offset - record_offset) {
        return series_error(
            fmt::format("chunk record of {} bytes at byte {} does not fit the "
                        "data section",
                        size, record_offset));
      }
      if (count == 0 || count > codec::kMaxChunkPoints || count - 1 > chunk_span) {
        return series_error(
            fmt::format("chunk of {} points within {} ns is impossible", count, chunk_span));
      }
      // Within the series' span (so no overflow): [first_time + gap, + chunk_span].
      const uint64_t used =
          static_cast<uint64_t>(previous_last) - static_cast<uint64_t>(entry.first_time);
      if (gap > span - used || chunk_span > span - used - gap) {
        return series_error("chunk times run past the series' last time");
      }
      chunk.offset = record_offset;
      chunk.size = static_cast<uint32_t>(size);
      chunk.count = static_cast<uint32_t>(count);
      chunk.first_time = AddSpan(previous_last, gap);
      chunk.last_time = AddSpan(chunk.first_time, chunk_span);
      previous_last = chunk.last_time;
      record_offset += size;
      points += count;
      entry.chunks.push_back(chunk);
    }
    if (points != entry.count || previous_last != entry.last_time) {
      return series_error(fmt::format("chunks hold {} points up to {}, the series {} up to {}",
                                      points, previous_last, entry.count, entry.last_time));
    }
    for (size_t level = 0; level < kRollupLevels; ++level) {
      RollupRef& rollup = entry.rollups[level];
      uint64_t buckets = 0, size = 0;
      if (Status s = in.ReadVarint(buckets, "rollup bucket count"); !s.ok()) return rebase(s);
      if (buckets == 0) continue;
      if (Status s = in.ReadVarint(size, "rollup size"); !s.ok()) return rebase(s);
      if (buckets > entry.count || buckets > codec::kMaxChunkPoints) {
        return series_error(fmt::format("{} rollup buckets for {} points", buckets, entry.count));
      }
      if (size < kMinRollupRecord || size > index_offset - record_offset) {
        return series_error(
            fmt::format("rollup record of {} bytes at byte {} does not fit the "
                        "data section",
                        size, record_offset));
      }
      rollup.offset = record_offset;
      rollup.size = static_cast<uint32_t>(size);
      rollup.buckets = static_cast<uint32_t>(buckets);
      record_offset += size;
    }
    if (series_.empty()) {
      min_time_ = entry.first_time;
      max_time_ = entry.last_time;
    } else {
      min_time_ = std::min(min_time_, entry.first_time);
      max_time_ = std::max(max_time_, entry.last_time);
    }
    points_ += entry.count;
    series_.push_back(std::move(entry));
  }
  if (in.remaining() != 0) return error(fmt::format("{} bytes left over", in.remaining()));
  if (record_offset != index_offset) {
    return BlockError(file,
                      fmt::format("the records end at byte {} but the index starts at {}",
                                  record_offset, index_offset),
                      record_offset);
  }
  return Status::Ok();
}

const SeriesEntry* Block::Find(uint32_t series_id) const {
  auto it = std::lower_bound(series_.begin(), series_.end(), series_id,
                             [](const SeriesEntry& e, uint32_t id) { return e.id < id; });
  if (it == series_.end() || it->id != series_id) return nullptr;
  return &*it;
}

Status Block::CheckRecordHeader(uint64_t offset, uint32_t series_id, uint8_t kind) const {
  const std::string_view data = file_->data();
  internal::RecordHeader header;
  if (offset > data.size() || !internal::ReadRecordHeader(data.substr(offset), header)) {
    return BlockError(path(), fmt::format("series {}: record header checksum mismatch", series_id),
                      offset);
  }
  if (header.series_id != series_id || header.kind != kind) {
    return BlockError(path(),
                      fmt::format("series {}: the record is of series {} kind {}, the index "
                                  "says kind {}",
                                  series_id, header.series_id, header.kind, kind),
                      offset);
  }
  return Status::Ok();
}

Status Block::ReadChunk(const SeriesEntry& entry, const ChunkRef& chunk,
                        codec::DecodedChunk& out) const {
  const std::string_view data = file_->data();
  if (chunk.size < kMinPointsRecord || chunk.offset > data.size() ||
      chunk.size > data.size() - chunk.offset) {
    return BlockError(
        path(),
        fmt::format("series {}: chunk of {} bytes is outside the file", entry.id, chunk.size),
        chunk.offset);
  }
  if (Status s =
          CheckRecordHeader(chunk.offset, entry.id, static_cast<uint8_t>(RecordKind::kPoints));
      !s.ok()) {
    return s;
  }
  const uint64_t base = chunk.offset + kRecordHeaderBytes;
  if (Status s = codec::DecodeChunk(data.substr(base, chunk.size - kRecordHeaderBytes), out);
      !s.ok()) {
    return Rebase(s, path(), fmt::format("series {}: chunk", entry.id), base);
  }
  const codec::ChunkHeader& h = out.header;
  if (h.value_type != entry.type || h.count != chunk.count || h.first_time != chunk.first_time ||
      h.last_time != chunk.last_time) {
    return BlockError(path(),
                      fmt::format("series {}: the chunk ({} {} points, {}..{}) is not what the "
                                  "index says ({} {} points, {}..{})",
                                  entry.id, codec::ValueTypeName(h.value_type), h.count,
                                  h.first_time, h.last_time, codec::ValueTypeName(entry.type),
                                  chunk.count, chunk.first_time, chunk.last_time),
                      base);
  }
  return Status::Ok();
}

Result<std::vector<RollupBucket>> Block::ReadRollup(const SeriesEntry& entry,
                                                    RollupLevel level) const {
  const auto index = static_cast<size_t>(level);
  const RollupRef& ref = entry.rollups[index];
  if (ref.size == 0) {
    return NotFound(fmt::format("block {}: series {} has no {} rollup", path(), entry.id,
                                RollupLevelName(level)));
  }
  const std::string context = fmt::format("series {}: {} rollup", entry.id, RollupLevelName(level));
  const std::string_view data = file_->data();
  if (ref.size < kMinRollupRecord || ref.offset > data.size() ||
      ref.size > data.size() - ref.offset) {
    return BlockError(path(), context + " is outside the file", ref.offset);
  }
  if (Status s = CheckRecordHeader(ref.offset, entry.id, internal::RollupKind(index)); !s.ok()) {
    return s;
  }
  const uint64_t pos = ref.offset + kRecordHeaderBytes;
  const TimeNs step = RollupStep(level);
  std::vector<RollupBucket> buckets;
  if (Status s = DecodeRollupPayload(data.substr(pos, ref.offset + ref.size - pos), step, buckets);
      !s.ok()) {
    return Rebase(s, path(), context, pos);
  }
  if (buckets.size() != ref.buckets) {
    return BlockError(
        path(),
        fmt::format("{}: {} buckets, the index says {}", context, buckets.size(), ref.buckets),
        pos);
  }
  uint64_t total = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const RollupBucket& b = buckets[i];
    if (b.count > entry.count - total) {
      return BlockError(path(),
                        fmt::format("{}: bucket {} (start {}, {} points) is impossible", context, i,
                                    b.start, b.count),
                        ref.offset);
    }
    total += b.count;
  }
  if (total != entry.count || buckets.front().start != BucketStart(entry.first_time, step) ||
      buckets.back().start != BucketStart(entry.last_time, step)) {
    return BlockError(path(), context + ": the buckets do not cover the series' points",
                      ref.offset);
  }
  return buckets;
}

Status Block::Verify() const {
  codec::DecodedChunk chunk;
  for (const SeriesEntry& entry : series_) {
    std::vector<TimeNs> times;
    codec::ValueColumn values = EmptyColumn(entry.type);
    for (const ChunkRef& ref : entry.chunks) {
      if (Status s = ReadChunk(entry, ref, chunk); !s.ok()) return s;
      times.insert(times.end(), chunk.times.begin(), chunk.times.end());
      AppendColumn(values, chunk.values);
    }
    for (const RollupLevel level : kAllRollupLevels) {
      if (!entry.has_rollup(level)) continue;
      auto stored = ReadRollup(entry, level);
      if (!stored.ok()) return stored.status();
      const std::vector<RollupBucket> computed = ComputeRollup(times, values, RollupStep(level));
      const bool same = computed.size() == stored->size() &&
                        std::equal(computed.begin(), computed.end(), stored->begin(), SameBucket);
      if (!same) {
        return BlockError(path(),
                          fmt::format("series {}: the {} rollup disagrees with the points",
                                      entry.id, RollupLevelName(level)),
                          entry.rollups[static_cast<size_t>(level)].offset);
      }
    }
  }
  return Status::Ok();
}

}  // namespace coolflow::store::block
