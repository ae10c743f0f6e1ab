// Reading one small file the kernel produces as it is read (/proc for the host input, /sys for
// the sysfs input), with the errno of a failure kept: a sysfs driver whose show() fails (a
// DHT11 that missed its edges, an I2C bus that timed out) makes the read() fail with its own
// errno, which tells a failure worth a retry from one that is not.
//
// Thread safety: every function may be called from any thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace coolflow::agent::kernel {

// The outcome of reading one small file: `error` is 0 and `text` its content, or `error` is
// the errno of the open() or read() that failed (EFBIG: longer than allowed) and `text` is
// empty.
struct FileText {
  int error = 0;
  std::string text;
};

// Reads `path` from offset 0 until end of file, as `cat` does: open(O_RDONLY | O_CLOEXEC),
// then read() in chunks of at most 4 KiB, retrying EINTR. A file longer than `max_bytes` is
// EFBIG (reading stops one byte past `max_bytes`). The read blocks for as long as the
// kernel takes to produce the text (a sysfs driver's show(): up to a second for a DHT11);
// a FIFO in place of the file blocks until a writer comes.
FileText ReadFile(const std::filesystem::path& path, size_t max_bytes);

// The symbolic name of an errno value: "EIO", "ETIMEDOUT"; "errno 1234" when unknown.
std::string ErrnoName(int error);

// A failed system call for an error message: "read failed: ENOENT (No such file or
// directory)".
std::string DescribeErrno(std::string_view call, int error);

}  // namespace coolflow::agent::kernel
