// The store benchmark's input: the simulated room's readings as line protocol, written once
// to a file and read back batch by batch by every contender (docs/benchmarks.md).
//
// The file holds one field per line, times in ns, in time order: each time step writes every
// series of every rack, so a batch of consecutive lines holds consecutive steps of all series.
//   temp,box=pi-r001,rack=r001 temperature=23.4 1748822460000000000
//   temp,box=pi-r001,rack=r001 humidity=44.9 1748822460000000000
//   rack,box=pdu-r001,rack=r001 power=1432 ...      (and fan=3660)
//   resource,box=srv-r001,ip=10.0.0.1,rack=r001 cpu=41.3 ...
//                                  (and load1=1.87, memory=..i, rx=..i, tx=..i, disk=37,
//                                  uptime=..i)
// Eleven series per rack; a DHT22 read that fails (2 %) leaves its two lines out.
// Beside it, `<file>.batches` lists the byte offset where each batch of `batch_lines` lines
// starts (one decimal per line, the file size last) and `<file>.json` what was generated,
// so a second run with the same parameters reuses the file.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace coolflow::bench {

inline constexpr int kSeriesPerRack = 11;

struct InputOptions {
  std::string scenario;  // the room (bench/store/room-100-racks.yaml)
  double days = 32;      // simulated duration
  size_t racks = 0;      // keep only the first N racks; 0: all of them
  size_t batch_lines = 5'000;
};

// What the file holds.
struct InputSummary {
  std::filesystem::path file;
  uint64_t points = 0;
  uint64_t series = 0;
  uint64_t racks = 0;
  uint64_t bytes = 0;
  TimeNs first_time = 0;
  TimeNs last_time = 0;
  std::vector<uint64_t> batch_offsets;  // batches + 1 entries; the last is the file size
  size_t batches() const { return batch_offsets.empty() ? 0 : batch_offsets.size() - 1; }
};

// Generates the input into `dir` (deterministic: the scenario's seed), or reuses what an
// earlier run with equal options left there.
Result<InputSummary> PrepareInput(const InputOptions& options, const std::filesystem::path& dir);

// Reads the summary written beside `file`.
Result<InputSummary> ReadInputSummary(const std::filesystem::path& file);

// Reads batch `index` of the input into `out` with one pread.
Status ReadBatch(int fd, const InputSummary& input, size_t index, std::string& out);

// Hands the input's batches out to threads, in order, each read into the caller's buffer.
// Thread-safe.
class BatchFeeder {
 public:
  explicit BatchFeeder(const InputSummary& input);
  ~BatchFeeder();
  BatchFeeder(const BatchFeeder&) = delete;
  BatchFeeder& operator=(const BatchFeeder&) = delete;
  // Ok, or why the file could not be opened.
  const Status& status() const { return status_; }
  // The next batch into `out`; false when none is left.
  Result<bool> Next(std::string& out);

 private:
  const InputSummary& input_;
  int fd_ = -1;
  Status status_;
  std::atomic<size_t> next_{0};
};

// Rack number `rack` (1-based) as the input names it, and its sensor box.
std::string RackId(size_t rack);     // "r042"
std::string SensorBox(size_t rack);  // "pi-r042"

}  // namespace coolflow::bench
