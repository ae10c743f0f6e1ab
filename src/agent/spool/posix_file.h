// The few POSIX file operations the spool needs, as Status values that name the file and
// the reason ("write /var/spool/coolflow/00000000000000000001.seg: No space left on device").
//
// Thread safety: a File is used by one thread at a time (the spool's mutex).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coolflow::agent::spool {

// "<what> <path>: <strerror(err)>", as an IOError.
Status ErrnoError(std::string_view what, const std::filesystem::path& path, int err);

// An open file descriptor, closed by the destructor.
class File {
 public:
  File() = default;
  ~File();
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // open(2) with `flags` (and mode 0644 when creating).
  static Result<File> Open(const std::filesystem::path& path, int flags);

  bool is_open() const { return fd_ >= 0; }
  const std::filesystem::path& path() const { return path_; }

  // Reads up to `size` bytes at `offset` into `out` (resized to what was read: fewer bytes
  // only at the end of the file).
  Status ReadAt(uint64_t offset, size_t size, std::string& out) const;
  // Writes all of `data` at `offset`, retrying short writes.
  Status WriteAt(uint64_t offset, std::string_view data) const;
  Status Truncate(uint64_t size) const;
  // fdatasync(2): the data and the size, not the timestamps.
  Status Sync() const;
  // fsync(2): everything, metadata included (what a directory needs).
  Status SyncAll() const;
  Result<uint64_t> Size() const;
  // flock(LOCK_EX | LOCK_NB); Unavailable when another process holds it.
  Status LockExclusive() const;
  void Close();

 private:
  File(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}

  int fd_ = -1;
  std::filesystem::path path_;
};

// fsync(2) on a directory, so that files created, renamed or removed in it stay so.
Status SyncDirectory(const std::filesystem::path& dir);

// Writes `data` to `path` atomically: `path`.tmp is written and fsync'ed, renamed over
// `path`, and the directory fsync'ed. A crash leaves the old file or the new one, never a mix.
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view data);

}  // namespace coolflow::agent::spool
