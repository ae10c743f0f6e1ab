#include "agent/spool/file_spool.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <system_error>
#include <utility>

#include "agent/spool/checkpoint.h"
#include "agent/spool/spool_format.h"
#include "fmt/format.h"

namespace coolflow::agent {

using spool::File;
using spool::SegmentReader;

namespace {

constexpr std::string_view kLockFileName = "LOCK";
constexpr std::string_view kSetAsideSuffix = ".damaged";
// The most damage reports kept for damage(); later ones are only logged.
constexpr size_t kMaxDamageKept = 100;

Status ValidateOptions(const SpoolOptions& options) {
  if (options.dir.empty()) return InvalidArgument("spool: options.dir is empty");
  constexpr uint64_t kLeastMaxBytes = spool::kSegmentHeaderSize + spool::kRecordOverhead;
  if (options.max_bytes < kLeastMaxBytes) {
    return InvalidArgument(fmt::format("spool {}: max_bytes {} is below the least possible ({})",
                                       options.dir.string(), options.max_bytes, kLeastMaxBytes));
  }
  if (options.segment_bytes == 0) {
    return InvalidArgument(fmt::format("spool {}: segment_bytes is 0", options.dir.string()));
  }
  if (options.checkpoint_interval < 0) {
    return InvalidArgument(fmt::format("spool {}: checkpoint_interval {} ns is negative",
                                       options.dir.string(), options.checkpoint_interval));
  }
  if (options.sync_interval < 0) {
    return InvalidArgument(fmt::format("spool {}: sync_interval {} ns is negative",
                                       options.dir.string(), options.sync_interval));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Spool>> Spool::Open(const SpoolOptions& options, const Clock& clock) {
  auto spool = FileSpool::Open(options, clock);
  if (!spool.ok()) return spool.status();
  return std::unique_ptr<Spool>(std::move(*spool));
}

Result<std::unique_ptr<FileSpool>> FileSpool::Open(const SpoolOptions& options,
                                                   const Clock& clock) {
  if (Status s = ValidateOptions(options); !s.ok()) return s;
  std::error_code error;
  std::filesystem::create_directories(options.dir, error);
  if (error) {
    return IOError(
        fmt::format("create spool folder {}: {}", options.dir.string(), error.message()));
  }
  if (!std::filesystem::is_directory(options.dir, error)) {
    return IOError(fmt::format("spool folder {} is not a folder", options.dir.string()));
  }
  auto spool = std::make_unique<FileSpool>(Passkey{}, options, clock);
  {
    MutexLock lock(spool->mutex_);
    if (Status s = spool->RecoverLocked(); !s.ok()) return s;
  }
  return spool;
}

FileSpool::FileSpool(Passkey, const SpoolOptions& options, const Clock& clock)
    : options_(options),
      clock_(clock),
      checkpoint_path_(options.dir / spool::kCheckpointFileName) {}

FileSpool::~FileSpool() {
  MutexLock lock(mutex_);
  if (!failed_.ok()) return;
  Status status = SyncDataLocked();
  if (status.ok()) status = WriteCheckpointLocked(/*closing=*/true);
  if (!status.ok()) spdlog::error("spool {}: closing: {}", options_.dir.string(), status.message());
}

std::filesystem::path FileSpool::SegmentPath(uint64_t first_id) const {
  return options_.dir / spool::SegmentFileName(first_id);
}

// ---- Recovery ----

Status FileSpool::RecoverLocked() {
  const std::filesystem::path& dir = options_.dir;
  auto lock = File::Open(dir / kLockFileName, O_RDWR | O_CREAT);
  if (!lock.ok()) return lock.status();
  if (Status s = lock->LockExclusive(); !s.ok()) return s;
  lock_file_ = std::move(*lock);

  std::error_code error;
  std::filesystem::path temp = checkpoint_path_;
  temp += ".tmp";
  std::filesystem::remove(temp, error);  // a checkpoint write a crash cut short

  auto checkpoint = spool::ReadCheckpoint(checkpoint_path_);
  if (!checkpoint.ok()) return checkpoint.status();
  const uint64_t saved_floor =
      checkpoint->has_value() ? std::max<uint64_t>((*checkpoint)->floor, 1) : 1;
  if (checkpoint->has_value()) {
    for (const auto& [box, next] : (*checkpoint)->next_seq) {
      seqs_.emplace(box, BoxSeq{.next = next, .reserved = next});
    }
  }

  // Segment files by first id; anything else in the folder is not ours and stays untouched.
  std::map<uint64_t, std::filesystem::path> files;
  std::filesystem::directory_iterator entries(dir, error);
  for (; !error && entries != std::filesystem::directory_iterator(); entries.increment(error)) {
    const std::filesystem::path& path = entries->path();
    const auto first_id = spool::ParseSegmentFileName(path.filename().string());
    if (!first_id) continue;
    std::error_code type_error;
    if (!entries->is_regular_file(type_error)) {
      spdlog::warn("spool {}: ignoring {}: named like a segment but not a regular file",
                   dir.string(), path.filename().string());
      continue;
    }
    files.emplace(*first_id, path);
  }
  if (error) return IOError(fmt::format("list spool folder {}: {}", dir.string(), error.message()));

  // A segment followed by one that starts at or below saved_floor is acknowledged whole.
  while (files.size() > 1 && std::next(files.begin())->first <= saved_floor) {
    std::filesystem::remove(files.begin()->second, error);
    if (error) {
      return IOError(fmt::format("remove acknowledged segment {}: {}",
                                 files.begin()->second.string(), error.message()));
    }
    dir_dirty_ = true;
    files.erase(files.begin());
  }

  // First the headers: a file whose header does not fit its name is set aside, so that the
  // records around it are judged against the segments that remain.
  std::map<uint64_t, std::filesystem::path> segments;
  for (auto it = files.begin(); it != files.end(); ++it) {
    auto keep = CheckSegmentHeaderLocked(it->first, it->second, std::next(it) == files.end());
    if (!keep.ok()) return keep.status();
    if (*keep) segments.emplace(it->first, it->second);
  }
  for (auto it = segments.begin(); it != segments.end(); ++it) {
    const auto next = std::next(it);
    const std::optional<uint64_t> next_first =
        next == segments.end() ? std::nullopt : std::optional<uint64_t>(next->first);
    if (Status s = RecoverSegmentLocked(it->first, it->second, next_first, saved_floor); !s.ok()) {
      return s;
    }
  }

  const uint64_t saved_next_id = checkpoint->has_value() ? (*checkpoint)->next_id : 1;
  if (segments_.empty()) {
    next_id_ = std::max(saved_floor, saved_next_id);
  } else {
    const Segment& newest = segments_.rbegin()->second;
    next_id_ = newest.end_id;
    if (saved_floor > next_id_) {
      return Corruption(fmt::format(
          "checkpoint {} says every record below {} is acknowledged, but the newest segment {} "
          "ends before record {}: the segments do not match the checkpoint (a segment was lost "
          "or replaced); move the spool folder aside to start an empty spool",
          checkpoint_path_.string(), saved_floor, SegmentPath(newest.first_id).string(), next_id_));
    }
    next_id_ = std::max(next_id_, saved_next_id);
  }
  floor_ = saved_floor;
  checkpoint_floor_ = saved_floor;
  acked_.Reset(floor_);
  AdvanceFloorLocked();
  stats_.depth = UnackedIn(floor_, next_id_);
  stats_.bytes = 0;
  for (const auto& [first_id, segment] : segments_)
    stats_.bytes += segment.bytes;

  // Appends continue in the newest segment unless it is damaged or its records end short of
  // the next id (records the checkpoint knew of are gone): then a new segment starts.
  if (!segments_.empty() && !segments_.rbegin()->second.damaged &&
      segments_.rbegin()->second.end_id == next_id_) {
    auto active = File::Open(SegmentPath(segments_.rbegin()->first), O_WRONLY);
    if (!active.ok()) return active.status();
    active_file_ = std::move(*active);
    active_dirty_ = true;  // a killed process leaves its writes unsynced: the next sync covers them
  }
  if (cursor_.positioned && cursor_.offset_id != floor_) cursor_.positioned = false;
  cursor_.id = floor_;
  // Files a killed process created or removed may not be on disk yet.
  if (Status s = spool::SyncDirectory(dir); !s.ok()) return s;
  dir_dirty_ = false;
  last_sync_ = clock_.Now();
  if (stats_.depth > 0) {
    spdlog::info("spool {}: {} records to deliver from id {} ({} bytes in {} segments)",
                 dir.string(), stats_.depth, floor_, stats_.bytes, segments_.size());
  }
  return Status::Ok();
}

Result<bool> FileSpool::CheckSegmentHeaderLocked(uint64_t first_id,
                                                 const std::filesystem::path& path, bool newest) {
  auto reader = SegmentReader::Open(path);
  if (!reader.ok()) return reader.status();
  auto size = reader->FileSize();
  if (!size.ok()) return size.status();
  auto header = reader->ReadHeader();
  if (header.ok() && *header == first_id) return true;
  if (!header.ok() && header.status().code() != StatusCode::kCorruption) return header.status();
  std::error_code error;
  if (!header.ok() && newest && *size < spool::kSegmentHeaderSize) {
    // A crash while the segment was being created: it never held a record.
    std::filesystem::remove(path, error);
    if (error) {
      return IOError(fmt::format("remove torn segment {}: {}", path.string(), error.message()));
    }
    dir_dirty_ = true;
    NoteDamageLocked({.file = path,
                      .offset = 0,
                      .what = header.status().message(),
                      .action = "removed the segment (cut short while it was created)",
                      .records_lost = 0});
    return false;
  }
  // Not a segment of this spool, or one whose header is damaged: its records cannot be
  // trusted. It is renamed rather than deleted, for a person to look at.
  const std::string what =
      header.ok()
          ? fmt::format("its header says first id {} but its name says {}", *header, first_id)
          : header.status().message();
  std::filesystem::path aside = path;
  aside += kSetAsideSuffix;
  std::filesystem::rename(path, aside, error);
  if (error) {
    return IOError(fmt::format("set aside unreadable segment {} ({}): {}", path.string(), what,
                               error.message()));
  }
  dir_dirty_ = true;
  ++stats_.torn;
  NoteDamageLocked({.file = path,
                    .offset = 0,
                    .what = what,
                    .action = fmt::format("renamed it to {}; the records it held are lost",
                                          aside.filename().string()),
                    .records_lost = 0});
  return false;
}

Status FileSpool::RecoverSegmentLocked(uint64_t first_id, const std::filesystem::path& path,
                                       std::optional<uint64_t> next_first_id,
                                       uint64_t saved_floor) {
  auto reader = SegmentReader::Open(path);
  if (!reader.ok()) return reader.status();
  auto size = reader->FileSize();
  if (!size.ok()) return size.status();
  const bool newest = !next_first_id.has_value();

  Segment segment{.first_id = first_id, .end_id = first_id, .bytes = *size, .damaged = false};
  uint64_t offset = spool::kSegmentHeaderSize;
  uint64_t id = first_id;
  std::string damage;
  while (true) {
    // Acknowledged records are only stepped over; the rest are checked whole.
    const auto depth =
        id >= saved_floor ? SegmentReader::Depth::kMessage : SegmentReader::Depth::kFrame;
    auto read = reader->Read(offset, *size, id, depth);
    if (!read.ok()) return read.status();
    if (read->status == spool::RecordStatus::kEnd) break;
    if (read->status == spool::RecordStatus::kDamaged) {
      damage = std::move(read->why);
      break;
    }
    if (next_first_id && id >= *next_first_id) {
      damage = fmt::format("record {} at offset {} overlaps the next segment", id, offset);
      break;
    }
    if (id == saved_floor) {
      cursor_ = ReadCursor{.id = saved_floor,
                           .positioned = true,
                           .segment = first_id,
                           .offset = offset,
                           .offset_id = id};
    }
    offset += read->size;
    ++id;
  }
  segment.end_id = id;
  if (damage.empty() && next_first_id.has_value() && (id < *next_first_id) &&
      (*next_first_id > saved_floor)) {
    // Whole records, but fewer than the next segment's name promises: the file was cut.
    damage = fmt::format("the segment ends at record {} but the next one starts at {}", id,
                         *next_first_id);
  }

  if (!damage.empty()) {
    if (newest) {
      // The tail a crash or power cut left half-written: cut it off so appends continue
      // after the last whole record.
      auto file = File::Open(path, O_WRONLY);
      if (!file.ok()) return file.status();
      if (Status s = file->Truncate(offset); !s.ok()) return s;
      if (Status s = file->Sync(); !s.ok()) return s;
      segment.bytes = offset;
      ++stats_.torn;
      NoteDamageLocked({.file = path,
                        .offset = offset,
                        .what = std::move(damage),
                        .action = fmt::format("truncated the newest segment to {} bytes", offset),
                        .records_lost = 1});
    } else {
      const uint64_t from = std::max(id, saved_floor);
      const uint64_t lost = *next_first_id > from ? *next_first_id - from : 0;
      stats_.torn += std::max<uint64_t>(lost, 1);
      segment.damaged = true;
      NoteDamageLocked({.file = path,
                        .offset = offset,
                        .what = std::move(damage),
                        .action = "skipped the rest of the segment",
                        .records_lost = lost});
    }
  }
  segments_.emplace(first_id, segment);
  return Status::Ok();
}

void FileSpool::NoteDamageLocked(SpoolDamage damage) {
  spdlog::warn("spool {}: {} at offset {}: {}; {} ({} unacknowledged records lost)",
               options_.dir.string(), damage.file.filename().string(), damage.offset, damage.what,
               damage.action, damage.records_lost);
  if (damage_.size() < kMaxDamageKept) damage_.push_back(std::move(damage));
}

// ---- Bookkeeping ----

FileSpool::SegmentMap::iterator FileSpool::SegmentAtOrAfter(uint64_t id) {
  auto it = segments_.upper_bound(id);
  if (it != segments_.begin()) --it;
  while (it != segments_.end() && it->second.end_id <= id)
    ++it;
  return it;
}

uint64_t FileSpool::UnackedIn(uint64_t first, uint64_t end) const {
  uint64_t count = 0;
  for (const auto& [first_id, segment] : segments_) {
    const uint64_t lo = std::max(first, first_id);
    const uint64_t hi = std::min(end, segment.end_id);
    if (lo < hi) count += (hi - lo) - acked_.CountIn(lo, hi);
  }
  return count;
}

void FileSpool::AdvanceFloorLocked() {
  while (floor_ < next_id_) {
    const auto it = SegmentAtOrAfter(floor_);
    if (it == segments_.end()) {
      floor_ = next_id_;
      break;
    }
    if (floor_ < it->second.first_id) {
      floor_ = it->second.first_id;
      continue;
    }
    if (!acked_.Contains(floor_)) break;
    ++floor_;
  }
  acked_.DiscardBelow(floor_);
}

Status FileSpool::FailLocked(Status status) {
  if (failed_.ok()) {
    failed_ = status;
    spdlog::error("spool {}: {}; appends fail from now on", options_.dir.string(),
                  status.message());
  }
  return status;
}

// ---- Sequence numbers ----

uint64_t FileSpool::ReserveSeq(std::string_view box, uint64_t count) {
  MutexLock lock(mutex_);
  auto it = seqs_.find(box);
  if (it == seqs_.end()) it = seqs_.emplace(std::string(box), BoxSeq{}).first;
  BoxSeq& seq = it->second;
  const uint64_t first = seq.next;
  if (count > seq.reserved - seq.next) {
    seq.reserved = seq.next + count + kSeqReserveBlock;
    seqs_dirty_ = true;
    // Written before the numbers are used, so that no restart can hand them out again.
    Status status = SyncDataLocked();
    if (status.ok()) status = WriteCheckpointLocked(/*closing=*/false);
    if (!status.ok()) {
      // The numbers are handed out anyway (the message will fail to append); a restart
      // before a successful checkpoint could repeat them, which the error log says.
      (void)FailLocked(status.WithContext(fmt::format("reserve sequence numbers of {}", box)));
    }
  }
  seq.next += count;
  return first;
}

// ---- Appending ----

Status FileSpool::Append(const transport::Message& message) {
  MutexLock lock(mutex_);
  if (!failed_.ok()) return failed_;
  const uint64_t size = spool::EncodedRecordSize(message);
  if (size - spool::kRecordFrameSize > spool::kMaxRecordBodySize ||
      size + spool::kSegmentHeaderSize > options_.max_bytes) {
    return InvalidArgument(
        fmt::format("spool {}: a message of {} bytes to topic '{}' can never fit max_bytes {}",
                    options_.dir.string(), size, message.topic, options_.max_bytes));
  }
  if (Status s = MakeRoomLocked(size); !s.ok()) return FailLocked(s);

  Segment& segment = segments_.rbegin()->second;
  scratch_.clear();
  spool::AppendRecord(next_id_, message, scratch_);
  if (Status s = active_file_.WriteAt(segment.bytes, scratch_); !s.ok()) {
    (void)active_file_.Truncate(segment.bytes);  // best effort: recovery cuts a torn tail too
    return FailLocked(s);
  }
  active_dirty_ = true;
  segment.bytes += size;
  segment.end_id = ++next_id_;
  stats_.bytes += size;
  ++stats_.appended;
  ++stats_.depth;
  if (SyncDueLocked()) return SyncLocked(/*force=*/false);
  return Status::Ok();
}

Status FileSpool::MakeRoomLocked(uint64_t record_bytes) {
  bool needs_new_segment = !active_file_.is_open();
  if (!needs_new_segment) {
    const Segment& active = segments_.rbegin()->second;
    needs_new_segment =
        active.end_id > active.first_id && active.bytes + record_bytes > options_.segment_bytes;
  }
  if (needs_new_segment) {
    if (Status s = RollLocked(); !s.ok()) return s;
  }
  while (stats_.bytes + record_bytes > options_.max_bytes) {
    // The newest segment is never dropped: when it is the only one, a new one takes its
    // place first. The new one is empty, and a record that fits max_bytes fits beside it.
    if (segments_.size() == 1) {
      if (Status s = RollLocked(); !s.ok()) return s;
    }
    if (Status s = DropOldestLocked(); !s.ok()) return s;
  }
  return Status::Ok();
}

Status FileSpool::RollLocked() {
  if (active_file_.is_open()) {
    // A closed segment is on disk whole: a power cut can only tear the newest one.
    if (active_dirty_) {
      if (Status s = active_file_.Sync(); !s.ok()) return s;
    }
    active_file_.Close();
    active_dirty_ = false;
  }
  const std::filesystem::path path = SegmentPath(next_id_);
  auto file = File::Open(path, O_WRONLY | O_CREAT | O_EXCL);
  if (!file.ok()) return file.status();
  scratch_.clear();
  spool::AppendSegmentHeader(next_id_, scratch_);
  if (Status s = file->WriteAt(0, scratch_); !s.ok()) return s;
  active_file_ = std::move(*file);
  active_dirty_ = true;
  dir_dirty_ = true;
  segments_.emplace(next_id_, Segment{.first_id = next_id_,
                                      .end_id = next_id_,
                                      .bytes = spool::kSegmentHeaderSize,
                                      .damaged = false});
  stats_.bytes += spool::kSegmentHeaderSize;
  return Status::Ok();
}

Status FileSpool::DropOldestLocked() {
  const auto oldest = segments_.begin();
  const Segment segment = oldest->second;
  const uint64_t unacked = UnackedIn(std::max(segment.first_id, floor_), segment.end_id);
  const std::filesystem::path path = SegmentPath(segment.first_id);
  std::error_code error;
  std::filesystem::remove(path, error);
  if (error) {
    return IOError(fmt::format("remove the oldest segment {} to make room: {}", path.string(),
                               error.message()));
  }
  RemoveSegmentLocked(oldest);
  stats_.dropped += unacked;
  stats_.depth -= unacked;
  if (unacked > 0) {
    spdlog::warn(
        "spool {}: full (max_bytes {}): dropped {} unacknowledged records (ids {} to {}) with "
        "segment {}",
        options_.dir.string(), options_.max_bytes, unacked, std::max(segment.first_id, floor_),
        segment.end_id - 1, path.filename().string());
  }
  AdvanceFloorLocked();
  return Status::Ok();
}

void FileSpool::RemoveSegmentLocked(SegmentMap::iterator it) {
  if (reader_ && reader_segment_ == it->first) reader_.reset();
  stats_.bytes -= it->second.bytes;
  dir_dirty_ = true;
  segments_.erase(it);
}

// ---- Reading ----

std::optional<SpoolRecord> FileSpool::Next() {
  MutexLock lock(mutex_);
  while (true) {
    cursor_.id = std::max(cursor_.id, floor_);
    if (cursor_.id >= next_id_) return std::nullopt;
    const auto it = SegmentAtOrAfter(cursor_.id);
    if (it == segments_.end()) {
      cursor_.id = next_id_;
      return std::nullopt;
    }
    Segment& segment = it->second;
    cursor_.id = std::max(cursor_.id, segment.first_id);
    if (!cursor_.positioned || cursor_.segment != segment.first_id ||
        cursor_.offset_id > cursor_.id) {
      cursor_ = ReadCursor{.id = cursor_.id,
                           .positioned = true,
                           .segment = segment.first_id,
                           .offset = spool::kSegmentHeaderSize,
                           .offset_id = segment.first_id};
    }
    if (!reader_ || reader_segment_ != segment.first_id) {
      reader_.reset();
      auto reader = SegmentReader::Open(SegmentPath(segment.first_id));
      if (!reader.ok()) {
        LoseRestOfSegmentLocked(segment, cursor_.offset, cursor_.offset_id,
                                reader.status().message());
        continue;
      }
      reader_.emplace(std::move(*reader));
      reader_segment_ = segment.first_id;
    }
    const bool wanted = cursor_.offset_id == cursor_.id;
    auto read =
        reader_->Read(cursor_.offset, segment.bytes, cursor_.offset_id,
                      wanted ? SegmentReader::Depth::kMessage : SegmentReader::Depth::kFrame);
    if (!read.ok() || read->status != spool::RecordStatus::kOk) {
      std::string what = !read.ok() ? read.status().message()
                         : read->status == spool::RecordStatus::kEnd
                             ? fmt::format("the segment ends before record {}", cursor_.offset_id)
                             : std::move(read->why);
      LoseRestOfSegmentLocked(segment, cursor_.offset, cursor_.offset_id, std::move(what));
      continue;
    }
    cursor_.offset += read->size;
    cursor_.offset_id = read->id + 1;
    if (!wanted) continue;
    cursor_.id = read->id + 1;
    if (acked_.Contains(read->id)) continue;  // acknowledged out of order before a Rewind
    return SpoolRecord{.id = read->id, .message = std::move(read->message)};
  }
}

void FileSpool::LoseRestOfSegmentLocked(Segment& segment, uint64_t offset, uint64_t id,
                                        std::string what) {
  const uint64_t lost = UnackedIn(std::max(id, floor_), segment.end_id);
  stats_.torn += lost;
  stats_.depth -= lost;
  segment.end_id = id;
  segment.damaged = true;
  if (segment.first_id == segments_.rbegin()->first) {
    active_file_.Close();  // appending after damage would hide the records behind it
    active_dirty_ = false;
  }
  cursor_.positioned = false;
  NoteDamageLocked({.file = SegmentPath(segment.first_id),
                    .offset = offset,
                    .what = std::move(what),
                    .action = "skipped the rest of the segment while reading it back",
                    .records_lost = lost});
  AdvanceFloorLocked();
}

void FileSpool::Acknowledge(uint64_t id) {
  MutexLock lock(mutex_);
  if (id < floor_ || id >= next_id_ || acked_.Contains(id)) return;
  const auto it = SegmentAtOrAfter(id);
  if (it == segments_.end() || id < it->second.first_id) return;  // dropped or lost
  acked_.Insert(id);
  ++stats_.acknowledged;
  --stats_.depth;
  if (id == floor_) AdvanceFloorLocked();
}

void FileSpool::Rewind() {
  MutexLock lock(mutex_);
  cursor_.id = floor_;
}

// ---- Syncing ----

Status FileSpool::Sync() {
  MutexLock lock(mutex_);
  if (!failed_.ok()) return failed_;
  return SyncLocked(/*force=*/true);
}

bool FileSpool::SyncDueLocked() const {
  return options_.sync_interval == 0 || clock_.Now() - last_sync_ >= options_.sync_interval;
}

Status FileSpool::SyncDataLocked() {
  if (active_dirty_ && active_file_.is_open()) {
    if (Status s = active_file_.Sync(); !s.ok()) return s;
  }
  active_dirty_ = false;
  if (dir_dirty_) {
    if (Status s = spool::SyncDirectory(options_.dir); !s.ok()) return s;
    dir_dirty_ = false;
  }
  return Status::Ok();
}

Status FileSpool::SyncLocked(bool force) {
  if (Status s = SyncDataLocked(); !s.ok()) return FailLocked(s);
  const bool checkpoint_due =
      force || clock_.Now() - last_checkpoint_ >= options_.checkpoint_interval;
  if (seqs_dirty_ || (floor_ != checkpoint_floor_ && checkpoint_due)) {
    if (Status s = WriteCheckpointLocked(/*closing=*/false); !s.ok()) return FailLocked(s);
  }
  DeleteAcknowledgedSegmentsLocked();
  last_sync_ = clock_.Now();
  return Status::Ok();
}

Status FileSpool::WriteCheckpointLocked(bool closing) {
  spool::Checkpoint checkpoint;
  checkpoint.floor = floor_;
  checkpoint.next_id = next_id_;
  for (const auto& [box, seq] : seqs_) {
    checkpoint.next_seq.emplace(box, closing ? seq.next : seq.reserved);
  }
  if (Status s = spool::WriteCheckpoint(checkpoint_path_, checkpoint); !s.ok()) return s;
  checkpoint_floor_ = floor_;
  seqs_dirty_ = false;
  last_checkpoint_ = clock_.Now();
  return Status::Ok();
}

void FileSpool::DeleteAcknowledgedSegmentsLocked() {
  // The newest segment stays: it is where appends go, and its name keeps the next id.
  while (segments_.size() > 1 && segments_.begin()->second.end_id <= checkpoint_floor_) {
    const std::filesystem::path path = SegmentPath(segments_.begin()->first);
    std::error_code error;
    std::filesystem::remove(path, error);
    if (error) {
      // Harmless: the next sync or Open tries again.
      spdlog::warn("spool {}: remove acknowledged segment {}: {}", options_.dir.string(),
                   path.string(), error.message());
      return;
    }
    RemoveSegmentLocked(segments_.begin());
  }
}

SpoolStats FileSpool::stats() const {
  MutexLock lock(mutex_);
  return stats_;
}

std::vector<SpoolDamage> FileSpool::damage() const {
  MutexLock lock(mutex_);
  return damage_;
}

}  // namespace coolflow::agent
