// A real Mosquitto broker for tests: Debian's `mosquitto` started with a generated config on
// a free loopback port in a fresh temporary directory. Variants: users with passwords
// (a password_file made by `mosquitto_passwd -b`, anonymous clients refused), a TLS
// listener (a throwaway CA and a server certificate for IP 127.0.0.1, made by the `openssl`
// command at Start), persistence in the temporary directory.
//
//   auto broker = MosquittoServer::Start();
//   ASSERT_TRUE(broker.ok()) << broker.status().ToString();
//   options.port = (*broker)->port();
//   (*broker)->Stop();               // SIGKILL: clients see the connection drop
//   ASSERT_TRUE((*broker)->Restart().ok());  // the same port and config again
//
// Thread safety: one MosquittoServer is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "support/server_process.h"

namespace coolflow::testing {

class MosquittoServer {
 public:
  struct User {
    std::string name;
    std::string password;
  };

  struct Options {
    // Program to run; a bare name is looked up on PATH (and in /usr/sbin).
    std::string mosquitto = "mosquitto";
    // When non-empty, only these users may connect (no anonymous clients).
    std::vector<User> users;
    // A TLS listener instead of plain TCP; ca_file() is the CA clients must trust.
    bool tls = false;
    // Keep sessions and retained messages in the temporary directory (saved every second,
    // so a Stop loses at most the last second); off: a restart forgets every session,
    // subscription and retained message.
    bool persistence = false;
    // More mosquitto.conf lines ("max_inflight_messages 1000").
    std::vector<std::string> extra_config;
    // How long to wait for the port to accept connections after the process starts.
    std::chrono::milliseconds startup_timeout{10'000};
  };

  // Starts mosquitto and returns once its port accepts TCP connections. Fails with
  // NotFound when mosquitto (or, for users, mosquitto_passwd; for TLS, openssl) is not
  // installed, Unavailable when it keeps exiting at startup, DeadlineExceeded when it does
  // not listen in time; the message carries its log's tail. mosquitto gets SIGKILL if the
  // calling thread exits first: start it from a thread that outlives the MosquittoServer.
  static Result<std::unique_ptr<MosquittoServer>> Start(const Options& options);
  static Result<std::unique_ptr<MosquittoServer>> Start() { return Start(Options{}); }

  // Kills mosquitto, waits for it and removes the temporary directory.
  ~MosquittoServer();

  MosquittoServer(const MosquittoServer&) = delete;
  MosquittoServer& operator=(const MosquittoServer&) = delete;

  uint16_t port() const { return port_; }
  // The temporary directory: mosquitto.conf, mosquitto.log, passwords, certificates.
  const std::filesystem::path& dir() const { return dir_; }
  // With TLS: the CA that signed the server's certificate, and a CA that did not.
  std::filesystem::path ca_file() const { return dir_ / "ca.crt"; }
  std::filesystem::path untrusted_ca_file() const { return dir_ / "untrusted-ca.crt"; }

  bool running() const { return process_ != nullptr; }
  // Kills mosquitto with SIGKILL (clients see their connections reset; no clean shutdown,
  // so with persistence only what was saved survives). No-op when not running.
  void Stop();
  // Stops it if running, then starts it again on the same port with the same config.
  Status Restart();
  // Sends a signal to the running broker (SIGSTOP freezes it, SIGCONT thaws it).
  void Signal(int signal);
  // Waits until the broker process has exited (after Signal(SIGTERM), once it has saved its
  // sessions); false when it still runs after `timeout`.
  bool WaitExited(std::chrono::milliseconds timeout = std::chrono::milliseconds(30'000));

  std::string LogTail() const;

 private:
  MosquittoServer() = default;
  Status Launch();

  Options options_;
  std::string program_;
  std::filesystem::path dir_;
  uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> process_;
};

}  // namespace coolflow::testing
