// Positional I/O that finishes the job: pwrite and pread retried over short transfers and
// EINTR. Callers turn the errno into a Status of their own wording.
//
// Thread safety: as pread/pwrite (no shared file offset).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace coolflow {

// What a transfer did: 0 or the errno that stopped it, and the offset where it stopped.
struct IoOutcome {
  int error = 0;
  uint64_t offset = 0;
};

// Writes all of `data` at `offset`. On error some prefix may have been written.
IoOutcome WriteAllAt(int fd, uint64_t offset, std::string_view data);

// Reads up to `size` bytes at `offset` into `out`, resized to what was read (fewer only at the
// end of the file; empty on error).
IoOutcome ReadUpToAt(int fd, uint64_t offset, size_t size, std::string& out);

}  // namespace coolflow
