#include "agent/inputs/sysfs/file_reader.h"

#include <cerrno>

namespace coolflow::agent {

FileText KernelFileReader::Read(const std::filesystem::path& path, size_t max_bytes) {
  return kernel::ReadFile(path, max_bytes);
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
