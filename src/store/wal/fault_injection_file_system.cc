#include "store/wal/fault_injection_file_system.h"

#include <algorithm>
#include <cerrno>
#include <utility>

#include "fmt/format.h"

namespace coolflow::store::wal {
namespace {

std::string ParentOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

std::string NameOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A copy of a file's bytes, taken when mapped.
class CopiedMappedFile final : public MappedFile {
 public:
  CopiedMappedFile(std::string bytes, std::string path)
      : bytes_(std::move(bytes)), path_(std::move(path)) {}
  std::string_view data() const override { return bytes_; }
  const std::string& path() const override { return path_; }

 private:
  std::string bytes_;
  std::string path_;
};

}  // namespace

class FaultInjectionFileSystem::FaultFile final : public File {
 public:
  FaultFile(FaultInjectionFileSystem* fs, std::shared_ptr<Inode> inode, std::string path,
            uint64_t generation, bool writable)
      : fs_(fs),
        inode_(std::move(inode)),
        path_(std::move(path)),
        generation_(generation),
        writable_(writable) {}

  Status WriteAt(uint64_t offset, std::string_view data) override {
    MutexLock lock(fs_->mu_);
    if (Status s = Check("write"); !s.ok()) return s;
    if (!writable_) return ErrnoStatus("write", path_, EBADF);
    if (const int err = fs_->TakeFault(Op::kWrite); err != 0) {
      return ErrnoStatus(fmt::format("write at offset {} of", offset), path_, err);
    }
    std::string& bytes = inode_->data;
    const uint64_t end = offset + data.size();
    const uint64_t growth = end > bytes.size() ? end - bytes.size() : 0;
    const uint64_t total = fs_->TotalSize();
    size_t fits = data.size();
    if (growth > 0 && total + growth > fs_->capacity_) {
      const uint64_t room = fs_->capacity_ > total ? fs_->capacity_ - total : 0;
      // Overwriting within the file needs no room; growing it needs `growth` bytes.
      fits = static_cast<size_t>(data.size() - (growth - std::min(growth, room)));
    }
    if (bytes.size() < offset + fits) bytes.resize(offset + fits, '\0');
    std::copy_n(data.data(), fits, bytes.begin() + static_cast<std::ptrdiff_t>(offset));
    if (fits < data.size()) {
      return ErrnoStatus(fmt::format("write at offset {} of", offset + fits), path_, ENOSPC);
    }
    ++fs_->writes_;
    return Status::Ok();
  }

  Status ReadAt(uint64_t offset, size_t size, std::string& out) override {
    MutexLock lock(fs_->mu_);
    if (Status s = Check("read"); !s.ok()) return s;
    const std::string& bytes = inode_->data;
    out.clear();
    if (offset < bytes.size()) out = bytes.substr(static_cast<size_t>(offset), size);
    return Status::Ok();
  }

  Status Sync() override {
    MutexLock lock(fs_->mu_);
    if (Status s = Check("fdatasync"); !s.ok()) return s;
    if (const int err = fs_->TakeFault(Op::kSync); err != 0) {
      return ErrnoStatus("fdatasync", path_, err);
    }
    inode_->durable = inode_->data;
    ++fs_->syncs_;
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    MutexLock lock(fs_->mu_);
    if (Status s = Check("truncate"); !s.ok()) return s;
    if (const int err = fs_->TakeFault(Op::kTruncate); err != 0) {
      return ErrnoStatus(fmt::format("truncate to {} bytes", size), path_, err);
    }
    inode_->data.resize(static_cast<size_t>(size), '\0');
    return Status::Ok();
  }

  Result<uint64_t> Size() override {
    MutexLock lock(fs_->mu_);
    if (Status s = Check("stat"); !s.ok()) return s;
    return static_cast<uint64_t>(inode_->data.size());
  }

  const std::string& path() const override { return path_; }

 private:
  Status Check(std::string_view what) const COOLFLOW_REQUIRES(fs_->mu_) {
    if (generation_ != fs_->generation_) {
      return IOError(
          fmt::format("{} {}: the file was opened before a simulated crash", what, path_));
    }
    return Status::Ok();
  }

