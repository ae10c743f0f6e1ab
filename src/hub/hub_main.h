// `coolflow hub --config hub.yaml [--check]` (docs/hub.md): runs the hub until SIGINT or
// SIGTERM, then stops cleanly (brokers first, then the pipeline completes what it holds and
// the store closes).
#pragma once

#include <string>

namespace coolflow::hub {

struct HubCommand {
  std::string config;  // the config file
  bool check = false;  // read the config, open the store, build everything, then exit
};

// Returns the exit status: 0 success, 1 the hub could not run, 2 a bad config.
int RunHub(const HubCommand& command);

}  // namespace coolflow::hub
