// BlockWriter (block.h): streams records out through a buffer, keeps the index in memory,
// and writes the index and footer at Finish.
#include <algorithm>
#include <limits>
#include <utility>
#include <variant>

#include "common/crc32c.h"
#include "fmt/format.h"
#include "store/block/block.h"
#include "store/block/block_internal.h"
#include "store/block/rollup_codec.h"
#include "store/codec/byte_io.h"
#include "store/codec/chunk_format.h"

namespace coolflow::store::block {
namespace {

using internal::PutRecordHeader;

// Records are written out once this much is buffered.
constexpr size_t kWriteBufferBytes = 1 << 20;
constexpr std::string_view kTmpSuffix = ".tmp";

std::string ParentOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// values[begin, end) as a column of its own.
codec::ValueColumn Slice(const codec::ValueColumn& values, size_t begin, size_t end) {
  return std::visit(
      [&](const auto& column) -> codec::ValueColumn {
        using Vector = std::decay_t<decltype(column)>;
        return Vector(column.begin() + static_cast<std::ptrdiff_t>(begin),
                      column.begin() + static_cast<std::ptrdiff_t>(end));
      },
      values);
}

uint64_t ZigzagTime(TimeNs t) {
  return codec::ZigzagEncode(t);
}
uint64_t Span(TimeNs from, TimeNs to) {
  return static_cast<uint64_t>(to) - static_cast<uint64_t>(from);
}

}  // namespace

class BlockWriter::Impl {
 public:
  Impl(wal::FileSystem& fs, std::string path, const BlockWriterOptions& options,
       std::unique_ptr<wal::File> file)
      : fs_(fs),
        path_(std::move(path)),
        tmp_path_(path_ + std::string(kTmpSuffix)),
        options_(options),
        file_(std::move(file)) {
    buffer_.append(kBlockMagic);
    buffer_.push_back(static_cast<char>(kBlockVersion));
    buffer_.append(kBlockHeaderBytes - kBlockMagic.size() - 1, '\0');
  }

  ~Impl() {
    if (finished_) return;
    file_.reset();
    // Best effort: a stale .tmp is removed by the next Create anyway.
    (void)fs_.Remove(tmp_path_);
  }

  Status Add(uint32_t series_id, std::span<const TimeNs> times, const codec::ValueColumn& values) {
    if (!sticky_.ok()) return sticky_;
    if (finished_) return InvalidArgument(fmt::format("block {}: already finished", path_));
    if (Status s = CheckSeries(series_id, times, values); !s.ok()) return s;

    SeriesEntry entry;
    entry.id = series_id;
    entry.type = codec::ColumnType(values);
    entry.count = times.size();
    entry.first_time = times.front();
    entry.last_time = times.back();
    const size_t step = std::min<size_t>(options_.chunk_points, codec::kMaxChunkPoints);
    for (size_t begin = 0; begin < times.size(); begin += step) {
      const size_t end = std::min(times.size(), begin + step);
      ChunkRef ref;
      ref.offset = offset_ + buffer_.size();
      ref.count = static_cast<uint32_t>(end - begin);
      ref.first_time = times[begin];
      ref.last_time = times[end - 1];
      PutRecordHeader(buffer_, series_id, static_cast<uint8_t>(RecordKind::kPoints));
      const codec::ValueColumn slice =
          begin == 0 && end == times.size() ? codec::ValueColumn{} : Slice(values, begin, end);
      const codec::ValueColumn& column = begin == 0 && end == times.size() ? values : slice;
      if (Status s = codec::AppendChunk(times.subspan(begin, end - begin), column, buffer_,
                                        options_.encode);
          !s.ok()) {
        return Fail(s.WithContext(fmt::format("block {}: series {}", path_, series_id)));
      }
      ref.size = static_cast<uint32_t>(offset_ + buffer_.size() - ref.offset);
      entry.chunks.push_back(ref);
      if (Status s = MaybeFlush(); !s.ok()) return s;
    }
    for (const RollupLevel level : kAllRollupLevels) {
      std::vector<RollupBucket> buckets = ComputeRollup(times, values, RollupStep(level));
      const bool dense = options_.min_points_per_bucket == 0 ||
                         times.size() >= uint64_t{options_.min_points_per_bucket} * buckets.size();
      if (!dense || buckets.size() > codec::kMaxChunkPoints) continue;
      const auto index = static_cast<size_t>(level);
      RollupRef& ref = entry.rollups[index];
      ref.offset = offset_ + buffer_.size();
      ref.buckets = static_cast<uint32_t>(buckets.size());
      PutRecordHeader(buffer_, series_id, internal::RollupKind(index));
      EncodeRollupPayload(buckets, RollupStep(level), options_.encode.decimal, buffer_);
      ref.size = static_cast<uint32_t>(offset_ + buffer_.size() - ref.offset);
      if (Status s = MaybeFlush(); !s.ok()) return s;
    }
    if (series_.empty()) {
      min_time_ = entry.first_time;
      max_time_ = entry.last_time;
    } else {
      min_time_ = std::min(min_time_, entry.first_time);
      max_time_ = std::max(max_time_, entry.last_time);
    }
    points_ += entry.count;
    last_id_ = series_id;
    series_.push_back(std::move(entry));
    return Status::Ok();
  }

