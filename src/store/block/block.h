// Block files: the immutable files of the embedded engine. A block holds whole series (sorted,
// unique times, one value type each) of one time range as compressed chunks
// (store/codec/chunk.h), with each series' 1-minute and 1-hour rollups (rollup.h), an index
// of every chunk's place and time range, and checksums over everything. The engine writes one
// per time partition when it flushes a memtable, and compaction merges the blocks of a
// partition into one. Byte layout: docs/store-blocks.md (block_format.h).
//
// Every record of the data section names its series and kind, so `coolflow store check` can
// salvage the intact chunks of a block whose index or footer is lost (SalvageBlock).
//
// Errors: a damaged or truncated file gives Corruption("block <path>: <why>, at byte N"),
// never a crash and never a wrong answer: chunks and rollups are checked against their
// checksums and the index when read.
//
// Thread safety: a Block is immutable; its methods may be called from any thread
// concurrently. A BlockWriter is used by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/block/rollup.h"
#include "store/codec/chunk.h"
#include "store/wal/file_system.h"

namespace coolflow::store::block {

struct BlockWriterOptions {
  // A series is cut into chunks of at most this many points (1 .. codec::kMaxChunkPoints).
  uint32_t chunk_points = 8192;
  // A rollup level is stored for a series only when its points per non-empty bucket average at
  // least this (otherwise the level below is as cheap to scan); 0: always. A level of more
  // than codec::kMaxChunkPoints buckets is never stored.
  uint32_t min_points_per_bucket = 8;
  codec::EncodeOptions encode;
};

// What Finish wrote.
struct BlockInfo {
  std::string path;
  uint64_t bytes = 0, points = 0, series = 0;
  TimeNs min_time = 0, max_time = 0;  // over every point; 0 for a block without series
};

class BlockWriter {
 public:
  // Writes to `path` + ".tmp" (created exclusively; a stale .tmp is removed first).
  // InvalidArgument for bad options; the file system's error otherwise.
  static Result<std::unique_ptr<BlockWriter>> Create(wal::FileSystem& fs, std::string path,
                                                     const BlockWriterOptions& options = {});
  // Not finished: removes the .tmp.
  ~BlockWriter();
  BlockWriter(const BlockWriter&) = delete;
  BlockWriter& operator=(const BlockWriter&) = delete;

  // One series: ids strictly increasing across calls, >= 1 point, times strictly increasing,
  // as many values as times. InvalidArgument naming the series id otherwise (the writer stays
  // usable). Streams the chunks out (buffered), so a block never needs all its data in
  // memory. A write error is sticky: every later call returns it.
  Status Add(uint32_t series_id, std::span<const TimeNs> times, const codec::ValueColumn& values);
  // Writes the index and footer, fdatasyncs, renames .tmp to `path`, syncs the directory.
  // Once only; the block exists at `path` (durably) only when it returns Ok.
  Result<BlockInfo> Finish();

 private:
  class Impl;
  explicit BlockWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Where one chunk of points is: its record (header + chunk bytes) and what its header says.
struct ChunkRef {
  uint64_t offset = 0;  // of the record
  uint32_t size = 0;    // of the record
  uint32_t count = 0;
  TimeNs first_time = 0, last_time = 0;
};
// Where one rollup level of a series is; size 0: not stored.
struct RollupRef {
  uint64_t offset = 0;
  uint32_t size = 0;
  uint32_t buckets = 0;
};
struct SeriesEntry {
  uint32_t id = 0;
  codec::ValueType type{};
  uint64_t count = 0;
  TimeNs first_time = 0, last_time = 0;
  std::vector<ChunkRef> chunks;  // oldest first, not overlapping
  std::array<RollupRef, kRollupLevels> rollups;
  bool has_rollup(RollupLevel level) const { return rollups[static_cast<size_t>(level)].size != 0; }
};

class Block {
 public:
  // Maps the file and checks its header, footer and index checksum (not the chunks: they are
  // checked when decoded). Corruption("block <path>: <why>, at byte N") when it cannot be
  // right; the file system's error (NotFound, IOError) when it cannot be read.
  static Result<std::shared_ptr<const Block>> Open(wal::FileSystem& fs, const std::string& path);

  const std::string& path() const { return file_->path(); }
  uint64_t bytes() const { return file_->data().size(); }
  uint64_t points() const { return points_; }
  TimeNs min_time() const { return min_time_; }
  TimeNs max_time() const { return max_time_; }
  const std::vector<SeriesEntry>& series() const { return series_; }  // by id
  // Binary search; nullptr when absent.
  const SeriesEntry* Find(uint32_t series_id) const;

  // Decodes one chunk of `entry` (checksum verified, header checked against the index) into
  // `out` (memory reused). Corruption naming the block, series id and offset.
  Status ReadChunk(const SeriesEntry& entry, const ChunkRef& chunk, codec::DecodedChunk& out) const;
  // The stored rollup level of `entry` (NotFound when not stored), oldest first.
  Result<std::vector<RollupBucket>> ReadRollup(const SeriesEntry& entry, RollupLevel level) const;
  // Decodes every chunk and rollup, and checks each rollup equals the one computed from the
  // points: what `coolflow store check` runs. The first damage found.
  Status Verify() const;

 private:
  explicit Block(std::unique_ptr<wal::MappedFile> file) : file_(std::move(file)) {}
  Status ParseIndex(std::string_view index, uint64_t index_offset);
  // Checks the record header at `offset` names `series_id` and `kind`.
  Status CheckRecordHeader(uint64_t offset, uint32_t series_id, uint8_t kind) const;

  std::unique_ptr<wal::MappedFile> file_;
  std::vector<SeriesEntry> series_;
  uint64_t points_ = 0;
  TimeNs min_time_ = 0, max_time_ = 0;
};

// For `coolflow store check`: the chunks that still decode in a damaged block (index or
// footer lost, some chunks corrupt), found by walking the data section, per series id in file
// order, and what was skipped and why. Never reads outside the file. A series' chunks are
// kept only while their times keep increasing; rollup records are skipped (recomputed from
// the points). The file system's error when the file cannot be read at all.
struct SalvagedSeries {
  uint32_t id = 0;
  std::vector<TimeNs> times;
  codec::ValueColumn values;
};
struct Salvage {
  std::vector<SalvagedSeries> series;  // by id
  std::vector<std::string> damage;     // "block <path>: <why>, at byte N"
};
Result<Salvage> SalvageBlock(wal::FileSystem& fs, const std::string& path);

}  // namespace coolflow::store::block