  FaultInjectionFileSystem* fs_;
  std::shared_ptr<Inode> inode_;
  std::string path_;
  uint64_t generation_;
  bool writable_;
};

Result<std::unique_ptr<File>> FaultInjectionFileSystem::Open(const std::string& path,
                                                             OpenMode mode) {
  MutexLock lock(mu_);
  auto it = entries_.find(path);
  if (mode == OpenMode::kCreateExclusive) {
    if (it != entries_.end()) {
      return Status(StatusCode::kAlreadyExists, fmt::format("create {}: file exists", path));
    }
    if (!DirExists(ParentOf(path)))
      return NotFound(fmt::format("create {}: no such directory", path));
    if (const int err = TakeFault(Op::kCreate); err != 0) return ErrnoStatus("create", path, err);
    it = entries_.emplace(path, std::make_shared<Inode>()).first;
  } else if (it == entries_.end()) {
    return NotFound(fmt::format("open {}: no such file", path));
  }
  return std::unique_ptr<File>(
      std::make_unique<FaultFile>(this, it->second, path, generation_, mode != OpenMode::kRead));
}

Result<std::unique_ptr<MappedFile>> FaultInjectionFileSystem::Map(const std::string& path) {
  MutexLock lock(mu_);
  auto it = entries_.find(path);
  if (it == entries_.end()) return NotFound(fmt::format("map {}: no such file", path));
  return std::unique_ptr<MappedFile>(std::make_unique<CopiedMappedFile>(it->second->data, path));
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  MutexLock lock(mu_);
  auto it = entries_.find(from);
  if (it == entries_.end()) return ErrnoStatus(fmt::format("rename {} to", from), to, ENOENT);
  if (const int err = TakeFault(Op::kRename); err != 0) {
    return ErrnoStatus(fmt::format("rename {} to", from), to, err);
  }
  std::shared_ptr<Inode> inode = std::move(it->second);
  entries_.erase(it);
  entries_[to] = std::move(inode);
  return Status::Ok();
}

Status FaultInjectionFileSystem::Remove(const std::string& path) {
  MutexLock lock(mu_);
  if (entries_.find(path) == entries_.end()) return ErrnoStatus("remove", path, ENOENT);
  if (const int err = TakeFault(Op::kRemove); err != 0) return ErrnoStatus("remove", path, err);
  entries_.erase(path);
  return Status::Ok();
}

Result<std::vector<std::string>> FaultInjectionFileSystem::ListDir(const std::string& dir) {
  MutexLock lock(mu_);
  if (!DirExists(dir)) return NotFound(fmt::format("list {}: no such directory", dir));
  std::vector<std::string> names;
  for (const auto& [path, inode] : entries_) {
    if (ParentOf(path) == dir) names.push_back(NameOf(path));
  }
  return names;
}

Status FaultInjectionFileSystem::CreateDir(const std::string& dir) {
  MutexLock lock(mu_);
  // mkdir -p: every ancestor too.
  for (size_t slash = dir.find('/', 1); slash != std::string::npos;
       slash = dir.find('/', slash + 1)) {
    dirs_.insert(dir.substr(0, slash));
  }
  dirs_.insert(dir);
  return Status::Ok();
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  MutexLock lock(mu_);
  if (!DirExists(dir)) return ErrnoStatus("fsync directory", dir, ENOENT);
  if (const int err = TakeFault(Op::kSyncDir); err != 0) {
    return ErrnoStatus("fsync directory", dir, err);
  }
  std::erase_if(durable_entries_, [&](const auto& entry) { return ParentOf(entry.first) == dir; });
  for (const auto& [path, inode] : entries_) {
    if (ParentOf(path) == dir) durable_entries_[path] = inode;
  }
  return Status::Ok();
}

void FaultInjectionFileSystem::FailNext(Op op, int err, int count, int skip) {
  MutexLock lock(mu_);
  faults_[op] = Fault{err, skip, count};
}

void FaultInjectionFileSystem::SetCapacity(uint64_t bytes) {
  MutexLock lock(mu_);
  capacity_ = bytes;
}

void FaultInjectionFileSystem::Crash(CrashMode mode, uint64_t seed) {
  MutexLock lock(mu_);
  std::mt19937_64 random(seed);
  entries_ = durable_entries_;
  for (auto& [path, inode] : entries_) {
    std::string& data = inode->data;
    const std::string& durable = inode->durable;
    const bool appended = data.size() > durable.size() && data.starts_with(durable);
    if (mode == CrashMode::kDropUnsynced || !appended) {
      data = durable;
      continue;
    }
    const size_t extra = data.size() - durable.size();
    const size_t kept = static_cast<size_t>(random() % (extra + 1));
    if (mode == CrashMode::kKeepUnsyncedPrefix) {
      data.resize(durable.size() + kept);
    } else {
      data = durable;
      data.append(kept, '\0');
    }
    // What survived a crash is on the disk now.
    inode->durable = data;
  }
  // Inodes no entry names (created and never made durable) are gone with the old map.
  faults_.clear();
  ++generation_;
}

Result<std::string> FaultInjectionFileSystem::ReadWhole(const std::string& path) {
  MutexLock lock(mu_);
  auto it = entries_.find(path);
  if (it == entries_.end()) return NotFound(fmt::format("{}: no such file", path));
  return it->second->data;
}

void FaultInjectionFileSystem::WriteDurably(const std::string& path, std::string data) {
  MutexLock lock(mu_);
  std::shared_ptr<Inode>& inode = entries_[path];
  if (inode == nullptr) inode = std::make_shared<Inode>();
  inode->data = std::move(data);
  inode->durable = inode->data;
  durable_entries_[path] = inode;
}

uint64_t FaultInjectionFileSystem::sync_count() {
  MutexLock lock(mu_);
  return syncs_;
}

uint64_t FaultInjectionFileSystem::write_count() {
  MutexLock lock(mu_);
  return writes_;
}

int FaultInjectionFileSystem::TakeFault(Op op) {
  auto it = faults_.find(op);
  if (it == faults_.end()) return 0;
  Fault& fault = it->second;
  if (fault.skip > 0) {
    --fault.skip;
    return 0;
  }
  const int err = fault.err;
  if (--fault.count <= 0) faults_.erase(it);
  return err;
}

uint64_t FaultInjectionFileSystem::TotalSize() const {
  uint64_t total = 0;
  for (const auto& [path, inode] : entries_)
    total += inode->data.size();
  return total;
}

bool FaultInjectionFileSystem::DirExists(const std::string& dir) const {
  return dirs_.contains(dir);
}

}  // namespace coolflow::store::wal