  Result<BlockInfo> Finish() {
    if (!sticky_.ok()) return sticky_;
    if (finished_) return InvalidArgument(fmt::format("block {}: already finished", path_));
    const uint64_t index_offset = offset_ + buffer_.size();
    const size_t index_start = buffer_.size();
    AppendIndex(buffer_);
    const std::string_view index = std::string_view(buffer_).substr(index_start);
    const uint64_t index_size = index.size();
    const uint32_t index_crc = Crc32c(index);
    const size_t footer_start = buffer_.size();
    codec::PutFixed64(buffer_, index_offset);
    codec::PutFixed64(buffer_, index_size);
    codec::PutFixed32(buffer_, index_crc);
    codec::PutFixed32(buffer_, Crc32c(std::string_view(buffer_).substr(footer_start, kFooterCrc)));
    buffer_.append(kBlockEndMagic);
    if (Status s = WriteBuffer(); !s.ok()) return s;
    if (Status s = file_->Sync(); !s.ok()) return Fail(s);
    file_.reset();
    if (Status s = fs_.Rename(tmp_path_, path_); !s.ok()) return Fail(s);
    finished_ = true;  // the .tmp is gone: nothing for the destructor to remove
    if (Status s = fs_.SyncDir(ParentOf(path_)); !s.ok()) return Fail(s);
    return BlockInfo{.path = path_,
                     .bytes = offset_,
                     .points = points_,
                     .series = series_.size(),
                     .min_time = min_time_,
                     .max_time = max_time_};
  }

 private:
  Status CheckSeries(uint32_t series_id, std::span<const TimeNs> times,
                     const codec::ValueColumn& values) const {
    const auto error = [&](std::string_view why) {
      return InvalidArgument(fmt::format("block {}: series {}: {}", path_, series_id, why));
    };
    if (!series_.empty() && series_id <= last_id_) {
      return error(fmt::format("ids must increase (the previous series was {})", last_id_));
    }
    if (times.empty()) return error("no points");
    if (codec::ColumnSize(values) != times.size()) {
      return error(fmt::format("{} times but {} values", times.size(), codec::ColumnSize(values)));
    }
    for (size_t i = 1; i < times.size(); ++i) {
      if (times[i] <= times[i - 1]) {
        return error(
            fmt::format("time {} at index {} does not follow {}", times[i], i, times[i - 1]));
      }
    }
    return Status::Ok();
  }

