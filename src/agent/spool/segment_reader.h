// Reads the records of one segment file (spool_format.h) through a small read-ahead window,
// so scanning a segment costs one read(2) per window, not two per record, and a reader holds
// at most one window (or one oversized record) in memory.
//
// Thread safety: one thread at a time (the spool's mutex).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "agent/spool/posix_file.h"
#include "common/status.h"
#include "transport/transport.h"

namespace coolflow::agent::spool {

enum class RecordStatus {
  kOk,       // a whole record with the expected id (and a good checksum, when checked)
  kEnd,      // the offset is the segment's end: no record there
  kDamaged,  // bytes that are not the expected record: torn, overwritten or garbage
};

struct RecordRead {
  RecordStatus status = RecordStatus::kEnd;
  uint64_t id = 0;
  uint64_t size = 0;           // bytes on disk, frame included (kOk only)
  transport::Message message;  // when read with kMessage
  std::string why;             // what is wrong (kDamaged only)
};

class SegmentReader {
 public:
  enum class Depth {
    kFrame,    // length and id only: enough to step over a record
    kMessage,  // verify the checksum and decode the message
  };

  // Opens `path` for reading; the error names the file.
  static Result<SegmentReader> Open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return file_.path(); }
  Result<uint64_t> FileSize() const { return file_.Size(); }

  // The first record id in the segment header, or Corruption saying what is wrong.
  Result<uint64_t> ReadHeader();

  // Reads the record at `offset` of a segment whose valid bytes end at `limit`; it must have
  // id `expected_id`. An I/O error is an error; damaged bytes are a kDamaged outcome.
  Result<RecordRead> Read(uint64_t offset, uint64_t limit, uint64_t expected_id, Depth depth);

 private:
  explicit SegmentReader(File file) : file_(std::move(file)) {}

  // Bytes [offset, offset + size) of the file (fewer only where the file ends).
  Result<std::string_view> Bytes(uint64_t offset, size_t size);

  File file_;
  std::string window_;
  uint64_t window_offset_ = 0;
};

}  // namespace coolflow::agent::spool
