// `coolflow hub ...`: the hub (docs/hub.md).
#include "CLI/CLI.hpp"
#include "cli/cli.h"
#include "hub/hub_main.h"

namespace coolflow::cli {

void AddHubCommands(CLI::App& app) {
  auto command = std::make_shared<hub::HubCommand>();
  auto* sub = app.add_subcommand(
      "hub",
      "The hub: ingest from MQTT, Kafka and HTTP /write, validate, de-duplicate and store every "
      "reading, keep the live state, raise alerts and drive the cooling (docs/hub.md)");
  sub->add_option("--config", command->config, "the hub's config file (docs/hub.md)")->required();
  sub->add_flag("--check", command->check,
                "read the config, open the store and build everything, then exit");
  sub->callback([command] {
    const int code = hub::RunHub(*command);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace coolflow::cli
