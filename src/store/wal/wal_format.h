// The WAL's on-disk format: segment names, the segment header and the record frame, shared by
// the writer, the recovery scan and the fuzzer. docs/store-wal.md has the byte-by-byte layout.
//
// A segment is a file <first seq, 20 decimal digits>.wal in the WAL's directory:
//   [segment header, 24 bytes][record]...
// Segment header: "CFWALSEG" magic (8) | version u32 (4) | first seq u64 (8) |
//                 masked CRC-32C of the previous 20 bytes (4).
// Record:         header CRC u32 (4) | payload length u32 (4) | seq u64 (8) | type u8 (1) |
//                 reserved, zero (3) | payload CRC u32 (4) | payload (length bytes)
// The header CRC covers bytes 4..24 of the record header (length, seq, type, reserved and
// the payload CRC), so a scan can tell a real header from garbage without reading the payload.
// Integers are little-endian. CRCs are masked (as LevelDB's) so that a CRC stored inside a
// payload does not make the payload's CRC degenerate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coolflow::store::wal {

inline constexpr std::string_view kSegmentMagic = "CFWALSEG";
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 24;
inline constexpr size_t kRecordHeaderSize = 24;
inline constexpr std::string_view kSegmentSuffix = ".wal";
inline constexpr size_t kSegmentNameDigits = 20;
// Sequence numbers run from 1 to kMaxSeq (2^62): no real log gets there, and a corrupt header
// claiming more is refused before any arithmetic could overflow.
inline constexpr uint64_t kMaxSeq = uint64_t{1} << 62;
// The largest payload a record holds: a batch bigger than this is refused by Append.
inline constexpr uint32_t kMaxPayloadSize = 64u << 20;

enum class RecordType : uint8_t {
  kData = 1,  // a payload from Append
};

// CRC-32C masked as LevelDB does: rotated and offset.
uint32_t MaskCrc(uint32_t crc);
uint32_t UnmaskCrc(uint32_t masked);

// "00000000000000000042.wal" for first seq 42.
std::string SegmentName(uint64_t first_seq);
// The first seq named by a segment file name; nullopt for other names.
std::optional<uint64_t> ParseSegmentName(std::string_view name);

std::string EncodeSegmentHeader(uint64_t first_seq);
// The first seq of a valid segment header; Corruption saying why otherwise (bad magic,
// version, checksum). `header` must hold kSegmentHeaderSize bytes.
Result<uint64_t> DecodeSegmentHeader(std::string_view header);

// Appends the framed record to `out`.
void AppendRecord(std::string& out, uint64_t seq, std::string_view payload);

struct RecordHeader {
  uint32_t length = 0;
  uint64_t seq = 0;
  RecordType type = RecordType::kData;
  uint32_t payload_crc = 0;  // unmasked
};

// The header at the start of `bytes` (which must hold kRecordHeaderSize bytes), or why it is
// not one: header checksum mismatch, unknown type, nonzero reserved bytes, length too big.
Result<RecordHeader> DecodeRecordHeader(std::string_view bytes);
// Whether `payload` matches the header's payload CRC.
bool PayloadMatches(const RecordHeader& header, std::string_view payload);

}  // namespace coolflow::store::wal
