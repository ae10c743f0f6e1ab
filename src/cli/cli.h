// The `coolflow` command line. Each module adds its subcommands here; apps/coolflow.cc
// only calls Main.
#pragma once

#include <iosfwd>

namespace CLI {
class App;
}

namespace coolflow::cli {

// Runs the command line and returns the process exit status: 0 success, 1 the command ran
// and found problems (rejected records), 2 bad usage or configuration.
int Main(int argc, char** argv);

// Registers `coolflow readings ...`.
void AddReadingsCommands(CLI::App& app);
// Registers `coolflow room ...`.
void AddRoomCommands(CLI::App& app);
// Registers `coolflow agent`.
void AddAgentCommands(CLI::App& app);
// Registers `coolflow store ...`.
void AddStoreCommands(CLI::App& app);
// Registers `coolflow hub`.
void AddHubCommands(CLI::App& app);
// Registers `coolflow user ...`.
void AddUserCommands(CLI::App& app);

}  // namespace coolflow::cli
