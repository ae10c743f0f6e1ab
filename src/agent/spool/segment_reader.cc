#include "agent/spool/segment_reader.h"

#include <fcntl.h>

#include <algorithm>

#include "agent/spool/spool_format.h"
#include "fmt/format.h"

namespace coolflow::agent::spool {
namespace {

// The read-ahead window, and the most a reader keeps allocated after reading a larger record.
constexpr size_t kWindowBytes = 64 * 1024;
constexpr size_t kMaxRetainedBytes = 4 * kWindowBytes;

RecordRead Damaged(std::string why) {
  RecordRead read;
  read.status = RecordStatus::kDamaged;
  read.why = std::move(why);
  return read;
}

}  // namespace

Result<SegmentReader> SegmentReader::Open(const std::filesystem::path& path) {
  auto file = File::Open(path, O_RDONLY);
  if (!file.ok()) return file.status();
  return SegmentReader(std::move(*file));
}

Result<std::string_view> SegmentReader::Bytes(uint64_t offset, size_t size) {
  if (offset >= window_offset_ && offset + size <= window_offset_ + window_.size()) {
    return std::string_view(window_).substr(static_cast<size_t>(offset - window_offset_), size);
  }
  if (size <= kWindowBytes && window_.capacity() > kMaxRetainedBytes) std::string().swap(window_);
  window_offset_ = offset;
  if (Status s = file_.ReadAt(offset, std::max(size, kWindowBytes), window_); !s.ok()) {
    window_.clear();
    return s;
  }
  return std::string_view(window_).substr(0, std::min(size, window_.size()));
}

Result<uint64_t> SegmentReader::ReadHeader() {
  auto header = Bytes(0, kSegmentHeaderSize);
  if (!header.ok()) return header.status();
  return ParseSegmentHeader(*header);
}

Result<RecordRead> SegmentReader::Read(uint64_t offset, uint64_t limit, uint64_t expected_id,
                                       Depth depth) {
  if (offset >= limit) return RecordRead{};
  if (limit - offset < kRecordOverhead) {
    return Damaged(fmt::format("{} bytes at offset {} are too few for a record (at least {})",
                               limit - offset, offset, kRecordOverhead));
  }
  auto frame_bytes = Bytes(offset, kRecordFrameSize + sizeof(uint64_t));
  if (!frame_bytes.ok()) return frame_bytes.status();
  if (frame_bytes->size() < kRecordFrameSize + sizeof(uint64_t)) {
    return Damaged(fmt::format("the file ends at offset {}, inside a record frame",
                               offset + frame_bytes->size()));
  }
  const RecordFrame frame = ParseRecordFrame(*frame_bytes);
  if (frame.length < kRecordMinBodySize) {
    return Damaged(fmt::format("record at offset {} claims {} bytes, fewer than the least ({})",
                               offset, frame.length, kRecordMinBodySize));
  }
  const uint64_t size = kRecordFrameSize + uint64_t{frame.length};
  if (size > limit - offset) {
    return Damaged(fmt::format("record at offset {} claims {} bytes; only {} remain", offset,
                               frame.length, limit - offset - kRecordFrameSize));
  }
  const uint64_t id = PeekRecordId(frame_bytes->substr(kRecordFrameSize));
  if (id != expected_id) {
    return Damaged(fmt::format("record at offset {} has id {} where {} was expected", offset, id,
                               expected_id));
  }
  RecordRead read;
  read.status = RecordStatus::kOk;
  read.id = id;
  read.size = size;
  if (depth == Depth::kFrame) return read;

  auto body = Bytes(offset + kRecordFrameSize, frame.length);
  if (!body.ok()) return body.status();
  auto message = ParseRecordBody(frame, *body);
  if (!message.ok()) {
    return Damaged(
        fmt::format("record {} at offset {}: {}", id, offset, message.status().message()));
  }
  read.message = std::move(*message);
  return read;
}

}  // namespace coolflow::agent::spool
