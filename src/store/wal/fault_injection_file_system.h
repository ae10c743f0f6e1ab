// A FileSystem in memory that models what a crash keeps, and fails operations on demand: the
// file layer of the WAL's durability tests (and of its fuzzer).
//
// What it models (deliberately strict, stricter than ext4's usual behaviour):
// - Every file has its current bytes (what reads see) and its durable bytes (what a crash
//   keeps). File::Sync makes the file's current bytes and size durable.
// - Directory entries are current or durable too. Creating, renaming or removing a file
//   changes the current entries only; SyncDir(dir) makes the current entries of `dir`
//   durable. So a file created and synced but whose directory was never synced is gone
//   after a crash, a rename not followed by SyncDir is undone, and a removed file comes back
//   (with its durable bytes).
// - Directories themselves (CreateDir) are durable at once: the WAL creates its directory
//   once, before anything that matters.
// - Crash() forgets everything not durable (how much of the unsynced bytes survive depends on
//   the CrashMode) and invalidates every open File: its operations fail from then on, as a
//   process killed mid-write would never see them return.
// - FailNext makes the next operations of one kind fail with an errno (EIO, ENOSPC) without
//   doing anything; SetCapacity makes writes beyond a total size fail with ENOSPC after
//   writing what fits, as a full disk does.
//
// Thread safety: every method may be called from any thread; one mutex guards the model.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/thread_annotations.h"
#include "store/wal/file_system.h"

namespace coolflow::store::wal {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  enum class Op { kWrite, kSync, kSyncDir, kCreate, kTruncate, kRename, kRemove };

  // What a crash keeps of the bytes written to a file since its last Sync.
  enum class CrashMode {
    kDropUnsynced,        // none: the file reverts to its durable bytes
    kKeepUnsyncedPrefix,  // a random prefix of the appended bytes (a write cut short)
    kZeroFillUnsynced,    // the size grew by a random part of the append, filled with zeros
                          // (metadata reached the disk, the data did not)
  };

  FaultInjectionFileSystem() = default;

  Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;
  // A copy of the file's current bytes (after a Crash, what survived it).
  Result<std::unique_ptr<MappedFile>> Map(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& dir) override;
  Status CreateDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;

  // The next `count` operations of kind `op`, after `skip` that succeed, fail with `err`.
  void FailNext(Op op, int err, int count = 1, int skip = 0);
  // Writes that would take the total size of all files past `bytes` write what fits and fail
  // with ENOSPC. Default: unlimited.
  void SetCapacity(uint64_t bytes);
  // Simulates a power cut: see the file comment. `seed` picks the surviving prefix lengths.
  void Crash(CrashMode mode = CrashMode::kDropUnsynced, uint64_t seed = 0);

  // Test access, bypassing faults: the current bytes of a file, and a durable overwrite
  // (bytes and directory entry both durable at once) for planting corrupt files.
  Result<std::string> ReadWhole(const std::string& path);
  void WriteDurably(const std::string& path, std::string data);

  // How many File::Sync and write calls succeeded.
  uint64_t sync_count();
  uint64_t write_count();

 private:
  struct Inode {
    std::string data;
    std::string durable;
  };
  struct Fault {
    int err = 0;
    int skip = 0;
    int count = 0;
  };
  class FaultFile;
  friend class FaultFile;

  // 0 or the errno the next operation of kind `op` fails with.
  int TakeFault(Op op) COOLFLOW_REQUIRES(mu_);
  uint64_t TotalSize() const COOLFLOW_REQUIRES(mu_);
  bool DirExists(const std::string& dir) const COOLFLOW_REQUIRES(mu_);

  Mutex mu_;
  std::map<std::string, std::shared_ptr<Inode>> entries_ COOLFLOW_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<Inode>> durable_entries_ COOLFLOW_GUARDED_BY(mu_);
  std::set<std::string> dirs_ COOLFLOW_GUARDED_BY(mu_);
  std::map<Op, Fault> faults_ COOLFLOW_GUARDED_BY(mu_);
  uint64_t capacity_ COOLFLOW_GUARDED_BY(mu_) = UINT64_MAX;
  uint64_t generation_ COOLFLOW_GUARDED_BY(mu_) = 0;  // bumped by Crash
  uint64_t syncs_ COOLFLOW_GUARDED_BY(mu_) = 0;
  uint64_t writes_ COOLFLOW_GUARDED_BY(mu_) = 0;
};

}  // namespace coolflow::store::wal
