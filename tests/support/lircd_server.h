// A real lircd (Debian package lirc) for tests, with an infrared "LED" that records.
//
// lircd runs in the foreground with every path in a fresh temporary directory:
//
//   lircd -O <dir>/lirc_options.conf -n -H file -d <dir>/transmitted.txt
//         -o <dir>/lircd.sock -P <dir>/lircd.pid -L <dir>/lircd.log <dir>/lircd.conf
//
// -O replaces /etc/lirc/lirc_options.conf, so the machine's lircd settings do not leak in.
// The `file` driver (lirc's plugins/file.c) writes every pulse/space train it would
// transmit to its device, here transmitted.txt, as "pulse N" / "space N" lines (µs), each
// transmission closed by "space <gap>"; it writes with write(2) before lircd answers
// SUCCESS, so the file is complete when a SEND_ONCE has returned.
//
// Decoding is exact: the generated lircd.conf gives each key a distinct raw code, a 9 ms /
// 4.5 ms header and then the key's number (1, 2, ... over all remotes) in 8 NEC-style bits
// (560 µs pulse; 560 µs space for 0, 1690 µs for 1), LSB first. Transmitted() splits the
// recording at the gaps and looks each train up in that table, so what lircd really
// transmitted comes back as "<remote> <key>".
//
//   auto lircd = LircdServer::Start();
//   ASSERT_TRUE(lircd.ok()) << lircd.status().ToString();
//   ... irsend -d (*lircd)->socket() SEND_ONCE ServerRoom_AC1 SET_24 ...
//   EXPECT_EQ(*(*lircd)->Transmitted(), std::vector<std::string>{"ServerRoom_AC1 SET_24"});
//
// Thread safety: one LircdServer is used by one thread at a time.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "support/server_process.h"

namespace coolflow::testing {

class LircdServer {
 public:
  struct Remote {
    std::string name;
    std::vector<std::string> keys;
  };

  // The seed's remote: ServerRoom_AC1 with POWER_ON, POWER_OFF and SET_18 ... SET_30.
  static Remote SeedAcRemote();

  struct Options {
    // Program to run; a bare name is looked up on PATH.
    std::string lircd = "lircd";
    // At most 255 keys over all remotes (the key number is 8 bits).
    std::vector<Remote> remotes = {SeedAcRemote()};
    // How long to wait for the socket to accept connections after the process starts.
    std::chrono::milliseconds startup_timeout{10'000};
  };

  // Writes lircd.conf and the options file, starts lircd and returns once its socket
  // accepts connections. NotFound when lircd is not installed (./x deps installs it);
  // Unavailable when it exits at startup, DeadlineExceeded when its socket does not come
  // up in time, both with its log's tail. lircd gets SIGKILL if the calling thread exits
  // first: start it from a thread that outlives the LircdServer.
  static Result<std::unique_ptr<LircdServer>> Start(const Options& options);
  static Result<std::unique_ptr<LircdServer>> Start() { return Start(Options{}); }

  // Kills lircd and removes the temporary directory.
  ~LircdServer();
  LircdServer(const LircdServer&) = delete;
  LircdServer& operator=(const LircdServer&) = delete;

  // The socket to give clients (irsend -d, LircOptions::socket).
  std::string socket() const { return (dir_ / "lircd.sock").string(); }
  const std::filesystem::path& dir() const { return dir_; }
  ServerProcess& process() { return *process_; }

  // Every transmission so far, in order, as "<remote> <key>". Fails (Corruption, quoting
  // the train) on a recording that is not a train of this config's keys.
  Result<std::vector<std::string>> Transmitted() const;

  // SIGKILLs lircd as a crash would: the socket file stays behind, nothing listens on it.
  void Kill();

  // lircd's own log (-L) and its stdout/stderr, the tail of each.
  std::string LogTail() const;

 private:
  LircdServer() = default;

  std::filesystem::path dir_;
  // The raw code of each key, and what it decodes to ("ServerRoom_AC1 SET_24").
  std::vector<std::pair<std::vector<int>, std::string>> codes_;
  std::unique_ptr<ServerProcess> process_;
};

}  // namespace coolflow::testing
