// A client for lircd's UNIX socket, speaking the protocol documented in lircd(8), "SOCKET
// COMMAND INTERFACE": each command is one line; lircd answers with a reply packet
//
//   BEGIN
//   <the command, echoed>
//   SUCCESS | ERROR
//   [DATA
//   <n>
//   <n lines>]
//   END
//
// Broadcasts (decoded button presses, one line each; "BEGIN / SIGHUP / END" after a config
// reload) may come between replies and are skipped. This is what irsend does for
// `irsend SEND_ONCE <remote> <key>`, without forking a process per key.
//
// Thread safety: a LircdConnection is used by one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace coolflow::agent {

// What lircd answered to one command.
struct LircdReply {
  bool success = false;
  // The DATA lines: LIST's "<code> <key>" lines, or ERROR's reason ("unknown command:
  // \"SET_31\"").
  std::vector<std::string> data;
};

class LircdConnection {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // Connects to lircd's socket at `socket_path`. Unavailable "lircd not running at <path>"
  // when nothing listens there (no socket file, or a stale one); PermissionDenied when the
  // socket may not be opened; InvalidArgument when the path does not fit a UNIX socket
  // address.
  static Result<std::unique_ptr<LircdConnection>> Connect(const std::string& socket_path);

  ~LircdConnection();
  LircdConnection(const LircdConnection&) = delete;
  LircdConnection& operator=(const LircdConnection&) = delete;

  // Sends `command` (one line, without the newline) and returns lircd's reply, which may
  // be an ERROR: this fails only when no well-formed reply came by `deadline`
  // (DeadlineExceeded), the connection broke (Unavailable) or lircd answered something that
  // is not a reply to this command (IOError). Every message names the socket path.
  Result<LircdReply> Run(std::string_view command, Deadline deadline);

  const std::string& socket_path() const { return socket_path_; }

 private:
  LircdConnection(int fd, std::string socket_path)
      : fd_(fd), socket_path_(std::move(socket_path)) {}
  Status SendLine(std::string_view command, Deadline deadline);
  Result<std::string> ReadLine(Deadline deadline);

  int fd_ = -1;
  std::string socket_path_;
  std::string buffer_;  // received bytes not yet consumed as lines
};

}  // namespace coolflow::agent
