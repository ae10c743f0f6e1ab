#include "web/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/posix_io.h"
#include "common/time.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace coolflow::web {

Result<std::unique_ptr<AuditLog>> AuditLog::Open(Options options) {
  int fd = -1;
  uint64_t size = 0;
  if (!options.file.empty()) {
    fd = ::open(options.file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0) {
      const int error = errno;
      if (fd >= 0) ::close(fd);
      return IOError(fmt::format("audit log {}: cannot open: {}", options.file.string(),
                                 std::strerror(error)));
    }
    size = static_cast<uint64_t>(st.st_size);
  }
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(options), fd, size));
}

AuditLog::AuditLog(Options options, int fd, uint64_t size)
    : options_(std::move(options)), fd_(fd), offset_(size) {}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

std::string AuditLog::ToJson(const AuditRecord& r) {
  nlohmann::ordered_json out{{"time", FormatRfc3339(r.time)}};
  if (!r.user.empty()) {
    out["user"] = r.user;
    out["role"] = r.role;
  }
  out["peer"] = r.peer;
  out["method"] = r.method;
  out["path"] = r.path;
  out["status"] = r.status;
  if (!r.detail.empty()) out["detail"] = r.detail;
  // Invalid UTF-8 in a path is replaced, not thrown on: the log must take anything.
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AuditLog::Record(AuditRecord record) {
  std::string line = ToJson(record);
  line.push_back('\n');
  MutexLock lock(mu_);
  ++records_;
  if (fd_ >= 0) {
    const IoOutcome wrote = WriteAllAt(fd_, offset_, line);
    if (wrote.error != 0) {
      if (write_errors_++ == 0) {
        spdlog::error("audit log {}: cannot write: {}", options_.file.string(),
                      std::strerror(wrote.error));
      }
      // Leave the offset after any partial line: the next record starts on a fresh line
      // only if this one ended, so write a newline first next time.
      offset_ = wrote.offset;
      if (offset_ > 0) {
        const IoOutcome nl = WriteAllAt(fd_, offset_, "\n");
        offset_ = nl.offset;
      }
    } else {
      offset_ = wrote.offset;
    }
  }
  recent_.push_front(std::move(record));
  while (recent_.size() > options_.keep)
    recent_.pop_back();
}

std::vector<AuditRecord> AuditLog::Recent(size_t limit) const {
  MutexLock lock(mu_);
  const size_t n = std::min(limit, recent_.size());
  return {recent_.begin(), recent_.begin() + static_cast<std::ptrdiff_t>(n)};
}

uint64_t AuditLog::records() const {
  MutexLock lock(mu_);
  return records_;
}

uint64_t AuditLog::write_errors() const {
  MutexLock lock(mu_);
  return write_errors_;
}

}  // namespace coolflow::web
