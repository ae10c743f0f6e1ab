#include "agent/metrics/metrics_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>
#include <system_error>

#include "fmt/format.h"

namespace coolflow::agent::metrics {
namespace {

constexpr size_t kMaxRequestHead = 8 * 1024;
constexpr int kListenBacklog = 16;

std::string ErrnoText(int err) {
  return std::error_code(err, std::generic_category()).message();
}

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client left; nothing to do
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Error";
  }
}

void Respond(int fd, int status, std::string_view content_type, std::string_view body,
             bool head_only) {
  std::string response = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n",
      status, ReasonPhrase(status), content_type, body.size(),
      status == 405 ? "Allow: GET, HEAD\r\n" : "");
  if (!head_only) response += body;
  WriteAll(fd, response);
}

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const Options& options, std::function<std::string()> render,
    std::function<void(int, const std::string&)> on_bad_request) {
  std::unique_ptr<MetricsServer> server(new MetricsServer());  // private constructor
  server->options_ = options;
  server->render_ = std::move(render);
  server->on_bad_request_ = std::move(on_bad_request);

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(options.port);
  if (::inet_pton(AF_INET, options.host.c_str(), &addr.sin_addr) != 1) {
    return InvalidArgument(fmt::format("metrics: \"{}\" is not an IPv4 address", options.host));
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return IOError("metrics: socket: " + ErrnoText(errno));
  server->listen_fd_ = fd;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  socklen_t len = sizeof(addr);
  // The sockaddr casts are what the BSD socket API requires.
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return IOError(
        fmt::format("metrics: bind {}:{}: {}", options.host, options.port, ErrnoText(errno)));
  }
  if (::listen(fd, kListenBacklog) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return IOError("metrics: listen: " + ErrnoText(errno));
  }
  server->port_ = ntohs(addr.sin_port);
  if (::pipe2(server->wake_fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return IOError("metrics: pipe: " + ErrnoText(errno));
  }
  server->thread_ = std::thread([s = server.get()] { s->Serve(); });
  return server;
}

MetricsServer::~MetricsServer() {
  Stop();
  for (int fd : {listen_fd_, wake_fds_[0], wake_fds_[1]}) {
    if (fd >= 0) ::close(fd);
  }
}

void MetricsServer::Stop() {
  if (!thread_.joinable()) return;
  const char byte = 0;
  while (::write(wake_fds_[1], &byte, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
}

void MetricsServer::Serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    Handle(client);
    ::close(client);
  }
}

void MetricsServer::Handle(int fd) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.read_timeout_ms);
  std::string head;
  char buffer[1024];
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (head.size() > kMaxRequestHead) {
      on_bad_request_(431, "request head over 8 KiB");
      Respond(fd, 431, "text/plain", "request head too large\n", false);
      return;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd pfd{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) {
      on_bad_request_(408, "no complete request head in time");
      Respond(fd, 408, "text/plain", "request timeout\n", false);
      return;
    }
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      if (head.empty()) return;  // connected and left: nothing to answer
      on_bad_request_(400, "request ended before its head did");
      Respond(fd, 400, "text/plain", "incomplete request\n", false);
      return;
    }
    head.append(buffer, static_cast<size_t>(n));
  }
  // Request line: METHOD SP TARGET SP HTTP/1.x
  const std::string_view line = std::string_view(head).substr(0, head.find("\r\n"));
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || !line.substr(sp2 + 1).starts_with("HTTP/1.")) {
    on_bad_request_(400, "malformed request line");
    Respond(fd, 400, "text/plain", "malformed request line\n", false);
    return;
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  const bool head_only = method == "HEAD";
  if (method != "GET" && !head_only) {
    on_bad_request_(405, fmt::format("method {} not allowed", method.substr(0, 16)));
    Respond(fd, 405, "text/plain", "only GET and HEAD\n", false);
    return;
  }
  if (target == "/metrics") {
    Respond(fd, 200, "text/plain; version=0.0.4; charset=utf-8", render_(), head_only);
  } else if (target == "/healthz") {
    Respond(fd, 200, "text/plain", "ok\n", head_only);
  } else {
    on_bad_request_(404, "no such path");
    Respond(fd, 404, "text/plain", "try /metrics\n", head_only);
  }
}

}  // namespace coolflow::agent::metrics
