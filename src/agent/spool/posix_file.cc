#include "agent/spool/posix_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/posix_io.h"
#include "fmt/format.h"

namespace coolflow::agent::spool {
namespace {

constexpr mode_t kFileMode = 0644;

}  // namespace

Status ErrnoError(std::string_view what, const std::filesystem::path& path, int err) {
  return IOError(fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

File::~File() {
  Close();
}

File::File(File&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

Result<File> File::Open(const std::filesystem::path& path, int flags) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, kFileMode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoError("open", path, errno);
  return File(fd, path);
}

Status File::ReadAt(uint64_t offset, size_t size, std::string& out) const {
  const IoOutcome io = ReadUpToAt(fd_, offset, size, out);
  if (io.error != 0)
    return ErrnoError(fmt::format("read at offset {}", io.offset), path_, io.error);
  return Status::Ok();
}

Status File::WriteAt(uint64_t offset, std::string_view data) const {
  const IoOutcome io = WriteAllAt(fd_, offset, data);
  if (io.error != 0) {
    return ErrnoError(fmt::format("write at offset {}", io.offset), path_, io.error);
  }
  return Status::Ok();
}

Status File::Truncate(uint64_t size) const {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
    return ErrnoError(fmt::format("truncate to {} bytes", size), path_, errno);
  }
  return Status::Ok();
}

Status File::Sync() const {
  if (::fdatasync(fd_) != 0) return ErrnoError("fdatasync", path_, errno);
  return Status::Ok();
}

Status File::SyncAll() const {
  if (::fsync(fd_) != 0) return ErrnoError("fsync", path_, errno);
  return Status::Ok();
}

Result<uint64_t> File::Size() const {
  struct stat info {};
  if (::fstat(fd_, &info) != 0) return ErrnoError("stat", path_, errno);
  return static_cast<uint64_t>(info.st_size);
}

Status File::LockExclusive() const {
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return Status::Ok();
  if (errno == EWOULDBLOCK) {
    return Unavailable(
        fmt::format("{} is locked: another process uses this spool", path_.string()));
  }
  return ErrnoError("lock", path_, errno);
}

void File::Close() {
  if (fd_ >= 0) {
    ::close(fd_);  // the data is in the page cache already; close reports nothing we could undo
    fd_ = -1;
  }
}

Status SyncDirectory(const std::filesystem::path& dir) {
  auto file = File::Open(dir, O_RDONLY | O_DIRECTORY);
  if (!file.ok()) return file.status();
  return file->SyncAll();
}

Status WriteFileAtomically(const std::filesystem::path& path, std::string_view data) {
  std::filesystem::path temp = path;
  temp += ".tmp";
  {
    auto file = File::Open(temp, O_WRONLY | O_CREAT | O_TRUNC);
    if (!file.ok()) return file.status();
    if (Status s = file->WriteAt(0, data); !s.ok()) return s;
    if (Status s = file->Sync(); !s.ok()) return s;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return ErrnoError(fmt::format("rename {} to", temp.string()), path, errno);
  }
  return SyncDirectory(path.parent_path());
}

}  // namespace coolflow::agent::spool
