// `coolflow agent --config agent.yaml`: the edge agent (docs/agent.md). Runs until SIGINT or
// SIGTERM, then stops cleanly: inputs stop, what is in flight gets a moment to be
// acknowledged, the spool is synced. `--check` only reads the config and builds everything.
#include <signal.h>

#include <iostream>
#include <memory>

#include "CLI/CLI.hpp"
#include "agent/agent_builder.h"
#include "agent/agent_config.h"
#include "cli/cli.h"
#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace coolflow::cli {
namespace {

struct AgentOptions {
  std::string config;
  bool check = false;
};

int RunAgent(const AgentOptions& o) {
  auto config = agent::LoadAgentConfig(o.config);
  if (!config.ok()) {
    std::cerr << "coolflow agent: " << config.status().message() << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  // Block the stop signals in every thread the agent starts; this thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto built = agent::BuildAgent(*config, SystemClock::Instance());
  if (!built.ok()) {
    std::cerr << "coolflow agent: " << built.status().message() << "\n";
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
  agent::Agent& agent = **built;
  if (Status s = agent.Start(); !s.ok()) {
    std::cerr << "coolflow agent: " << s.message() << "\n";
    return 1;
  }
  if (agent.metrics_port() != 0) {
    std::cout << fmt::format("coolflow agent {}: metrics at http://{}:{}/metrics\n", config->box,
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

void AddAgentCommands(CLI::App& app) {
  auto options = std::make_shared<AgentOptions>();
  auto* agent = app.add_subcommand(
      "agent",
      "The edge agent: read sensors, SNMP and the simulated room, deliver through MQTT or "
      "Kafka with a disk spool, and act on AC and fan commands");
  agent->add_option("--config", options->config, "Agent config file (see docs/agent.md)")
      ->required();
  agent->add_flag("--check", options->check,
                  "Read the config and build every input and device, then exit");
  agent->callback([options] {
    const int code = RunAgent(*options);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace coolflow::cli
