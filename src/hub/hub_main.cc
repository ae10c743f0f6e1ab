#include "hub/hub_main.h"

#include <signal.h>

#include <iostream>

#include "fmt/format.h"
#include "hub/hub.h"
#include "hub/hub_config.h"
#include "spdlog/spdlog.h"

namespace coolflow::hub {

int RunHub(const HubCommand& command) {
  auto config = LoadHubConfig(command.config);
  if (!config.ok()) {
    std::cerr << "coolflow hub: " << config.status().message() << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  // Block the stop signals in every thread the hub starts; this thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto hub = Hub::Create(*config, SystemClock::Instance());
  if (!hub.ok()) {
    std::cerr << "coolflow hub: " << hub.status().message() << "\n";
    const StatusCode code = hub.status().code();
    return code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound ? 2 : 1;
  }
  if (command.check) {
    std::cout << fmt::format("{}: ok ({} brokers)\n", command.config, (*hub)->brokers().size());
    return 0;
  }
  if (Status s = (*hub)->Start(); !s.ok()) {
    std::cerr << "coolflow hub: " << s.message() << "\n";
    return 1;
  }
  std::cout << fmt::format("coolflow hub {}: running ({} brokers)\n", config->hub,
                           (*hub)->brokers().size())
            << std::flush;
  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("signal {}: stopping", signal);
  (*hub)->Stop();
  return 0;
}

}  // namespace coolflow::hub
