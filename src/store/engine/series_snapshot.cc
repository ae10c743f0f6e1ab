#include "store/engine/series_snapshot.h"

#include <endian.h>

#include <cstring>

#include "common/crc32c.h"
#include "store/codec/byte_io.h"

namespace coolflow::store::engine {
namespace {

constexpr std::string_view kMagic = "CFSERIES";
constexpr uint32_t kFormat = 1;
constexpr size_t kFixedSize = 8 + 4 + 8 + 4 + 4;  // magic, format, seq, count, crc

uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return le32toh(v);
}

}  // namespace

std::string EncodeSeriesSnapshot(const SeriesSnapshot& snapshot) {
  std::string out(kMagic);
  codec::PutFixed32(out, kFormat);
  codec::PutFixed64(out, snapshot.flushed_seq);
  codec::PutFixed32(out, static_cast<uint32_t>(snapshot.series.size()));
  for (const SnapshotSeries& s : snapshot.series) {
    codec::PutFixed32(out, s.id);
    out.push_back(static_cast<char>(s.type));
    codec::PutVarint(out, s.key.size());
    out.append(s.key);
  }
  codec::PutFixed32(out, Crc32c(out));
  return out;
}

Result<SeriesSnapshot> DecodeSeriesSnapshot(std::string_view bytes, std::string_view path) {
  const auto fail = [&](std::string_view why, size_t at) {
    return Corruption("series snapshot " + std::string(path) + ": " + std::string(why) +
                      ", at byte " + std::to_string(at));
  };
  if (bytes.size() < kFixedSize) return fail("file is cut off", bytes.size());
  if (bytes.substr(0, kMagic.size()) != kMagic) return fail("bad magic", 0);
  const size_t body = bytes.size() - 4;
  const uint32_t stored_crc = Load32(bytes.data() + body);
  if (Crc32c(bytes.substr(0, body)) != stored_crc) return fail("checksum mismatch", body);
  if (Load32(bytes.data() + 8) != kFormat) {
    return fail("unknown format " + std::to_string(Load32(bytes.data() + 8)), 8);
  }
  SeriesSnapshot snapshot;
  snapshot.flushed_seq = codec::LoadLe64(bytes.data() + 12);
  const uint32_t count = Load32(bytes.data() + 20);
  codec::ByteReader reader(bytes.substr(0, body).substr(24), 24);
  if (count > reader.remaining() / 6) return fail("series count is too large", 20);
  snapshot.series.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (reader.remaining() < 5) return fail("series entry is cut off", reader.offset());
    SnapshotSeries s;
    s.id = Load32(reader.rest().data());
    const uint8_t type = static_cast<uint8_t>(reader.rest()[4]);
    if (type < static_cast<uint8_t>(codec::ValueType::kDouble) ||
        type > static_cast<uint8_t>(codec::ValueType::kBool)) {
      return fail("unknown value type " + std::to_string(type), reader.offset() + 4);
    }
    s.type = static_cast<codec::ValueType>(type);
    reader.Skip(5);
    uint64_t size = 0;
    if (!reader.ReadVarint(size, "key size").ok() || size > reader.remaining()) {
      return fail("series key is cut off", reader.offset());
    }
    s.key.assign(reader.rest().substr(0, size));
    reader.Skip(size);
    snapshot.series.push_back(std::move(s));
  }
  if (reader.remaining() != 0) return fail("bytes after the last series", reader.offset());
  return snapshot;
}

Result<SeriesSnapshot> ReadSeriesSnapshot(wal::FileSystem& fs, const std::string& path) {
  auto file = fs.Open(path, wal::OpenMode::kRead);
  if (!file.ok()) return file.status();
  auto size = (*file)->Size();
  if (!size.ok()) return size.status();
  std::string bytes;
  if (Status s = (*file)->ReadAt(0, *size, bytes); !s.ok()) return s;
  return DecodeSeriesSnapshot(bytes, path);
}

Status WriteSeriesSnapshot(wal::FileSystem& fs, const std::string& dir, const std::string& path,
                           const SeriesSnapshot& snapshot) {
  const std::string tmp = path + ".tmp";
  (void)fs.Remove(tmp);  // a stale one from a crash; NotFound otherwise
  auto file = fs.Open(tmp, wal::OpenMode::kCreateExclusive);
  if (!file.ok()) return file.status();
  Status s = (*file)->WriteAt(0, EncodeSeriesSnapshot(snapshot));
  if (s.ok()) s = (*file)->Sync();
  file->reset();
  if (s.ok()) s = fs.Rename(tmp, path);
  if (s.ok()) s = fs.SyncDir(dir);
  return s;
}

}  // namespace coolflow::store::engine
