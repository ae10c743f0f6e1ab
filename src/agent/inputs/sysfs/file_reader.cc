#include "agent/inputs/sysfs/file_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fmt/format.h"

namespace coolflow::agent {

FileText KernelFileReader::Read(const std::filesystem::path& path, size_t max_bytes) {
  FileText out;
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    out.error = errno;
    return out;
  }
  // One byte more than allowed tells "exactly max_bytes" from "too long".
  out.text.resize(max_bytes + 1);
  size_t size = 0;
  while (size < out.text.size()) {
    const ssize_t n = ::read(fd, out.text.data() + size, out.text.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      out.error = errno;
      break;
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  ::close(fd);
  if (out.error == 0 && size > max_bytes) out.error = EFBIG;
  out.text.resize(out.error == 0 ? size : 0);
  return out;
}

std::string ErrnoName(int error) {
  if (const char* name = ::strerrorname_np(error)) return name;
  return fmt::format("errno {}", error);
}

bool IsTransientReadError(int error) {
  switch (error) {
    case EIO:
    case ETIMEDOUT:
    case EAGAIN:
    case EBUSY:
    case EINTR:
      return true;
    default:
      return false;
  }
}

}  // namespace coolflow::agent
