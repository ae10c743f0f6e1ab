// Pieces every real-server test fixture needs: find the program, pick free loopback ports,
// make a scratch directory, and run the server as a child process that cannot outlive the
// test (SIGKILL on the parent's death), with its output in a log file whose tail explains
// a failure.
//
//   auto dir = MakeTempDir("mosquitto");
//   auto port = FreeLoopbackPort();
//   auto program = FindProgram("mosquitto", "mosquitto");
//   auto server = ServerProcess::Spawn({*program, "-c", conf}, *dir / "mosquitto.log");
//   Status up = WaitUntil([&] { return CanConnect(*port); }, 10s, *server, "mosquitto");
//
// Thread safety: a ServerProcess is used by one thread at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace coolflow::testing {

// The path of `program`: itself when it names a path, else the first executable on PATH.
// NotFound names the Debian `package` that provides it (./x deps installs it).
Result<std::string> FindProgram(const std::string& program, std::string_view package);

enum class Protocol { kTcp, kUdp };
// A loopback port that was free a moment ago: bind port 0, read the port, close. Another
// process may take it before the server binds it, so fixtures retry a failed launch.
Result<uint16_t> FreeLoopbackPort(Protocol protocol = Protocol::kTcp);

// Whether a TCP connection to 127.0.0.1:port is accepted right now.
bool CanConnect(uint16_t port);

// A new empty directory /tmp/coolflow-<name>-XXXXXX (TMPDIR respected).
Result<std::filesystem::path> MakeTempDir(std::string_view name);

// Writes `text` to `path`, replacing it.
Status WriteFile(const std::filesystem::path& path, std::string_view text);

// The last `max_bytes` of a file ("" when it cannot be read).
std::string FileTail(const std::filesystem::path& path, size_t max_bytes = 2'000);

class ServerProcess {
 public:
  struct Options {
    // Environment variables to drop (by prefix, e.g. "INFLUXDB_") and to add ("K=V").
    std::vector<std::string> drop_env_prefixes;
    std::vector<std::string> extra_env;
    std::optional<std::filesystem::path> working_dir;
  };

  // Starts argv[0] (a path: see FindProgram) with stdin from /dev/null and stdout and
  // stderr appended to `log`. The child gets SIGKILL when the thread that spawned it exits,
  // so spawn from a thread that outlives the ServerProcess.
  static Result<std::unique_ptr<ServerProcess>> Spawn(const std::vector<std::string>& argv,
                                                      const std::filesystem::path& log,
                                                      const Options& options);
  static Result<std::unique_ptr<ServerProcess>> Spawn(const std::vector<std::string>& argv,
                                                      const std::filesystem::path& log) {
    return Spawn(argv, log, Options{});
  }

  // Kills (SIGKILL) and reaps the child if it still runs.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::filesystem::path& log() const { return log_; }
  std::string LogTail() const { return FileTail(log_); }

  // Sends `signal` (SIGSTOP and SIGCONT freeze and thaw it). No-op once it has exited.
  void Signal(int signal);
  // Whether it has exited; reaps it and remembers how ("status 1", "signal 9").
  bool Exited();
  const std::string& exit_description() const { return exit_description_; }
  // SIGKILL, then waits for it.
  void Kill();
  // SIGTERM, then waits up to `grace` before SIGKILL. Returns the exit description.
  std::string Terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(5'000));

 private:
  ServerProcess() = default;
  void Reap(int wstatus);

  pid_t pid_ = -1;
  std::filesystem::path log_;
  std::string exit_description_;
};

// Polls `ready` every 20 ms until it is true (Ok), `server` exits (Unavailable, with its
// log tail), or `timeout` passes (DeadlineExceeded, with its log tail). `what` names the
// server in the message ("mosquitto on port 1883").
Status WaitUntil(const std::function<bool()>& ready, std::chrono::milliseconds timeout,
                 ServerProcess& server, std::string_view what);

}  // namespace coolflow::testing
