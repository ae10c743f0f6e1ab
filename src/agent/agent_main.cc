#include "agent/agent_main.h"

#include <malloc.h>
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "agent/agent_builder.h"
#include "agent/agent_config.h"
#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace coolflow::agent {
namespace {

struct Options {
  std::string config;
  bool check = false;
  bool help = false;
};

constexpr const char* kUsage =
    "Usage: {0} --config FILE [--check]\n"
    "\n"
    "The coolflow edge agent: reads sensors, SNMP and the simulated room, delivers through\n"
    "MQTT or Kafka with a disk spool, and acts on AC and fan commands (docs/agent.md).\n"
    "\n"
    "Options:\n"
    "  --config FILE   the agent's config file (docs/agent.md)\n"
    "  --check         read the config and build every input and device, then exit\n"
    "  -h, --help      print this help and exit\n";

// Two options do not need a parser library: the agent stays small (docs/agent.md,
// "Footprint"). Returns "" or why the command line is wrong.
std::string ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      o.help = true;
    } else if (arg == "--check") {
      o.check = true;
    } else if (arg == "--config") {
      if (i + 1 == argc) return "--config needs a file";
      o.config = argv[++i];
    } else if (arg.starts_with("--config=")) {
      o.config = arg.substr(std::string_view("--config=").size());
    } else {
      return fmt::format("unknown argument {}", arg);
    }
  }
  if (!o.help && o.config.empty()) return "--config is required";
  return "";
}

int Run(const std::string& program, const Options& o) {
  auto config = LoadAgentConfig(o.config);
  if (!config.ok()) {
    std::cerr << program << ": " << config.status().message() << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  // Block the stop signals in every thread the agent starts; this thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto built = BuildAgent(*config, SystemClock::Instance());
  if (!built.ok()) {
    std::cerr << program << ": " << built.status().message() << "\n";
    return built.status().code() == StatusCode::kInvalidArgument ||
                   built.status().code() == StatusCode::kNotFound
               ? 2
               : 1;
  }
  if (o.check) {
    std::cout << fmt::format("{}: ok ({} inputs, {} devices)\n", o.config, config->inputs.size(),
                             config->devices.size());
    return 0;
  }
  Agent& agent = **built;
  if (Status s = agent.Start(); !s.ok()) {
    std::cerr << program << ": " << s.message() << "\n";
    return 1;
  }
  if (agent.metrics_port() != 0) {
    std::cout << fmt::format("{} {}: metrics at http://{}:{}/metrics\n", program, config->box,
                             config->metrics.host, agent.metrics_port())
              << std::flush;
  }
  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("signal {}: stopping", signal);
  agent.Stop();
  return 0;
}

}  // namespace

int AgentMain(int argc, char** argv) {
  // The agent's threads allocate little and rarely: one malloc arena for all of them
  // instead of one per thread keeps its memory small on a Raspberry Pi.
  mallopt(M_ARENA_MAX, 1);

  const std::string program =
      argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "coolflow-agent";
  Options options;
  if (const std::string error = ParseArgs(argc, argv, options); !error.empty()) {
    std::cerr << program << ": " << error << "\n" << fmt::format(kUsage, program);
    return 2;
  }
  if (options.help) {
    std::cout << fmt::format(kUsage, program);
    return 0;
  }
  return Run(program, options);
}

}  // namespace coolflow::agent
