#include "store/wal/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "common/posix_io.h"
#include "fmt/format.h"

namespace coolflow::store::wal {
namespace {

constexpr mode_t kFileMode = 0644;

// A file descriptor with the POSIX calls, closed by the destructor.
class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override { ::close(fd_); }
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  Status WriteAt(uint64_t offset, std::string_view data) override {
    const IoOutcome io = WriteAllAt(fd_, offset, data);
    if (io.error != 0) {
      return ErrnoStatus(fmt::format("write at offset {} of", io.offset), path_, io.error);
    }
    return Status::Ok();
  }

  Status ReadAt(uint64_t offset, size_t size, std::string& out) override {
    const IoOutcome io = ReadUpToAt(fd_, offset, size, out);
    if (io.error != 0) {
      return ErrnoStatus(fmt::format("read at offset {} of", io.offset), path_, io.error);
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return ErrnoStatus("fdatasync", path_, errno);
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return ErrnoStatus(fmt::format("truncate to {} bytes", size), path_, errno);
    }
    return Status::Ok();
  }

  Result<uint64_t> Size() override {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) return ErrnoStatus("stat", path_, errno);
    return static_cast<uint64_t>(info.st_size);
  }

  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
};

// A file mapped read only; unmapped by the destructor.
class PosixMappedFile final : public MappedFile {
 public:
  PosixMappedFile(void* address, size_t size, std::string path)
      : address_(address), size_(size), path_(std::move(path)) {}
  ~PosixMappedFile() override {
    if (address_ != nullptr) ::munmap(address_, size_);
  }
  PosixMappedFile(const PosixMappedFile&) = delete;
  PosixMappedFile& operator=(const PosixMappedFile&) = delete;

  std::string_view data() const override {
    if (address_ == nullptr) return {};
    return {static_cast<const char*>(address_), size_};
  }
  const std::string& path() const override { return path_; }

 private:
  void* address_;  // nullptr for an empty file (mmap refuses a length of 0)
  size_t size_;
  std::string path_;
};

}  // namespace

Status ErrnoStatus(std::string_view what, std::string_view path, int err) {
  const char* name = ::strerrorname_np(err);
  std::string message = fmt::format("{} {}: {} ({})", what, path, std::strerror(err),
                                    name != nullptr ? name : "unknown errno");
  if (err == ENOSPC || err == EDQUOT) return {StatusCode::kResourceExhausted, std::move(message)};
  return IOError(std::move(message));
}

bool IsNoSpace(const Status& status) {
  return status.code() == StatusCode::kResourceExhausted;
}

Result<std::unique_ptr<File>> PosixFileSystem::Open(const std::string& path, OpenMode mode) {
  int flags = O_CLOEXEC;
  switch (mode) {
    case OpenMode::kRead:
      flags |= O_RDONLY;
      break;
    case OpenMode::kReadWrite:
      flags |= O_RDWR;
      break;
    case OpenMode::kCreateExclusive:
      flags |= O_RDWR | O_CREAT | O_EXCL;
      break;
  }
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags, kFileMode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return NotFound(fmt::format("open {}: no such file", path));
    if (err == EEXIST) {
      return Status(StatusCode::kAlreadyExists, fmt::format("create {}: file exists", path));
    }
    return ErrnoStatus("open", path, err);
  }
  return std::unique_ptr<File>(std::make_unique<PosixFile>(fd, path));
}

Result<std::unique_ptr<MappedFile>> PosixFileSystem::Map(const std::string& path) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return NotFound(fmt::format("map {}: no such file", path));
    return ErrnoStatus("open", path, err);
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus("stat", path, err);
  }
  const auto size = static_cast<size_t>(info.st_size);
  void* address = nullptr;
  if (size > 0) {
    address = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (address == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      return ErrnoStatus(fmt::format("mmap {} bytes of", size), path, err);
    }
    // Queries read a few chunks of a block, not the whole file: no read-ahead.
    ::madvise(address, size, MADV_RANDOM);
  }
  // The mapping keeps the file's pages; the descriptor is not needed any more.
  ::close(fd);
  return std::unique_ptr<MappedFile>(std::make_unique<PosixMappedFile>(address, size, path));
}

Status PosixFileSystem::Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoStatus(fmt::format("rename {} to", from), to, errno);
  }
  return Status::Ok();
}

Status PosixFileSystem::Remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return ErrnoStatus("remove", path, errno);
  return Status::Ok();
}

Result<std::vector<std::string>> PosixFileSystem::ListDir(const std::string& dir) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) {
    const int err = errno;
    if (err == ENOENT) return NotFound(fmt::format("list {}: no such directory", dir));
    return ErrnoStatus("list", dir, err);
  }
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(handle)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  const int err = errno;
  ::closedir(handle);
  if (err != 0) return ErrnoStatus("list", dir, err);
  return names;
}

Status PosixFileSystem::CreateDir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return ErrnoStatus("create directory", dir, error.value());
  return Status::Ok();
}

Status PosixFileSystem::SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open directory", dir, errno);
  const int result = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (result != 0) return ErrnoStatus("fsync directory", dir, err);
  return Status::Ok();
}

PosixFileSystem& PosixFileSystem::Instance() {
  static PosixFileSystem instance;
  return instance;
}

}  // namespace coolflow::store::wal
