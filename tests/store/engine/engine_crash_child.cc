// The child of the engine crash test: appends batches to the engine in argv[1] from two
// threads on the real file system (fsync per batch, a small memtable so flushes and
// compactions run all the time), and after each acknowledged Append writes
// "<life> <thread> <n>\n" to stdout (a pipe), until it is killed. Batch (life, thread, n) holds
// CrashPoints(life, thread, n), so the parent can check every point.
//
// Usage: store_engine_crash_child DIR LIFE
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "engine_crash_points.h"
#include "fmt/format.h"
#include "store/engine/engine.h"

int main(int argc, char** argv) {
  using namespace coolflow::store::engine;
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DIR LIFE\n", argv[0]);
    return 2;
  }
  const int life = std::atoi(argv[2]);
  EngineOptions options;
  options.memtable_points = 3'000;
  options.compaction_trigger = 2;
  options.partition = coolflow::kNanosPerHour;
  auto engine = Engine::Open(argv[1], options);
  if (!engine.ok()) {
    std::fprintf(stderr, "open: %s\n", engine.status().ToString().c_str());
    return 1;
  }
  constexpr int kThreads = 2;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0;; ++n) {
        const auto batch = testing::CrashPoints(life, t, n);
        auto result = (*engine)->Append(batch);
        if (!result.ok() || result->stored != batch.size()) {
          std::fprintf(stderr, "append: %s\n",
                       result.ok() ? "refused" : result.status().ToString().c_str());
          std::_Exit(1);
        }
        const std::string line = fmt::format("{} {} {}\n", life, t, n);
        if (::write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          std::_Exit(1);
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  return 0;
}
