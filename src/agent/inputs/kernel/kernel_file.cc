#include "agent/inputs/kernel/kernel_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fmt/format.h"

namespace coolflow::agent::kernel {
namespace {

constexpr size_t kReadChunkBytes = 4096;

}  // namespace

FileText ReadFile(const std::filesystem::path& path, size_t max_bytes) {
  FileText out;
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    out.error = errno;
    return out;
  }
  size_t size = 0;  // never above max_bytes at the top of the loop
  for (;;) {
    // Up to one byte more than allowed, which tells "exactly max_bytes" from "too long".
    const size_t chunk = std::min(kReadChunkBytes - 1, max_bytes - size) + 1;
    out.text.resize(size + chunk);
    const ssize_t n = ::read(fd, out.text.data() + size, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      out.error = errno;
      break;
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
    if (size > max_bytes) {
      out.error = EFBIG;
      break;
    }
  }
  ::close(fd);
  out.text.resize(out.error == 0 ? size : 0);
  return out;
}

std::string ErrnoName(int error) {
  if (const char* name = ::strerrorname_np(error)) return name;
  return fmt::format("errno {}", error);
}

std::string DescribeErrno(std::string_view call, int error) {
  return fmt::format("{} failed: {} ({})", call, ErrnoName(error), std::strerror(error));
}

}  // namespace coolflow::agent::kernel
