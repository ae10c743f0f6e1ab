#include "sink_servers.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "fmt/format.h"

namespace coolflow::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kLaunchAttempts = 3;
constexpr auto kStartTimeout = 20s;
constexpr auto kToolTimeout = 60s;
constexpr auto kToolPoll = 20ms;

fs::path ScriptDir() {
  return fs::path(COOLFLOW_SOURCE_DIR) / "tests" / "hub" / "alerts";
}

// Debian's python3 (where python3-aiosmtpd lives), even when another python3 is first on
// PATH.
Result<std::string> Python() {
  if (fs::exists("/usr/bin/python3")) return std::string("/usr/bin/python3");
  return FindProgram("python3", "python3");
}

Status RunTool(const std::vector<std::string>& argv, const fs::path& log) {
  auto process = ServerProcess::Spawn(argv, log);
  if (!process.ok()) return process.status();
  const auto deadline = std::chrono::steady_clock::now() + kToolTimeout;
  while (!(*process)->Exited()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      (*process)->Kill();
      return {StatusCode::kDeadlineExceeded, fmt::format("{} did not finish", argv[0])};
    }
    std::this_thread::sleep_for(kToolPoll);
  }
  if ((*process)->exit_description() != "status 0") {
    return Internal(fmt::format("{} failed ({}): {}", fmt::join(argv, " "),
                                (*process)->exit_description(), FileTail(log)));
  }
  return Status::Ok();
}

std::string RandomPassword() {
  std::random_device rd;
  return fmt::format("pw-{:08x}{:08x}", rd(), rd());
}

// Spawns `argv` + "--port N" on a free port until the port accepts connections.
Result<std::unique_ptr<ServerProcess>> Launch(std::vector<std::string> argv, const fs::path& log,
                                              std::string_view what, uint16_t& port) {
  Status last = Internal("not started");
  for (int attempt = 0; attempt < kLaunchAttempts; ++attempt) {
    auto free_port = FreeLoopbackPort();
    if (!free_port.ok()) return free_port.status();
    std::vector<std::string> args = argv;
    args.push_back("--port");
    args.push_back(std::to_string(*free_port));
    auto process = ServerProcess::Spawn(args, log);
    if (!process.ok()) return process.status();
    last = WaitUntil([&] { return CanConnect(*free_port); }, kStartTimeout, **process,
                     fmt::format("{} on port {}", what, *free_port));
    if (last.ok()) {
      port = *free_port;
      return std::move(*process);
    }
    (*process)->Kill();
  }
  return last;
}

}  // namespace

std::vector<std::string> ReadReceived(const fs::path& dir, std::string_view extension) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == extension) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    out.push_back(text.str());
  }
  return out;
}

Result<std::unique_ptr<SmtpSink>> SmtpSink::Start() {
  auto sink = std::make_unique<SmtpSink>();
  auto dir = MakeTempDir("smtp-sink");
  if (!dir.ok()) return dir.status();
  sink->dir_ = *dir;
  sink->received_ = *dir / "received";
  fs::create_directories(sink->received_);
  auto openssl = FindProgram("openssl", "openssl");
  if (!openssl.ok()) return openssl.status();
  sink->cert_ = *dir / "server.crt";
  const fs::path key = *dir / "server.key";
  if (Status s = RunTool(
          {*openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
           "-nodes", "-keyout", key.string(), "-out", sink->cert_.string(), "-subj",
           "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "7"},
          *dir / "openssl.log");
      !s.ok()) {
    return s;
  }
  sink->password_ = RandomPassword();
  sink->password_file_ = *dir / "smtp.pass";
  if (Status s = WriteFile(sink->password_file_, sink->password_ + "\n"); !s.ok()) return s;
  auto python = Python();
  if (!python.ok()) return python.status();
  auto process =
      Launch({*python, (ScriptDir() / "smtp_sink.py").string(), "--dir", sink->received_.string(),
              "--cert", sink->cert_.string(), "--key", key.string(), "--user", "coolflow",
              "--password-file", sink->password_file_.string()},
             *dir / "smtp.log", "aiosmtpd", sink->port_);
  if (!process.ok()) return process.status();
  sink->process_ = std::move(*process);
  return sink;
}

Result<std::unique_ptr<HttpSink>> HttpSink::Start() {
  auto sink = std::make_unique<HttpSink>();
  auto dir = MakeTempDir("http-sink");
  if (!dir.ok()) return dir.status();
  sink->dir_ = *dir;
  sink->received_ = *dir / "received";
  fs::create_directories(sink->received_);
  auto python = Python();
  if (!python.ok()) return python.status();
  auto process =
      Launch({*python, (ScriptDir() / "http_sink.py").string(), "--dir", sink->received_.string()},
             *dir / "http.log", "http sink", sink->port_);
  if (!process.ok()) return process.status();
  sink->process_ = std::move(*process);
  return sink;
}

Status HttpSink::AnswerWith(int status) {
  return WriteFile(received_ / "status", std::to_string(status));
}

}  // namespace coolflow::testing
