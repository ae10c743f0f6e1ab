// Clients for the web server tests: a raw socket (for broken and pipelined requests), libcurl
// (for well-formed ones), and a log capture that lets a test look for leaked secrets.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "spdlog/logger.h"

namespace coolflow::web::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

// A blocking TCP connection to 127.0.0.1:port. Reads give up after 20 s (a safety net for a
// broken server, not a synchronisation: every read waits for bytes the server must send).
class RawConnection {
 public:
  explicit RawConnection(uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends all of `data`; false when the server closed the connection.
  bool Send(const std::string& data);
  // Reads one response (head and Content-Length body). status 0 when the connection ended
  // first.
  HttpReply ReadReply(bool head_request = false);
  // True when the server closed the connection (EOF or reset) with no more bytes.
  bool ReadEof();
  // Closes the sending side.
  void ShutdownWrite();

 private:
  bool Fill();  // reads more into buffer_; false at EOF / error
  int fd_ = -1;
  std::string buffer_;
};

// One request through libcurl.
struct CurlRequest {
  std::string method = "GET";
  std::string url{};
  std::string body{};
  std::vector<std::string> headers{};  // "Name: value"
  std::string user_password{};         // for Basic auth: "user:password"
  std::string ca_file{};               // HTTPS: trust this certificate (PEM) only
};
HttpReply Curl(const CurlRequest& request);

class StringSink;
// A logger whose output the test can read, at every level (trace and up).
struct LogCapture {
  LogCapture();
  // Everything logged so far; safe while the server runs.
  std::string Text() const;
  std::shared_ptr<StringSink> sink;
  std::shared_ptr<spdlog::logger> logger;
};

}  // namespace coolflow::web::testing
