// Group-commit throughput of the WAL on the real file system: appends/s and records per
// fdatasync with 1, 4 and 16 appending threads, kPerBatch, 200-byte records.
//
// Usage: store_wal_bench [DIR] [SECONDS_PER_RUN]   (DIR defaults to /tmp)
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "store/wal/wal.h"

int main(int argc, char** argv) {
  using namespace coolflow::store::wal;
  const std::string base = argc > 1 ? argv[1] : "/tmp";
  const double seconds = argc > 2 ? std::atof(argv[2]) : 3.0;
  constexpr size_t kPayloadSize = 200;
  const std::string payload(kPayloadSize, 'p');
  fmt::print("{:>8} {:>12} {:>14} {:>10}\n", "threads", "appends/s", "records/fsync", "MB/s");
  for (const int threads : {1, 4, 16}) {
    const std::string dir = fmt::format("{}/wal_bench_{}_{}", base, ::getpid(), threads);
    std::filesystem::remove_all(dir);
    auto wal = Wal::Open(dir, WalOptions{}, PosixFileSystem::Instance());
    if (!wal.ok()) {
      fmt::print(stderr, "{}\n", wal.status().ToString());
      return 1;
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> workers;
    const auto start = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        while (!stop.load(std::memory_order_relaxed)) {
          if (!(*wal)->Append(payload).ok()) std::abort();
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& worker : workers)
      worker.join();
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const WalStats stats = (*wal)->stats();
    fmt::print("{:>8} {:>12.0f} {:>14.1f} {:>10.1f}\n", threads,
               static_cast<double>(stats.appends) / elapsed,
               static_cast<double>(stats.appends) / static_cast<double>(stats.syncs),
               static_cast<double>(stats.bytes) / elapsed / 1e6);
    wal->reset();
    std::filesystem::remove_all(dir);
  }
  return 0;
}
