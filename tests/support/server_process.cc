#include "support/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

#include "fmt/format.h"

extern char** environ;

namespace coolflow::testing {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(20);

std::string ErrnoText(int err) {
  return std::error_code(err, std::generic_category()).message();
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

}  // namespace

Result<std::string> FindProgram(const std::string& program, std::string_view package) {
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) == 0) return program;
    return NotFound(fmt::format("{} is not an executable file", program));
  }
  const char* path = std::getenv("PATH");
  // Daemons live in sbin, which a non-root PATH may lack.
  std::istringstream dirs(std::string(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin") +
                          ":/usr/local/sbin:/usr/sbin:/sbin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return NotFound(fmt::format("{} not found on PATH; install the Debian package {} (./x deps does)",
                              program, package));
}

Result<uint16_t> FreeLoopbackPort(Protocol protocol) {
  const int type = protocol == Protocol::kTcp ? SOCK_STREAM : SOCK_DGRAM;
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return IOError("socket: " + ErrnoText(errno));
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  // The sockaddr casts are what the BSD socket API requires.
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd);
    return IOError("bind 127.0.0.1:0: " + ErrnoText(err));
  }
  ::close(fd);
  return static_cast<uint16_t>(ntohs(addr.sin_port));
}

bool CanConnect(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = Loopback(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

Result<fs::path> MakeTempDir(std::string_view name) {
  std::error_code ec;
  fs::path base = fs::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string pattern = (base / fmt::format("coolflow-{}-XXXXXX", name)).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return IOError(fmt::format("mkdtemp {}: {}", pattern, ErrnoText(errno)));
  }
  return fs::path(pattern);
}

Status WriteFile(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return IOError(fmt::format("cannot write {}", path.string()));
  return Status::Ok();
}

std::string FileTail(const fs::path& path, size_t max_bytes) {
  // Reads only the tail: a log can be long, and only its end explains a failure.
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  const std::streamoff size = in.tellg();
  const std::streamoff from =
      std::max<std::streamoff>(0, size - static_cast<std::streamoff>(max_bytes));
  std::string text(static_cast<size_t>(size - from), '\0');
  in.seekg(from);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

Result<std::unique_ptr<ServerProcess>> ServerProcess::Spawn(const std::vector<std::string>& argv,
                                                            const fs::path& log,
                                                            const Options& options) {
  if (argv.empty()) return InvalidArgument("ServerProcess::Spawn: empty argv");
  const std::string log_path = log.string();
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return IOError(fmt::format("open {}: {}", log_path, ErrnoText(errno)));
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

  // Everything the child needs is built before fork: after it only async-signal-safe calls.
  std::vector<std::string> args = argv;
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const bool dropped =
        std::any_of(options.drop_env_prefixes.begin(), options.drop_env_prefixes.end(),
                    [&](const std::string& prefix) { return entry.starts_with(prefix); });
    if (!dropped) env.emplace_back(entry);
  }
  env.insert(env.end(), options.extra_env.begin(), options.extra_env.end());
  std::vector<char*> cargv = CStrings(args);
  std::vector<char*> cenv = CStrings(env);
  const std::string workdir = options.working_dir ? options.working_dir->string() : "";
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return IOError("fork: " + ErrnoText(err));
  }
  if (pid == 0) {
    // The server must not outlive a test process that dies without running destructors.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    if (!workdir.empty() && ::chdir(workdir.c_str()) != 0) ::_exit(127);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execve(cargv[0], cargv.data(), cenv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  std::unique_ptr<ServerProcess> process(new ServerProcess());  // private constructor
  process->pid_ = pid;
  process->log_ = log;
  return process;
}

ServerProcess::~ServerProcess() {
  Kill();
}

void ServerProcess::Reap(int wstatus) {
  exit_description_ = WIFEXITED(wstatus) ? fmt::format("status {}", WEXITSTATUS(wstatus))
                                         : fmt::format("signal {}", WTERMSIG(wstatus));
  pid_ = -1;
}

void ServerProcess::Signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

bool ServerProcess::Exited() {
  if (pid_ <= 0) return true;
  int wstatus = 0;
  if (::waitpid(pid_, &wstatus, WNOHANG) == pid_) {
    Reap(wstatus);
    return true;
  }
  return false;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int wstatus = 0;
  while (::waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
  }
  Reap(wstatus);
}

std::string ServerProcess::Terminate(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return exit_description_;
  ::kill(pid_, SIGTERM);
  ::kill(pid_, SIGCONT);  // a stopped process acts on SIGTERM only once continued
  const auto deadline = SteadyClock::now() + grace;
  while (SteadyClock::now() < deadline) {
    if (Exited()) return exit_description_;
    std::this_thread::sleep_for(kPollInterval);
  }
  Kill();
  return exit_description_;
}

Status WaitUntil(const std::function<bool()>& ready, std::chrono::milliseconds timeout,
                 ServerProcess& server, std::string_view what) {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    if (server.Exited()) {
      return Unavailable(fmt::format("{} exited during startup ({}); log tail:\n{}", what,
                                     server.exit_description(), server.LogTail()));
    }
    if (ready()) return Status::Ok();
    if (SteadyClock::now() >= deadline) {
      return {StatusCode::kDeadlineExceeded,
              fmt::format("{} was not ready within {} ms; log tail:\n{}", what, timeout.count(),
                          server.LogTail())};
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace coolflow::testing
