// The child of the WAL crash test: appends records to the WAL in argv[1] from three threads
// with the real POSIX file system and kPerBatch, and after each acknowledged Append writes
// "<seq> <life> <thread> <n>\n" to stdout (a pipe), until it is killed. The payload of each
// record is CrashPayload(life, thread, n), so the parent can check it.
//
// Usage: store_wal_crash_child DIR LIFE
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "store/wal/wal.h"
#include "wal_crash_payload.h"

int main(int argc, char** argv) {
  using namespace coolflow::store::wal;
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DIR LIFE\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const int life = std::atoi(argv[2]);
  WalOptions options;
  options.segment_size = 64 * 1024;  // many segments: the crash lands in rollovers too
  auto wal = Wal::Open(dir, options, PosixFileSystem::Instance());
  if (!wal.ok()) {
    std::fprintf(stderr, "open: %s\n", wal.status().ToString().c_str());
    return 1;
  }
  constexpr int kThreads = 3;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0;; ++n) {
        auto seq = (*wal)->Append(coolflow::store::wal::testing::CrashPayload(life, t, n));
        if (!seq.ok()) {
          std::fprintf(stderr, "append: %s\n", seq.status().ToString().c_str());
          std::_Exit(1);
        }
        // One write(2) per line: a pipe write under PIPE_BUF bytes is atomic.
        const std::string line = fmt::format("{} {} {} {}\n", *seq, life, t, n);
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
