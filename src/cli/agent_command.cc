// `coolflow agent ...`: runs the edge agent's own binary, coolflow-agent, found beside this
// one (apps/). The agent is a binary of its own so that it stays small (no JSON parser, no
// shared C++ runtime; docs/agent.md, "Footprint"); this command keeps `coolflow agent`
// working as the one way in. Everything after `agent` goes to it as it is.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/cli.h"

namespace coolflow::cli {
namespace {

constexpr const char* kAgentBinary = "coolflow-agent";
// What the agent calls itself in its messages when run this way.
constexpr const char* kAgentName = "coolflow agent";

// Replaces this process with coolflow-agent; returns only if that failed.
int ExecAgent(const std::vector<std::string>& args) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    std::cerr << kAgentName << ": cannot find this program's folder: " << ec.message() << "\n";
    return 1;
  }
  const std::string agent = (self.parent_path() / kAgentBinary).string();
  std::vector<char*> argv;
  std::string name = kAgentName;
  argv.push_back(name.data());
  std::vector<std::string> copies = args;
  for (std::string& a : copies)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(agent.c_str(), argv.data());
  std::cerr << kAgentName << ": cannot run " << agent << ": " << std::strerror(errno)
            << " (it is built beside coolflow)\n";
  return 1;
}

}  // namespace

void AddAgentCommands(CLI::App& app) {
  auto* agent = app.add_subcommand(
      "agent",
      "The edge agent (coolflow-agent): read sensors, SNMP and the simulated room, deliver "
      "through MQTT or Kafka with a disk spool, and act on AC and fan commands. "
      "`coolflow agent --help` lists its options");
  // Everything after `agent`, --help included, is the agent's to parse.
  agent->prefix_command();
  agent->set_help_flag();
  agent->callback([agent] {
    const int code = ExecAgent(agent->remaining());
    throw CLI::RuntimeError(code);
  });
}

}  // namespace coolflow::cli
