// How the sysfs input reads one attribute file. A sysfs attribute is read by opening it and
// reading from offset 0: the kernel calls the driver's show() then, and a driver that fails
// (a DHT11 that missed its edges, an I2C bus that timed out) makes that read() fail with its
// errno. FileReader reports that errno as it is, so the input can tell a transient failure
// worth a retry (EIO, ETIMEDOUT, EAGAIN) from one that is not (ENOENT, EACCES, EISDIR).
//
// The interface exists so that tests can script failures the kernel would give but a file in
// a temporary directory cannot (a DHT11 failing twice then answering); KernelFileReader is
// what the agent uses, and the tests run it end to end as well.
#pragma once

#include <cstddef>
#include <filesystem>

#include "agent/inputs/kernel/kernel_file.h"

namespace coolflow::agent {

// The text of one file, or the errno of the open() or read() that failed.
using kernel::FileText;

class FileReader {
 public:
  virtual ~FileReader() = default;
  // Reads `path` from offset 0 until end of file, at most `max_bytes` (more is EFBIG).
  // Called from several threads at once: implementations must be thread-safe.
  virtual FileText Read(const std::filesystem::path& path, size_t max_bytes) = 0;
};

// sysfs hands out at most one page per attribute (PAGE_SIZE, 4 KiB on the Raspberry Pi).
inline constexpr size_t kMaxAttributeBytes = 4096;

// Reads with kernel::ReadFile (kernel_file.h): open(O_RDONLY | O_CLOEXEC) and read(), retrying
// EINTR, as `cat` does. The read blocks for as long as the driver's show() takes (up to a
// second for a DHT11 or a 12-bit DS18B20 conversion); a FIFO in place of the file blocks until
// a writer comes. Thread-safe.
class KernelFileReader final : public FileReader {
 public:
  FileText Read(const std::filesystem::path& path, size_t max_bytes) override;
};

// Whether a read that failed with `error` may succeed if tried again soon: the driver
// reported a failed transfer (EIO), a timeout (ETIMEDOUT), or asked to come back (EAGAIN,
// EBUSY, EINTR). The dht11 driver returns EIO on a bad checksum or lost edges, ETIMEDOUT
// when too few edges arrived within a second, EAGAIN when the clock is too coarse
// (drivers/iio/humidity/dht11.c).
bool IsTransientReadError(int error);

}  // namespace coolflow::agent
