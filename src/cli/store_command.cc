// `coolflow store check DIR [--repair]`: what src/store/engine/check.h does, from the command
// line. Exit status 0 when the store is sound (or was repaired whole), 1 when problems are
// left, 2 for bad usage or a directory that cannot be read.
#include <iostream>
#include <memory>

#include "CLI/CLI.hpp"
#include "cli/cli.h"
#include "store/engine/check.h"

namespace coolflow::cli {
namespace {

struct StoreCheckOptions {
  std::string dir;
  bool repair = false;
};

int RunStoreCheck(const StoreCheckOptions& o) {
  auto report = store::engine::CheckStore(o.dir, o.repair, store::wal::PosixFileSystem::Instance());
  if (!report.ok()) {
    std::cerr << "coolflow: store check " << o.dir << ": " << report.status().message() << "\n";
    return 2;
  }
  std::cout << store::engine::FormatCheckReport(*report);
  return report->clean() ? 0 : 1;
}

}  // namespace

void AddStoreCommands(CLI::App& app) {
  auto* store = app.add_subcommand("store", "The embedded time-series store");
  store->require_subcommand(1);
  auto options = std::make_shared<StoreCheckOptions>();
  auto* check = store->add_subcommand(
      "check",
      "Check every file of a stopped store (WAL, blocks, series snapshot); with --repair, "
      "truncate torn WAL tails, salvage the intact chunks of damaged blocks (the damaged files "
      "move to DIR/damaged/) and remove leftovers of interrupted writes");
  check->add_option("dir", options->dir, "The store's directory")->required();
  check->add_flag("--repair", options->repair, "Repair what can be repaired without losing data");
  check->callback([options] {
    const int code = RunStoreCheck(*options);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace coolflow::cli
