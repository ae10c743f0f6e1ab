// The coolflow command: every function is a subcommand. The edge agent also has a binary of
// its own, coolflow-agent (coolflow_agent.cc), which `coolflow agent` runs.
#include "cli/cli.h"

int main(int argc, char** argv) {
  return coolflow::cli::Main(argc, argv);
}
