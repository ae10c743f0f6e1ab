#include "agent/spool/checkpoint.h"

#include <fcntl.h>

#include <system_error>

#include "agent/spool/posix_file.h"
#include "agent/spool/spool_format.h"
#include "fmt/format.h"

namespace coolflow::agent::spool {
namespace {

// Reads the fields of a checkpoint front to back, refusing to run past the end.
class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : rest_(bytes) {}

  bool U32(uint32_t& out) {
    if (rest_.size() < sizeof(uint32_t)) return false;
    out = GetU32(rest_.data());
    rest_.remove_prefix(sizeof(uint32_t));
    return true;
  }
  bool U64(uint64_t& out) {
    if (rest_.size() < sizeof(uint64_t)) return false;
    out = GetU64(rest_.data());
    rest_.remove_prefix(sizeof(uint64_t));
    return true;
  }
  bool Bytes(size_t size, std::string_view& out) {
    if (rest_.size() < size) return false;
    out = rest_.substr(0, size);
    rest_.remove_prefix(size);
    return true;
  }
  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

}  // namespace

std::string EncodeCheckpoint(const Checkpoint& checkpoint) {
  std::string out;
  out.append(kCheckpointMagic);
  PutU32(out, kFormatVersion);
  PutU64(out, checkpoint.floor);
  PutU64(out, checkpoint.next_id);
  PutU32(out, static_cast<uint32_t>(checkpoint.next_seq.size()));
  for (const auto& [box, next] : checkpoint.next_seq) {
    PutU32(out, static_cast<uint32_t>(box.size()));
    out.append(box);
    PutU64(out, next);
  }
  PutU32(out, Crc32c(out));
  return out;
}

Result<Checkpoint> DecodeCheckpoint(std::string_view bytes) {
  if (bytes.size() < kCheckpointMagic.size() + sizeof(uint32_t) ||
      bytes.substr(0, kCheckpointMagic.size()) != kCheckpointMagic) {
    return Corruption("no checkpoint magic \"cfck\" at the start");
  }
  const std::string_view checked = bytes.substr(0, bytes.size() - sizeof(uint32_t));
  if (Crc32c(checked) != GetU32(bytes.data() + checked.size())) {
    return Corruption(fmt::format("checksum mismatch over its {} bytes", bytes.size()));
  }
  Cursor cursor(checked.substr(kCheckpointMagic.size()));
  uint32_t version = 0;
  Checkpoint checkpoint;
  uint32_t boxes = 0;
  if (!cursor.U32(version) || !cursor.U64(checkpoint.floor) || !cursor.U64(checkpoint.next_id) ||
      !cursor.U32(boxes)) {
    return Corruption("ends inside its header");
  }
  if (version != kFormatVersion) {
    return Corruption(
        fmt::format("format version {} (this build reads version {})", version, kFormatVersion));
  }
  for (uint32_t i = 0; i < boxes; ++i) {
    uint32_t name_size = 0;
    std::string_view name;
    uint64_t next = 0;
    if (!cursor.U32(name_size) || !cursor.Bytes(name_size, name) || !cursor.U64(next)) {
      return Corruption(fmt::format("ends inside box entry {} of {}", i + 1, boxes));
    }
    checkpoint.next_seq.emplace(std::string(name), next);
  }
  if (!cursor.empty()) return Corruption("bytes left over after the last box entry");
  return checkpoint;
}

Result<std::optional<Checkpoint>> ReadCheckpoint(const std::filesystem::path& path) {
  std::error_code error;
  const auto type = std::filesystem::symlink_status(path, error).type();
  if (type == std::filesystem::file_type::not_found) return std::optional<Checkpoint>();
  auto file = File::Open(path, O_RDONLY);
  if (!file.ok()) return file.status();
  auto size = file->Size();
  if (!size.ok()) return size.status();
  if (*size > kMaxCheckpointBytes) {
    return Corruption(fmt::format("checkpoint {}: {} bytes, more than a checkpoint can hold ({})",
                                  path.string(), *size, kMaxCheckpointBytes));
  }
  std::string bytes;
  if (Status s = file->ReadAt(0, static_cast<size_t>(*size), bytes); !s.ok()) return s;
  auto checkpoint = DecodeCheckpoint(bytes);
  if (!checkpoint.ok()) {
    return Corruption(
        fmt::format("checkpoint {}: {}", path.string(), checkpoint.status().message()));
  }
  return std::optional<Checkpoint>(std::move(*checkpoint));
}

Status WriteCheckpoint(const std::filesystem::path& path, const Checkpoint& checkpoint) {
  return WriteFileAtomically(path, EncodeCheckpoint(checkpoint));
}

}  // namespace coolflow::agent::spool
