#include "store/wal/wal.h"

#include <algorithm>
#include <utility>

#include "fmt/format.h"
#include "store/wal/wal_format.h"

namespace coolflow::store::wal {
namespace {

constexpr std::string_view kReadOnlySuffix =
    "; the store is read-only (restart after checking the disk)";
constexpr std::string_view kNoSpaceSuffix =
    "; the batch was not stored (acknowledged records are intact); appends resume once space "
    "is freed";

}  // namespace

// One Append (or Sync) waiting for the writer. Lives on the caller's stack; the payload
// stays valid because the caller waits until `done`. Fields after `payload` are written by
// the writer and read by the caller, both under mu_.
struct Wal::Request {
  std::string_view payload;
  bool sync_only = false;
  bool rotate = false;  // Rotate: alone in its group
  uint64_t seq = 0;
  Status status;
  bool done = false;
};

Wal::Wal(PrivateTag, std::string dir, const WalOptions& options, FileSystem& fs)
    : dir_(std::move(dir)), options_(options), fs_(fs) {}

Result<std::unique_ptr<Wal>> Wal::Open(const std::string& dir, const WalOptions& options,
                                       FileSystem& fs) {
  if (options.segment_size < kSegmentHeaderSize + kRecordHeaderSize) {
    return InvalidArgument(fmt::format("wal: segment size {} is below the minimum {}",
                                       options.segment_size,
                                       kSegmentHeaderSize + kRecordHeaderSize));
  }
  if (options.fsync == FsyncPolicy::kInterval && options.sync_interval.count() <= 0) {
    return InvalidArgument("wal: the sync interval must be positive");
  }
  if (Status s = fs.CreateDir(dir); !s.ok()) return s.WithContext("wal");
  auto report = Check(dir, fs);
  if (!report.ok()) return report.status().WithContext(fmt::format("wal: cannot open {}", dir));
  if (report->has_corruption()) {
    return Corruption(fmt::format("{}; {} was left as it is: run `coolflow store check {}`",
                                  report->CorruptionStatus().message(), dir, dir));
  }
  if (!report->clean()) {
    report = Repair(dir, fs);
    if (!report.ok()) {
      return report.status().WithContext(fmt::format("wal: repairing the torn tail in {}", dir));
    }
  }
  auto wal = std::make_unique<Wal>(PrivateTag{}, dir, options, fs);
  if (Status s = wal->Start(*report); !s.ok()) return s;
  return wal;
}

Status Wal::Start(const RecoveryReport& report) {
  recovery_ = report;
  auto segments = ListSegments(dir_, fs_);
  if (!segments.ok()) return segments.status().WithContext("wal");
  last_sync_ = std::chrono::steady_clock::now();
  if (segments->empty()) {
    next_seq_ = 1;
    if (Status s = CreateSegment(next_seq_); !s.ok()) return s.WithContext("wal");
  } else {
    const SegmentRef& last = segments->back();
    next_seq_ = std::max(report.last_seq + 1, last.first_seq);
    active_records_ = next_seq_ - last.first_seq;
    auto file = fs_.Open(last.path, OpenMode::kReadWrite);
    if (!file.ok()) return file.status().WithContext("wal");
    auto size = (*file)->Size();
    if (!size.ok()) return size.status().WithContext("wal");
    // Records recovered from the page cache after a process crash may not be on the disk yet.
    if (Status s = (*file)->Sync(); !s.ok()) return s.WithContext("wal");
    active_ = std::move(*file);
    active_size_ = *size;
    MutexLock lock(mu_);
    for (const SegmentRef& ref : *segments)
      segments_.push_back({ref.first_seq, ref.path});
  }
  {
    MutexLock lock(mu_);
    // The seq before the next one, also when the record that had it was removed with its
    // segment.
    last_seq_ = next_seq_ - 1;
    stats_ = writer_stats_;
  }
  writer_ = std::thread(&Wal::WriterLoop, this);
  return Status::Ok();
}

Wal::~Wal() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Result<uint64_t> Wal::Append(std::string_view payload) {
  if (payload.size() > kMaxPayloadSize) {
    return InvalidArgument(fmt::format("wal: a record of {} bytes exceeds the maximum {}",
                                       payload.size(), kMaxPayloadSize));
  }
  Request request;
  request.payload = payload;
  if (Status s = Submit(request); !s.ok()) return s;
  return request.seq;
}

Status Wal::Sync() {
  Request request;
  request.sync_only = true;
  return Submit(request);
}

Status Wal::Rotate() {
  Request request;
  request.sync_only = true;
  request.rotate = true;
  return Submit(request);
}

Status Wal::Submit(Request& request) {
  MutexLock lock(mu_);
  if (!error_.ok()) return error_;
  if (stopping_) return Unavailable("wal: closed");
  queue_.push_back(&request);
  work_cv_.notify_one();
  while (!request.done)
    lock.Wait(done_cv_);
  return request.status;
}

Status Wal::Close() {
  {
    MutexLock lock(mu_);
    if (stopping_) return Status::Ok();
  }
  Status status = Sync();
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  return status;
}

Status Wal::Replay(uint64_t after_seq, const RecordCallback& fn) const {
  return ReplayDirectory(dir_, fs_, after_seq, fn);
}

Status Wal::RemoveThrough(uint64_t seq) {
  MutexLock remove_lock(remove_mu_);
  std::vector<Segment> doomed;
  {
    MutexLock lock(mu_);
    for (size_t i = 0; i + 1 < segments_.size(); ++i) {
      if (segments_[i + 1].first_seq - 1 > seq) break;
      doomed.push_back(segments_[i]);
    }
  }
  size_t removed = 0;
  Status status;
  for (const Segment& segment : doomed) {
    status = fs_.Remove(segment.path);
    if (!status.ok()) break;
    ++removed;
    // One directory sync per segment: a crash then leaves a prefix removed, never a gap.
    status = fs_.SyncDir(dir_);
    if (!status.ok()) break;
  }
  {
    MutexLock lock(mu_);
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(removed));
  }
  return status.WithContext(fmt::format("wal: removing segments through seq {}", seq));
}

