// Fuzzes the store's block files (src/store/block/block.h) read from arbitrary bytes through
// FaultInjectionFileSystem::WriteDurably.
// The first byte picks a mode:
//  0: the rest is the file, as read from disk (the checksums mostly refuse it);
//  1: the same with the index and footer checksums recomputed, so the index parser is reached;
//  2: the rest turned into series (ids, times, doubles) written as a block with a tiny chunk
//     size, which must read back exactly, then damaged at one input-chosen byte, which Open
//     or Verify must catch;
//  3: the rest is the body of a rollup record payload (rollup_codec.h), framed with its right
//     length and checksum: refused with Corruption "chunk: ..., at byte N" N within it, or
//     decoded into valid buckets that encode and decode again to the same bits.
// Properties: Open, Verify, ReadChunk and ReadRollup refuse with Corruption "block <path>:
// ..., at byte N", N within the file; what they accept agrees with the index; SalvageBlock
// never fails on a readable file and returns strictly increasing times, one value each.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/crc32c.h"
#include "fuzz_check.h"
#include "store/block/block.h"
#include "store/block/block_format.h"
#include "store/block/rollup_codec.h"
#include "store/codec/byte_io.h"
#include "store/wal/fault_injection_file_system.h"

namespace coolflow::fuzz {
namespace {

namespace block = store::block;
namespace codec = store::codec;

constexpr std::string_view kDir = "/fuzz";
const std::string kPath = "/fuzz/1.block";

void CheckRefusal(const Status& status, size_t size) {
  FUZZ_CHECK_MSG(status.code() == StatusCode::kCorruption, status.ToString());
  const std::string& message = status.message();
  FUZZ_CHECK_MSG(message.starts_with("block " + kPath + ": "), message);
  const size_t at = message.rfind(", at byte ");
  FUZZ_CHECK_MSG(at != std::string::npos, message);
  const std::string_view offset = std::string_view(message).substr(at + 10);
  size_t byte = 0;
  const auto [end, ec] = std::from_chars(offset.data(), offset.data() + offset.size(), byte);
  FUZZ_CHECK_MSG(ec == std::errc() && end == offset.data() + offset.size() && byte <= size,
                 fmt::format("{} (file has {} bytes)", message, size));
}

// Reads everything a block offers; returns whether all of it was accepted.
bool CheckBlock(store::wal::FileSystem& fs, size_t size) {
  auto opened = block::Block::Open(fs, kPath);
  if (!opened.ok()) {
    CheckRefusal(opened.status(), size);
    return false;
  }
  const block::Block& b = **opened;
  bool clean = true;
  codec::DecodedChunk chunk;
  for (const block::SeriesEntry& entry : b.series()) {
    FUZZ_CHECK(b.Find(entry.id) == &entry);
    for (const block::ChunkRef& ref : entry.chunks) {
      const Status s = b.ReadChunk(entry, ref, chunk);
      if (!s.ok()) {
        CheckRefusal(s, size);
        clean = false;
        continue;
      }
      FUZZ_CHECK(chunk.times.size() == ref.count);
      FUZZ_CHECK(chunk.times.front() == ref.first_time && chunk.times.back() == ref.last_time);
      FUZZ_CHECK(codec::ColumnType(chunk.values) == entry.type);
    }
    for (const block::RollupLevel level : block::kAllRollupLevels) {
      auto rollup = b.ReadRollup(entry, level);
      if (!entry.has_rollup(level)) {
        FUZZ_CHECK(rollup.status().code() == StatusCode::kNotFound);
      } else if (!rollup.ok()) {
        CheckRefusal(rollup.status(), size);
        clean = false;
      } else {
        FUZZ_CHECK(rollup->size() == entry.rollups[static_cast<size_t>(level)].buckets);
      }
    }
  }
  const Status verified = b.Verify();
  if (!verified.ok()) {
    CheckRefusal(verified, size);
    return false;
  }
  return clean;
}

void CheckSalvage(store::wal::FileSystem& fs) {
  auto salvage = block::SalvageBlock(fs, kPath);
  FUZZ_CHECK_MSG(salvage.ok(), salvage.status().ToString());
  uint32_t previous = 0;
  for (size_t i = 0; i < salvage->series.size(); ++i) {
    const block::SalvagedSeries& s = salvage->series[i];
    FUZZ_CHECK(i == 0 || s.id > previous);
    previous = s.id;
    FUZZ_CHECK(!s.times.empty() && codec::ColumnSize(s.values) == s.times.size());
    for (size_t j = 1; j < s.times.size(); ++j)
      FUZZ_CHECK(s.times[j] > s.times[j - 1]);
  }
}

// Recomputes the index and footer checksums of `bytes` (when its footer says where the index
// is).
void Reseal(std::string& bytes) {
  if (bytes.size() < block::kMinBlockBytes) return;
  const size_t footer = bytes.size() - block::kFooterBytes;
  const uint64_t index_offset = codec::LoadLe64(bytes.data() + footer);
  if (index_offset < block::kBlockHeaderBytes || index_offset > footer) return;
  std::string sealed = bytes.substr(0, footer);
  codec::PutFixed64(sealed, index_offset);
  codec::PutFixed64(sealed, footer - index_offset);
  codec::PutFixed32(sealed,
                    Crc32c(std::string_view(bytes).substr(index_offset, footer - index_offset)));
  codec::PutFixed32(sealed, Crc32c(std::string_view(sealed).substr(footer, block::kFooterCrc)));
  sealed.append(block::kBlockEndMagic);
  bytes = std::move(sealed);
}

void CheckWritten(store::wal::FaultInjectionFileSystem& fs, std::string_view input) {
  if (input.size() < 4) return;
  // Each point: 1 byte of series, 1 byte of time step, 2 bytes of value (hundredths).
  std::map<uint32_t, std::pair<std::vector<TimeNs>, std::vector<double>>> series;
  const size_t n = (input.size() - 2) / 4;
  for (size_t i = 0; i < n; ++i) {
    const char* p = input.data() + 2 + i * 4;
    auto& [times, values] = series[static_cast<uint8_t>(p[0]) % 5 + 1];
    const TimeNs step = 1 + static_cast<uint8_t>(p[1]) * kNanosPerSecond;
    times.push_back(times.empty() ? -kNanosPerHour + step : times.back() + step);
    int16_t v = 0;
    std::memcpy(&v, p + 2, 2);
    values.push_back(static_cast<double>(v) / 100.0);
  }
  block::BlockWriterOptions options;
  options.chunk_points = 1 + static_cast<uint8_t>(input[0]) % 7;
  options.min_points_per_bucket = static_cast<uint8_t>(input[1]) % 3;
  {
    auto writer = block::BlockWriter::Create(fs, kPath, options);
    FUZZ_CHECK(writer.ok());
    for (const auto& [id, s] : series)
      FUZZ_CHECK((*writer)->Add(id, s.first, s.second).ok());
    FUZZ_CHECK((*writer)->Finish().ok());
  }
  auto bytes = fs.ReadWhole(kPath);
  FUZZ_CHECK(bytes.ok());
  FUZZ_CHECK(CheckBlock(fs, bytes->size()));
  auto opened = block::Block::Open(fs, kPath);
  FUZZ_CHECK(opened.ok());
  codec::DecodedChunk chunk;
  for (const auto& [id, s] : series) {
    const block::SeriesEntry* entry = (*opened)->Find(id);
    FUZZ_CHECK(entry != nullptr && entry->count == s.first.size());
    std::vector<TimeNs> times;
    for (const block::ChunkRef& ref : entry->chunks) {
      FUZZ_CHECK((*opened)->ReadChunk(*entry, ref, chunk).ok());
      times.insert(times.end(), chunk.times.begin(), chunk.times.end());
    }
    FUZZ_CHECK(times == s.first);
  }
  // One damaged byte is always caught.
  std::string bad = *bytes;
  const size_t at =
      (static_cast<uint8_t>(input[0]) * 256u + static_cast<uint8_t>(input[1])) % bad.size();
  bad[at] = static_cast<char>(bad[at] ^ (1 << (static_cast<uint8_t>(input[1]) % 8)));
  fs.WriteDurably(kPath, bad);
  FUZZ_CHECK_MSG(!CheckBlock(fs, bad.size()), fmt::format("damage at byte {} missed", at));
  CheckSalvage(fs);
}

void CheckRollupBody(std::string_view body) {
  std::string framed;
  codec::PutFixed32(framed, static_cast<uint32_t>(body.size()));
  framed.append(body);
  codec::PutFixed32(framed, Crc32c(body));
  const TimeNs step = kNanosPerHour;
  std::vector<block::RollupBucket> buckets;
  const Status s = block::DecodeRollupPayload(framed, step, buckets);
  if (!s.ok()) {
    FUZZ_CHECK_MSG(s.code() == StatusCode::kCorruption && s.message().starts_with("chunk: "),
                   s.ToString());
    const size_t at = s.message().rfind(", at byte ");
    FUZZ_CHECK_MSG(
        at != std::string::npos && std::stoull(s.message().substr(at + 10)) <= framed.size(),
        s.ToString());
    return;
  }
  FUZZ_CHECK(!buckets.empty());
  for (size_t i = 0; i < buckets.size(); ++i) {
    FUZZ_CHECK(buckets[i].count >= 1 &&
               block::BucketStart(buckets[i].start, step) == buckets[i].start);
    FUZZ_CHECK(i == 0 || buckets[i].start > buckets[i - 1].start);
  }
  for (const bool decimal : {true, false}) {
    std::string again;
    block::EncodeRollupPayload(buckets, step, decimal, again);
    std::vector<block::RollupBucket> decoded;
    const Status d = block::DecodeRollupPayload(again, step, decoded);
    FUZZ_CHECK_MSG(d.ok(), d.ToString());
    FUZZ_CHECK(decoded.size() == buckets.size());
    for (size_t i = 0; i < decoded.size(); ++i) {
      const auto bits = [](double v) { return std::bit_cast<uint64_t>(v); };
      const block::RollupBucket& a = decoded[i];
      const block::RollupBucket& b = buckets[i];
      FUZZ_CHECK(a.start == b.start && a.count == b.count && bits(a.min) == bits(b.min) &&
                 bits(a.max) == bits(b.max) && bits(a.sum) == bits(b.sum) &&
                 bits(a.last) == bits(b.last));
    }
  }
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using coolflow::fuzz::kPath;
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  coolflow::store::wal::FaultInjectionFileSystem fs;
  (void)fs.CreateDir(std::string(coolflow::fuzz::kDir));
  switch (data[0] % 4) {
    case 0:
    case 1: {
      std::string bytes(input);
      if (data[0] % 4 == 1) coolflow::fuzz::Reseal(bytes);
      fs.WriteDurably(kPath, bytes);
      coolflow::fuzz::CheckBlock(fs, bytes.size());
      coolflow::fuzz::CheckSalvage(fs);
      break;
    }
    case 2:
      coolflow::fuzz::CheckWritten(fs, input);
      break;
    default:
      coolflow::fuzz::CheckRollupBody(input);
      break;
  }
  return 0;
}
