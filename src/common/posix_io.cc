#include "common/posix_io.h"

#include <unistd.h>

#include <cerrno>

namespace coolflow {

IoOutcome WriteAllAt(int fd, uint64_t offset, std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n =
        ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return {errno, offset + done};
    }
    done += static_cast<size_t>(n);
  }
  return {0, offset + done};
}

IoOutcome ReadUpToAt(int fd, uint64_t offset, size_t size, std::string& out) {
  out.resize(size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n =
        ::pread(fd, out.data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      out.clear();
      return {err, offset + done};
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return {0, offset + done};
}

}  // namespace coolflow
