// The file layer under the write-ahead log: the few operations the WAL needs, behind an
// interface, so tests can swap the real POSIX files for a fault-injecting model
// (fault_injection_file_system.h) that drops unsynced data on a simulated crash and fails
// writes and syncs on demand.
//
// Errors are Status values whose message names the operation, the file and the reason
// ("fdatasync /var/lib/coolflow/wal/00000000000000000001.wal: Input/output error"): IOError,
// or ResourceExhausted for a full disk (ENOSPC, EDQUOT), so the WAL can tell the two apart.
//
// Thread safety: a FileSystem may be used from any thread. A File is used by one thread at a
// time (the WAL's writer, or one reader).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace coolflow::store::wal {

// "<what> <path>: <strerror(err)>", as ResourceExhausted for ENOSPC/EDQUOT and IOError
// otherwise.
Status ErrnoStatus(std::string_view what, std::string_view path, int err);

// Whether `status` came from a full disk (ENOSPC or EDQUOT).
bool IsNoSpace(const Status& status);

// An open file: positional reads and writes, no shared file offset.
class File {
 public:
  virtual ~File() = default;

  // Writes all of `data` at `offset` (retrying short writes). On error some prefix of the data
  // may have been written.
  virtual Status WriteAt(uint64_t offset, std::string_view data) = 0;
  // Reads up to `size` bytes at `offset` into `out`, resized to what was read (fewer only at
  // the end of the file).
  virtual Status ReadAt(uint64_t offset, size_t size, std::string& out) = 0;
  // fdatasync(2): the data written so far and the file size are durable when it returns Ok.
  virtual Status Sync() = 0;
  // ftruncate(2). The new size is durable after the next Sync.
  virtual Status Truncate(uint64_t size) = 0;
  virtual Result<uint64_t> Size() = 0;
  virtual const std::string& path() const = 0;
};

// A read-only view of a whole file as it was when mapped (FileSystem::Map); valid while the
// object lives. Immutable files only (the store's blocks): a file changed or truncated while
// mapped may show the change or, for POSIX, fault on access.
class MappedFile {
 public:
  virtual ~MappedFile() = default;
  virtual std::string_view data() const = 0;
  virtual const std::string& path() const = 0;
};

enum class OpenMode {
  kRead,             // an existing file, read only
  kReadWrite,        // an existing file
  kCreateExclusive,  // a new file (AlreadyExists if there is one), read and write
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) = 0;
  // The whole file, read only: NotFound when it is missing, an empty view when it is empty.
  virtual Result<std::unique_ptr<MappedFile>> Map(const std::string& path) = 0;
  // rename(2). Durable after SyncDir of the directory.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // unlink(2). Durable after SyncDir of the directory.
  virtual Status Remove(const std::string& path) = 0;
  // The names (not paths) of the directory's entries, unsorted; NotFound when it is missing.
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // mkdir -p; Ok when it exists already.
  virtual Status CreateDir(const std::string& dir) = 0;
  // fsync(2) on the directory: entries created, renamed or removed in it are durable.
  virtual Status SyncDir(const std::string& dir) = 0;
};

// The real thing: POSIX calls on the local file system.
class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;
  // mmap(2) of the file (PROT_READ, MAP_SHARED, MADV_RANDOM); the descriptor is closed at once.
  Result<std::unique_ptr<MappedFile>> Map(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& dir) override;
  Status CreateDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;

  // A process-wide instance.
  static PosixFileSystem& Instance();
};

}  // namespace coolflow::store::wal
