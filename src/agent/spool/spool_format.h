// The spool's on-disk format, shared by the writer, the reader and recovery: file names,
// the segment header, the record framing and the checksum. docs/spool-format.md describes
// the same bytes for a person; the two change together.
//
// All integers are little-endian. A segment file is a 24-byte header followed by records:
//
//   header: magic "cfsg" | u32 version | u64 first record id | u32 crc32c of the 16 bytes
//           before it | u32 zero
//   record: u32 length | u32 crc32c of the `length` bytes that follow | u64 id |
//           u32 topic length | topic | u32 key length | key | payload
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/crc32c.h"
#include "common/status.h"
#include "transport/transport.h"

namespace coolflow::agent::spool {

inline constexpr uint32_t kFormatVersion = 1;

// Segment files are named after their first record id, zero-padded to 20 digits (every
// uint64_t fits), so that name order is id order: 00000000000000000001.seg.
inline constexpr std::string_view kSegmentSuffix = ".seg";
inline constexpr size_t kSegmentNameDigits = 20;

inline constexpr std::string_view kSegmentMagic = "cfsg";
inline constexpr size_t kSegmentHeaderSize = 24;
// Bytes of the header the header checksum covers: magic, version, first id.
inline constexpr size_t kSegmentHeaderChecked = 16;

// A record: an 8-byte frame (length, checksum) and a body of `length` bytes that starts with
// the id and the two length-prefixed strings.
inline constexpr size_t kRecordFrameSize = 8;
inline constexpr size_t kRecordMinBodySize = 16;  // id, topic length, key length
inline constexpr size_t kRecordOverhead = kRecordFrameSize + kRecordMinBodySize;
inline constexpr uint64_t kMaxRecordBodySize = UINT32_MAX;

// Records and checkpoints are checked with CRC-32C.
using coolflow::Crc32c;

// "00000000000000000001.seg".
std::string SegmentFileName(uint64_t first_id);
// The first id a segment file name holds; nullopt for any other name.
std::optional<uint64_t> ParseSegmentFileName(std::string_view name);

// Appends a segment header for a segment whose first record will have id `first_id`.
void AppendSegmentHeader(uint64_t first_id, std::string& out);
// The first id in a segment header, or Corruption saying what is wrong with it.
Result<uint64_t> ParseSegmentHeader(std::string_view header);

// The bytes a record of `message` takes on disk, frame included.
uint64_t EncodedRecordSize(const transport::Message& message);
// Appends the record (frame and body) of `message` with `id`. The caller has checked that
// the body fits kMaxRecordBodySize.
void AppendRecord(uint64_t id, const transport::Message& message, std::string& out);

struct RecordFrame {
  uint32_t length = 0;  // bytes of the body
  uint32_t crc = 0;     // crc32c of the body
};
RecordFrame ParseRecordFrame(std::string_view frame);  // frame.size() == kRecordFrameSize
// The id at the start of a body of at least 8 bytes.
uint64_t PeekRecordId(std::string_view body);

// Checks a record body against its frame and decodes it; Corruption says what is wrong.
Result<transport::Message> ParseRecordBody(const RecordFrame& frame, std::string_view body);

// Little-endian helpers.
void PutU32(std::string& out, uint32_t value);
void PutU64(std::string& out, uint64_t value);
uint32_t GetU32(const char* bytes);
uint64_t GetU64(const char* bytes);

}  // namespace coolflow::agent::spool
