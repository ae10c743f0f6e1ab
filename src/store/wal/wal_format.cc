#include "store/wal/wal_format.h"

#include <charconv>
#include <cstring>

#include "common/crc32c.h"
#include "fmt/format.h"

namespace coolflow::store::wal {
namespace {

constexpr uint32_t kMaskDelta = 0xa282ead8u;
constexpr size_t kRecordCrcOffset = 0;
constexpr size_t kRecordLengthOffset = 4;
constexpr size_t kRecordSeqOffset = 8;
constexpr size_t kRecordTypeOffset = 16;
constexpr size_t kRecordReservedOffset = 17;
constexpr size_t kRecordPayloadCrcOffset = 20;
constexpr size_t kSegmentVersionOffset = 8;
constexpr size_t kSegmentSeqOffset = 12;
constexpr size_t kSegmentCrcOffset = 20;

void PutU32(char* out, uint32_t v) {
  for (size_t i = 0; i < 4; ++i)
    out[i] = static_cast<char>((v >> (8 * i)) & 0xffu);
}
void PutU64(char* out, uint64_t v) {
  for (size_t i = 0; i < 8; ++i)
    out[i] = static_cast<char>((v >> (8 * i)) & 0xffu);
}
uint32_t GetU32(const char* in) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i)
    v |= uint32_t{static_cast<unsigned char>(in[i])} << (8 * i);
  return v;
}
uint64_t GetU64(const char* in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i)
    v |= uint64_t{static_cast<unsigned char>(in[i])} << (8 * i);
  return v;
}

}  // namespace

uint32_t MaskCrc(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

uint32_t UnmaskCrc(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

std::string SegmentName(uint64_t first_seq) {
  return fmt::format("{:0{}}{}", first_seq, kSegmentNameDigits, kSegmentSuffix);
}

std::optional<uint64_t> ParseSegmentName(std::string_view name) {
  if (name.size() != kSegmentNameDigits + kSegmentSuffix.size() ||
      !name.ends_with(kSegmentSuffix)) {
    return std::nullopt;
  }
  uint64_t seq = 0;
  const char* end = name.data() + kSegmentNameDigits;
  const auto [ptr, ec] = std::from_chars(name.data(), end, seq);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return seq;
}

std::string EncodeSegmentHeader(uint64_t first_seq) {
  std::string header(kSegmentHeaderSize, '\0');
  std::memcpy(header.data(), kSegmentMagic.data(), kSegmentMagic.size());
  PutU32(header.data() + kSegmentVersionOffset, kFormatVersion);
  PutU64(header.data() + kSegmentSeqOffset, first_seq);
  PutU32(header.data() + kSegmentCrcOffset,
         MaskCrc(Crc32c(std::string_view(header).substr(0, kSegmentCrcOffset))));
  return header;
}

Result<uint64_t> DecodeSegmentHeader(std::string_view header) {
  if (header.size() < kSegmentHeaderSize) {
    return Corruption(
        fmt::format("segment header is {} bytes, wants {}", header.size(), kSegmentHeaderSize));
  }
  if (!header.starts_with(kSegmentMagic)) return Corruption("not a WAL segment (bad magic)");
  const uint32_t stored = UnmaskCrc(GetU32(header.data() + kSegmentCrcOffset));
  if (stored != Crc32c(header.substr(0, kSegmentCrcOffset))) {
    return Corruption("segment header checksum mismatch");
  }
  const uint32_t version = GetU32(header.data() + kSegmentVersionOffset);
  if (version != kFormatVersion) {
    return Corruption(
        fmt::format("segment format version {} (this build reads {})", version, kFormatVersion));
  }
  const uint64_t first_seq = GetU64(header.data() + kSegmentSeqOffset);
  if (first_seq == 0 || first_seq > kMaxSeq) {
    return Corruption(
        fmt::format("segment header names first seq {} (valid: 1..{})", first_seq, kMaxSeq));
  }
  return first_seq;
}

void AppendRecord(std::string& out, uint64_t seq, std::string_view payload) {
  const size_t start = out.size();
  out.resize(start + kRecordHeaderSize);
  char* h = out.data() + start;
  PutU32(h + kRecordLengthOffset, static_cast<uint32_t>(payload.size()));
  PutU64(h + kRecordSeqOffset, seq);
  h[kRecordTypeOffset] = static_cast<char>(RecordType::kData);
  PutU32(h + kRecordPayloadCrcOffset, MaskCrc(Crc32c(payload)));
  PutU32(h + kRecordCrcOffset,
         MaskCrc(Crc32c(
             std::string_view(h + kRecordLengthOffset, kRecordHeaderSize - kRecordLengthOffset))));
  out.append(payload);
}

Result<RecordHeader> DecodeRecordHeader(std::string_view bytes) {
  if (bytes.size() < kRecordHeaderSize) return Corruption("record header cut short");
  const char* h = bytes.data();
  const uint32_t stored = UnmaskCrc(GetU32(h + kRecordCrcOffset));
  if (stored !=
      Crc32c(bytes.substr(kRecordLengthOffset, kRecordHeaderSize - kRecordLengthOffset))) {
    return Corruption("record header checksum mismatch");
  }
  RecordHeader header;
  header.length = GetU32(h + kRecordLengthOffset);
  header.seq = GetU64(h + kRecordSeqOffset);
  const auto type = static_cast<uint8_t>(h[kRecordTypeOffset]);
  if (type != static_cast<uint8_t>(RecordType::kData)) {
    return Corruption(fmt::format("unknown record type {}", type));
  }
  header.type = RecordType::kData;
  if (h[kRecordReservedOffset] != 0 || h[kRecordReservedOffset + 1] != 0 ||
      h[kRecordReservedOffset + 2] != 0) {
    return Corruption("nonzero reserved bytes in a record header");
  }
  if (header.length > kMaxPayloadSize) {
    return Corruption(
        fmt::format("record length {} exceeds the maximum {}", header.length, kMaxPayloadSize));
  }
  header.payload_crc = UnmaskCrc(GetU32(h + kRecordPayloadCrcOffset));
  return header;
}

bool PayloadMatches(const RecordHeader& header, std::string_view payload) {
  return payload.size() == header.length && Crc32c(payload) == header.payload_crc;
}

}  // namespace coolflow::store::wal
