// Real peers for the notifier tests, on loopback ports: an SMTP server (aiosmtpd, with
// STARTTLS on a certificate made here by the openssl CLI, and AUTH) and an HTTP server
// (python3's http.server), each a small script beside this file that writes what it
// receives to a folder before it answers.
//
// Thread safety: a sink is used by one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "support/server_process.h"

namespace coolflow::testing {

// What a sink received: the files DIR/NNNN.<extension>, in order.
std::vector<std::string> ReadReceived(const std::filesystem::path& dir, std::string_view extension);

class SmtpSink {
 public:
  // Starts the server with user "coolflow" and a random password (in password_file()).
  static Result<std::unique_ptr<SmtpSink>> Start();

  uint16_t port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& ca_file() const { return cert_; }  // the self-signed cert
  const std::filesystem::path& password_file() const { return password_file_; }
  const std::string& password() const { return password_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::vector<std::string> Messages() const { return ReadReceived(received_, ".eml"); }
  std::vector<std::string> Envelopes() const { return ReadReceived(received_, ".json"); }

 private:
  std::unique_ptr<ServerProcess> process_;
  uint16_t port_ = 0;
  std::filesystem::path dir_, received_, cert_, password_file_;
  std::string password_;
};

class HttpSink {
 public:
  static Result<std::unique_ptr<HttpSink>> Start();

  uint16_t port() const { return port_; }
  std::string url(std::string_view path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  // Every later POST is answered with `status`.
  Status AnswerWith(int status);
  std::vector<std::string> Requests() const { return ReadReceived(received_, ".json"); }
  void Kill() { process_->Kill(); }

 private:
  std::unique_ptr<ServerProcess> process_;
  uint16_t port_ = 0;
  std::filesystem::path dir_, received_;
};

}  // namespace coolflow::testing