  // The index (docs/store-blocks.md).
  void AppendIndex(std::string& out) const {
    codec::PutVarint(out, series_.size());
    uint32_t previous_id = 0;
    for (const SeriesEntry& entry : series_) {
      codec::PutVarint(out, entry.id - previous_id);
      previous_id = entry.id;
      out.push_back(static_cast<char>(entry.type));
      codec::PutVarint(out, entry.count);
      codec::PutVarint(out, ZigzagTime(entry.first_time));
      codec::PutVarint(out, Span(entry.first_time, entry.last_time));
      codec::PutVarint(out, entry.chunks.size());
      TimeNs previous_last = entry.first_time;
      for (size_t i = 0; i < entry.chunks.size(); ++i) {
        const ChunkRef& chunk = entry.chunks[i];
        codec::PutVarint(out, chunk.size);
        codec::PutVarint(out, chunk.count);
        // The first chunk starts at the series' first time; each later one after the
        // previous chunk's last.
        if (i > 0) codec::PutVarint(out, Span(previous_last, chunk.first_time));
        codec::PutVarint(out, Span(chunk.first_time, chunk.last_time));
        previous_last = chunk.last_time;
      }
      for (const RollupRef& rollup : entry.rollups) {
        codec::PutVarint(out, rollup.buckets);
        if (rollup.buckets > 0) codec::PutVarint(out, rollup.size);
      }
    }
  }

  Status MaybeFlush() {
    if (buffer_.size() < kWriteBufferBytes) return Status::Ok();
    return WriteBuffer();
  }

  Status WriteBuffer() {
    if (buffer_.empty()) return Status::Ok();
    if (Status s = file_->WriteAt(offset_, buffer_); !s.ok()) return Fail(s);
    offset_ += buffer_.size();
    buffer_.clear();
    return Status::Ok();
  }

  Status Fail(Status status) {
    sticky_ = status;
    return status;
  }

  wal::FileSystem& fs_;
  std::string path_;
  std::string tmp_path_;
  BlockWriterOptions options_;
  std::unique_ptr<wal::File> file_;
  std::string buffer_;   // bytes from offset_ on, not yet written
  uint64_t offset_ = 0;  // bytes written to the file
  std::vector<SeriesEntry> series_;
  uint32_t last_id_ = 0;
  uint64_t points_ = 0;
  TimeNs min_time_ = 0, max_time_ = 0;
  Status sticky_;
  bool finished_ = false;
};

BlockWriter::BlockWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BlockWriter::~BlockWriter() = default;

Result<std::unique_ptr<BlockWriter>> BlockWriter::Create(wal::FileSystem& fs, std::string path,
                                                         const BlockWriterOptions& options) {
  if (options.chunk_points == 0 || options.chunk_points > codec::kMaxChunkPoints) {
    return InvalidArgument(fmt::format("block {}: chunk_points {} is outside 1..{}", path,
                                       options.chunk_points, codec::kMaxChunkPoints));
  }
  const std::string tmp = path + std::string(kTmpSuffix);
  auto file = fs.Open(tmp, wal::OpenMode::kCreateExclusive);
  if (!file.ok() && file.status().code() == StatusCode::kAlreadyExists) {
    // A writer that died before Finish left it; nothing refers to a .tmp.
    if (Status s = fs.Remove(tmp); !s.ok()) return s;
    file = fs.Open(tmp, wal::OpenMode::kCreateExclusive);
  }
  if (!file.ok()) return file.status();
  return std::unique_ptr<BlockWriter>(new BlockWriter(
      std::make_unique<Impl>(fs, std::move(path), options, std::move(file).value())));
}

Status BlockWriter::Add(uint32_t series_id, std::span<const TimeNs> times,
                        const codec::ValueColumn& values) {
  return impl_->Add(series_id, times, values);
}

Result<BlockInfo> BlockWriter::Finish() {
  return impl_->Finish();
}

}  // namespace coolflow::store::block
