#include "agent/actuators/lirc/lircd_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>

#include "fmt/format.h"

namespace coolflow::agent {
namespace {

// lircd's lines are short (PACKET_SIZE is 256); anything this long is not lircd.
constexpr size_t kMaxLineBytes = 4'096;
// LIST of a remote answers one line per key; a remote with more keys than this is not an
// air conditioner's, and the bound keeps a misbehaving peer from growing memory.
constexpr size_t kMaxDataLines = 10'000;
constexpr size_t kReadChunk = 1'024;

std::string ErrnoText(int err) {
  return std::error_code(err, std::generic_category()).message();
}

// Milliseconds left until `deadline` for poll(), rounded up so that a wait never ends
// before the deadline; 0 when it has passed.
int MillisLeft(LircdConnection::Deadline deadline) {
  const auto left = deadline - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  constexpr long long kMaxPollMs = 60'000;
  return static_cast<int>(ms < kMaxPollMs ? ms : kMaxPollMs);
}

// Waits until `fd` is ready for `events`; DeadlineExceeded when `deadline` passes first.
Status WaitFor(int fd, short events, LircdConnection::Deadline deadline, std::string_view what) {
  for (;;) {
    const int left = MillisLeft(deadline);
    if (left == 0) {
      return {StatusCode::kDeadlineExceeded, fmt::format("no {} before the deadline", what)};
    }
    pollfd pfd{fd, events, 0};
    const int ready = ::poll(&pfd, 1, left);
    if (ready > 0) return Status::Ok();
    if (ready < 0 && errno != EINTR) return IOError(fmt::format("poll: {}", ErrnoText(errno)));
  }
}

}  // namespace

Result<std::unique_ptr<LircdConnection>> LircdConnection::Connect(const std::string& socket_path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof(address.sun_path)) {
    return InvalidArgument(fmt::format("lircd socket path \"{}\" must be 1 to {} bytes long",
                                       socket_path, sizeof(address.sun_path) - 1));
  }
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());

  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return IOError(fmt::format("socket(AF_UNIX): {}", ErrnoText(errno)));
  std::unique_ptr<LircdConnection> connection(new LircdConnection(fd, socket_path));

  // A UNIX stream connect completes at once or fails; it never goes in progress.
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    const int err = errno;
    switch (err) {
      case ENOENT:
      case ECONNREFUSED:
      case ENOTDIR:
        return Unavailable(
            fmt::format("lircd not running at {} (connect: {})", socket_path, ErrnoText(err)));
      case EACCES:
      case EPERM:
        return Status(StatusCode::kPermissionDenied,
                      fmt::format("lircd socket {}: {} (the agent's user needs write access to "
                                  "it: lircd --permission, or the lirc group)",
                                  socket_path, ErrnoText(err)));
      case EAGAIN:
        return Unavailable(fmt::format(
            "lircd at {} is not accepting connections (its backlog is full)", socket_path));
      default:
        return Unavailable(fmt::format("lircd at {}: connect: {}", socket_path, ErrnoText(err)));
    }
  }
  return connection;
}

LircdConnection::~LircdConnection() {
  if (fd_ >= 0) ::close(fd_);
}

Status LircdConnection::SendLine(std::string_view command, Deadline deadline) {
  const std::string line = std::string(command) + '\n';
  size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (Status s = WaitFor(fd_, POLLOUT, deadline, "room in the socket to send"); !s.ok()) {
        return s;
      }
      continue;
    }
    if (errno == EPIPE || errno == ECONNRESET) {
      return Unavailable(fmt::format("lircd closed the connection ({})", ErrnoText(errno)));
    }
    return IOError(fmt::format("send: {}", ErrnoText(errno)));
  }
  return Status::Ok();
}

Result<std::string> LircdConnection::ReadLine(Deadline deadline) {
  for (;;) {
    if (const size_t newline = buffer_.find('\n'); newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    if (buffer_.size() > kMaxLineBytes) {
      return IOError(fmt::format("a line of more than {} bytes, which is not lircd's protocol",
                                 kMaxLineBytes));
    }
    char chunk[kReadChunk];
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return Unavailable("lircd closed the connection before replying");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (Status s = WaitFor(fd_, POLLIN, deadline, "reply"); !s.ok()) return s;
      continue;
    }
    if (errno == ECONNRESET) return Unavailable("lircd reset the connection");
    return IOError(fmt::format("recv: {}", ErrnoText(errno)));
  }
}

Result<LircdReply> LircdConnection::Run(std::string_view command, Deadline deadline) {
  const std::string context = fmt::format("lircd at {}, \"{}\"", socket_path_, command);
  if (Status s = SendLine(command, deadline); !s.ok()) return s.WithContext(context);

  auto next = [&]() -> Result<std::string> { return ReadLine(deadline); };
  auto unexpected = [&](std::string_view expected, std::string_view got) {
    return IOError(fmt::format("{}: expected {} in the reply, got \"{}\"", context, expected, got));
  };
  for (;;) {
    // Skip broadcasts (button presses) until a packet begins.
    auto line = next();
    if (!line.ok()) return line.status().WithContext(context);
    if (*line != "BEGIN") continue;

    auto echo = next();
    if (!echo.ok()) return echo.status().WithContext(context);
    if (*echo == "SIGHUP") {  // lircd reloaded its config; the reply is still to come
      auto end = next();
      if (!end.ok()) return end.status().WithContext(context);
      if (*end != "END") return unexpected("END after SIGHUP", *end);
      continue;
    }
    if (*echo != command) return unexpected("the command echoed", *echo);

    auto verdict = next();
    if (!verdict.ok()) return verdict.status().WithContext(context);
    LircdReply reply;
    if (*verdict == "SUCCESS") {
      reply.success = true;
    } else if (*verdict != "ERROR") {
      return unexpected("SUCCESS or ERROR", *verdict);
    }

    auto after = next();
    if (!after.ok()) return after.status().WithContext(context);
    if (*after == "DATA") {
      auto count_line = next();
      if (!count_line.ok()) return count_line.status().WithContext(context);
      size_t count = 0;
      const char* first = count_line->data();
      const char* last = first + count_line->size();
      const auto [end, ec] = std::from_chars(first, last, count);
      if (ec != std::errc() || end != last || count > kMaxDataLines) {
        return unexpected(fmt::format("a line count up to {}", kMaxDataLines), *count_line);
      }
      for (size_t i = 0; i < count; ++i) {
        auto data = next();
        if (!data.ok()) return data.status().WithContext(context);
        reply.data.push_back(std::move(*data));
      }
      after = next();
      if (!after.ok()) return after.status().WithContext(context);
    }
    if (*after != "END") return unexpected("END", *after);
    return reply;
  }
}

}  // namespace coolflow::agent
