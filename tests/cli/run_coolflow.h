// Runs the real `coolflow` binary (COOLFLOW_BIN) with arguments and standard input, and
// returns its exit status and what it printed.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace coolflow::testing {

struct CommandRun {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline CommandRun Coolflow(const std::string& args, const std::string& stdin_text) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("coolflow-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "in") << stdin_text;
  const std::string command = std::string(COOLFLOW_BIN) + " " + args + " < " +
                              (dir / "in").string() + " > " + (dir / "out").string() + " 2> " +
                              (dir / "err").string();
  const int raw = std::system(command.c_str());
  CommandRun run;
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.out = Slurp(dir / "out");
  run.err = Slurp(dir / "err");
  std::filesystem::remove_all(dir);
  return run;
}

}  // namespace coolflow::testing