uint64_t Wal::last_seq() const {
  MutexLock lock(mu_);
  return last_seq_;
}

Status Wal::health() const {
  MutexLock lock(mu_);
  return error_;
}

WalStats Wal::stats() const {
  MutexLock lock(mu_);
  return stats_;
}

void Wal::WriterLoop() {
  for (;;) {
    std::vector<Request*> group;
    {
      MutexLock lock(mu_);
      while (queue_.empty()) {
        if (stopping_) return;
        if (options_.fsync == FsyncPolicy::kInterval && unsynced_ && error_.ok()) {
          const auto deadline = last_sync_ + options_.sync_interval;
          if (std::chrono::steady_clock::now() >= deadline) break;
          lock.WaitUntil(work_cv_, deadline);
        } else {
          lock.Wait(work_cv_);
        }
      }
      if (!error_.ok()) {
        for (Request* request : queue_) {
          request->status = error_;
          request->done = true;
        }
        queue_.clear();
        done_cv_.notify_all();
        continue;
      }
      size_t bytes = 0;
      // A rotation goes alone; other requests go together up to max_group_bytes.
      if (!queue_.empty() && queue_.front()->rotate) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
      while (!queue_.empty() && !queue_.front()->rotate &&
             (group.empty() || (!group.front()->rotate && bytes + queue_.front()->payload.size() <=
                                                              options_.max_group_bytes))) {
        bytes += queue_.front()->payload.size();
        group.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    if (group.empty()) {
      // The interval sync of kInterval.
      const Status status = SyncActive();
      MutexLock lock(mu_);
      if (!status.ok())
        error_ = IOError(fmt::format("wal: {}{}", status.message(), kReadOnlySuffix));
      stats_ = writer_stats_;
      continue;
    }
    WriteGroup(group);
  }
}

void Wal::WriteGroup(const std::vector<Request*>& group) {
  if (group.front()->rotate) {
    // Seal the active segment (synced, like every sealed segment) and start the next one.
    Status status;
    if (active_records_ > 0) {
      status = SyncActive();
      if (status.ok()) status = CreateSegment(next_seq_);
    }
    Settle(group, status.ok() ? group.size() : 0, status);
    return;
  }
  std::string buffer;
  uint64_t buffer_records = 0;
  uint64_t buffer_first_seq = next_seq_;
  size_t acked = 0;  // group[0, acked) are durable per the policy
  bool sync_requested = false;
  Status status;
  for (size_t i = 0; i < group.size(); ++i) {
    Request* request = group[i];
    if (request->sync_only) {
      sync_requested = true;
      continue;
    }
    const uint64_t record_size = kRecordHeaderSize + request->payload.size();
    if (active_records_ + buffer_records > 0 &&
        active_size_ + buffer.size() + record_size > options_.segment_size) {
      // Seal the active segment: every segment but the last is fully synced, so only the last
      // can have a torn tail.
      status = WriteBuffer(buffer, buffer_records);
      if (status.ok()) status = SyncActive();
      if (!status.ok()) break;
      acked = i;
      buffer.clear();
      buffer_records = 0;
      buffer_first_seq = next_seq_;
      status = CreateSegment(next_seq_);
      if (!status.ok()) break;
    }
    request->seq = next_seq_++;
    AppendRecord(buffer, request->seq, request->payload);
    ++buffer_records;
  }
  if (status.ok()) status = WriteBuffer(buffer, buffer_records);
  if (status.ok() && (options_.fsync == FsyncPolicy::kPerBatch || sync_requested)) {
    status = SyncActive();
  }
  if (status.ok()) {
    acked = group.size();
  } else {
    next_seq_ = buffer_first_seq;  // the failed records' seqs are given out again
  }
  Settle(group, acked, status);
}

void Wal::Settle(const std::vector<Request*>& group, size_t acked, const Status& failure) {
  ++writer_stats_.groups;
  MutexLock lock(mu_);
  Status error;
  if (!failure.ok()) {
    if (IsNoSpace(failure)) {
      error = Status(StatusCode::kResourceExhausted,
                     fmt::format("wal: {}{}", failure.message(), kNoSpaceSuffix));
    } else {
      error = IOError(fmt::format("wal: {}{}", failure.message(), kReadOnlySuffix));
      if (error_.ok()) error_ = error;
    }
  }
  for (size_t i = 0; i < group.size(); ++i) {
    Request* request = group[i];
    if (i < acked) {
      request->status = Status::Ok();
      if (!request->sync_only) {
        last_seq_ = std::max(last_seq_, request->seq);
        ++writer_stats_.appends;
      }
    } else {
      request->status = error;
      request->seq = 0;
    }
    request->done = true;
  }
  stats_ = writer_stats_;
  done_cv_.notify_all();
}

Status Wal::WriteBuffer(std::string_view buffer, uint64_t records) {
  if (buffer.empty()) return Status::Ok();
  Status status = active_->WriteAt(active_size_, buffer);
  if (!status.ok()) {
    if (!IsNoSpace(status)) return status;
    // Cut what part of the write landed, so the next write continues a clean segment.
    if (Status cut = active_->Truncate(active_size_); !cut.ok()) {
      return IOError(fmt::format("{}; truncating {} back to {} bytes failed too: {}",
                                 status.message(), active_->path(), active_size_, cut.message()));
    }
    return status;
  }
  active_size_ += buffer.size();
  active_records_ += records;
  unsynced_ = true;
  writer_stats_.bytes += buffer.size();
  return Status::Ok();
}

Status Wal::SyncActive() {
  if (!unsynced_) return Status::Ok();
  if (Status s = active_->Sync(); !s.ok()) return IOError(s.message());
  unsynced_ = false;
  last_sync_ = std::chrono::steady_clock::now();
  ++writer_stats_.syncs;
  return Status::Ok();
}

Status Wal::CreateSegment(uint64_t first_seq) {
  const std::string path = dir_ + "/" + SegmentName(first_seq);
  auto file = fs_.Open(path, OpenMode::kCreateExclusive);
  if (!file.ok()) return file.status();
  const std::string header = EncodeSegmentHeader(first_seq);
  if (Status s = (*file)->WriteAt(0, header); !s.ok()) {
    // Nothing of the segment is in use yet: take it away again and report the write's error
    // (a full disk stays recoverable).
    if (Status removed = fs_.Remove(path); !removed.ok()) {
      return IOError(fmt::format("{}; removing the new segment failed too: {}", s.message(),
                                 removed.message()));
    }
    return s;
  }
  if (Status s = (*file)->Sync(); !s.ok()) return IOError(s.message());
  // The new name must be durable before any record in it is acknowledged.
  if (Status s = fs_.SyncDir(dir_); !s.ok()) return IOError(s.message());
  active_ = std::move(*file);
  active_size_ = header.size();
  active_records_ = 0;
  unsynced_ = false;
  ++writer_stats_.segments_created;
  MutexLock lock(mu_);
  segments_.push_back({first_seq, path});
  return Status::Ok();
}

}  // namespace coolflow::store::wal
