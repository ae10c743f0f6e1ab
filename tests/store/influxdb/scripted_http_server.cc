#include "store/influxdb/scripted_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace coolflow::store::testing {
namespace {

constexpr int kPollMs = 20;
constexpr size_t kReadChunk = 4096;

// The body length a request's head announces (0 without Content-Length).
size_t ContentLength(const std::string& head) {
  constexpr std::string_view kHeader = "content-length:";
  std::string lower = head;
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t at = lower.find(kHeader);
  if (at == std::string::npos) return 0;
  return static_cast<size_t>(std::strtoul(lower.c_str() + at + kHeader.size(), nullptr, 10));
}

}  // namespace

ScriptedHttpServer::ScriptedHttpServer(std::function<ScriptedAnswer(const std::string&)> script)
    : script_(std::move(script)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    return;
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

ScriptedHttpServer::~ScriptedHttpServer() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::vector<std::string> ScriptedHttpServer::requests() {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

void ScriptedHttpServer::Serve() {
  while (!stopping_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, kPollMs) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    std::string request;
    char buffer[kReadChunk];
    size_t head_end = std::string::npos;
    while (!stopping_) {
      pollfd cfd{fd, POLLIN, 0};
      if (::poll(&cfd, 1, kPollMs) <= 0) continue;
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) break;
      request.append(buffer, static_cast<size_t>(n));
      if (head_end == std::string::npos) head_end = request.find("\r\n\r\n");
      if (head_end != std::string::npos &&
          request.size() >= head_end + 4 + ContentLength(request.substr(0, head_end))) {
        break;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
    }
    const ScriptedAnswer answer = script_(request);
    std::string response = "HTTP/1.1 " + std::to_string(answer.status) + " Scripted\r\n";
    if (!answer.body.empty()) response += "Content-Type: application/json\r\n";
    response += "Content-Length: " + std::to_string(answer.body.size()) +
                "\r\nConnection: close\r\n\r\n" + answer.body;
    size_t sent = 0;
    while (sent < response.size()) {
      const ssize_t n = ::write(fd, response.data() + sent, response.size() - sent);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    ::close(fd);
  }
}

}  // namespace coolflow::store::testing
