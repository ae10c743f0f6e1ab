#include "cli/cli.h"

#include <cstdio>
#include <iostream>

#include "CLI/CLI.hpp"

namespace coolflow::cli {

int Main(int argc, char** argv) {
  CLI::App app{
      "coolflow keeps a small server room cool for the least energy, and deploys and "
      "operates itself with a workflow engine."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Print help for every subcommand");
  auto* version = app.add_subcommand("version", "Print coolflow's version");
  version->callback([] { std::cout << "coolflow " << COOLFLOW_VERSION << "\n"; });
  AddReadingsCommands(app);
  AddRoomCommands(app);
  AddAgentCommands(app);
  AddStoreCommands(app);
  AddHubCommands(app);
  AddUserCommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {
    // A command that ran and failed: it has said why already.
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return 0;
}

}  // namespace coolflow::cli
