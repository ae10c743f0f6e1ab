// The only main: every coolflow function is a subcommand of this one executable.
#include "cli/cli.h"

int main(int argc, char** argv) {
  return coolflow::cli::Main(argc, argv);
}
