#include "agent/spool/spool_format.h"

#include <charconv>
#include <cstring>

#include "fmt/format.h"

namespace coolflow::agent::spool {
namespace {

constexpr uint32_t kByteMask = 0xff;
constexpr int kBitsPerByte = 8;

}  // namespace

void PutU32(std::string& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((value >> (kBitsPerByte * i)) & kByteMask));
  }
}

void PutU64(std::string& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<char>((value >> (kBitsPerByte * i)) & kByteMask));
  }
}

uint32_t GetU32(const char* bytes) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) {
    value = (value << kBitsPerByte) | static_cast<uint8_t>(bytes[i]);
  }
  return value;
}

uint64_t GetU64(const char* bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) {
    value = (value << kBitsPerByte) | static_cast<uint8_t>(bytes[i]);
  }
  return value;
}

std::string SegmentFileName(uint64_t first_id) {
  return fmt::format("{:0{}}{}", first_id, kSegmentNameDigits, kSegmentSuffix);
}

std::optional<uint64_t> ParseSegmentFileName(std::string_view name) {
  if (name.size() != kSegmentNameDigits + kSegmentSuffix.size()) return std::nullopt;
  if (name.substr(kSegmentNameDigits) != kSegmentSuffix) return std::nullopt;
  const std::string_view digits = name.substr(0, kSegmentNameDigits);
  uint64_t id = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return id;
}

void AppendSegmentHeader(uint64_t first_id, std::string& out) {
  const size_t start = out.size();
  out.append(kSegmentMagic);
  PutU32(out, kFormatVersion);
  PutU64(out, first_id);
  PutU32(out, Crc32c(std::string_view(out).substr(start, kSegmentHeaderChecked)));
  PutU32(out, 0);
}

Result<uint64_t> ParseSegmentHeader(std::string_view header) {
  if (header.size() < kSegmentHeaderSize) {
    return Corruption(fmt::format("header is {} bytes, shorter than the {} of a segment header",
                                  header.size(), kSegmentHeaderSize));
  }
  if (header.substr(0, kSegmentMagic.size()) != kSegmentMagic) {
    return Corruption("no segment magic \"cfsg\" at the start: not a spool segment");
  }
  const uint32_t stored_crc = GetU32(header.data() + kSegmentHeaderChecked);
  if (Crc32c(header.substr(0, kSegmentHeaderChecked)) != stored_crc) {
    return Corruption("segment header checksum mismatch");
  }
  const uint32_t version = GetU32(header.data() + kSegmentMagic.size());
  if (version != kFormatVersion) {
    return Corruption(fmt::format("segment format version {} (this build reads version {})",
                                  version, kFormatVersion));
  }
  return GetU64(header.data() + kSegmentMagic.size() + sizeof(uint32_t));
}

uint64_t EncodedRecordSize(const transport::Message& message) {
  return kRecordOverhead + message.topic.size() + message.key.size() + message.payload.size();
}

void AppendRecord(uint64_t id, const transport::Message& message, std::string& out) {
  const size_t frame = out.size();
  const uint64_t body_size = EncodedRecordSize(message) - kRecordFrameSize;
  PutU32(out, static_cast<uint32_t>(body_size));
  PutU32(out, 0);  // the checksum, filled in below
  const size_t body = out.size();
  PutU64(out, id);
  PutU32(out, static_cast<uint32_t>(message.topic.size()));
  out.append(message.topic);
  PutU32(out, static_cast<uint32_t>(message.key.size()));
  out.append(message.key);
  out.append(message.payload);
  const uint32_t crc = Crc32c(std::string_view(out).substr(body));
  std::string encoded_crc;
  PutU32(encoded_crc, crc);
  out.replace(frame + sizeof(uint32_t), sizeof(uint32_t), encoded_crc);
}

RecordFrame ParseRecordFrame(std::string_view frame) {
  return RecordFrame{.length = GetU32(frame.data()),
                     .crc = GetU32(frame.data() + sizeof(uint32_t))};
}

uint64_t PeekRecordId(std::string_view body) {
  return GetU64(body.data());
}

Result<transport::Message> ParseRecordBody(const RecordFrame& frame, std::string_view body) {
  if (body.size() != frame.length || body.size() < kRecordMinBodySize) {
    return Corruption(fmt::format("record body of {} bytes (frame says {}, the least is {})",
                                  body.size(), frame.length, kRecordMinBodySize));
  }
  if (Crc32c(body) != frame.crc) return Corruption("record checksum mismatch");
  std::string_view rest = body.substr(sizeof(uint64_t));
  transport::Message message;
  for (std::string* field : {&message.topic, &message.key}) {
    if (rest.size() < sizeof(uint32_t)) return Corruption("record ends inside a length field");
    const uint32_t size = GetU32(rest.data());
    rest.remove_prefix(sizeof(uint32_t));
    if (size > rest.size()) {
      return Corruption(fmt::format("record field of {} bytes runs past the record's end", size));
    }
    field->assign(rest.substr(0, size));
    rest.remove_prefix(size);
  }
  message.payload.assign(rest);
  return message;
}

}  // namespace coolflow::agent::spool
