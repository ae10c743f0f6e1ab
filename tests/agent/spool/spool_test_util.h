// Helpers shared by the spool tests: a scratch folder per test, messages that say which
// append made them, reading a spool dry, and running code in a child process that dies
// without closing anything (what a crash looks like to the files).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "agent/spool/file_spool.h"
#include "common/clock.h"
#include "fmt/format.h"
#include "support/server_process.h"

namespace coolflow::agent::testing {

inline constexpr TimeNs kTestEpoch = 1'700'000'000 * kNanosPerSecond;

// The message of the `index`-th append of a test: its payload names the index, padded to
// `payload_bytes` so record sizes are known.
inline transport::Message TestMessage(uint64_t index, size_t payload_bytes = 64) {
  std::string payload = fmt::format("reading {};", index);
  payload.resize(std::max(payload.size(), payload_bytes), '.');
  return transport::Message{
      .topic = "coolflow/readings/pi-1", .key = "pi-1", .payload = std::move(payload)};
}

// Every record Next hands out until it has none.
inline std::vector<SpoolRecord> Drain(Spool& spool) {
  std::vector<SpoolRecord> records;
  while (auto record = spool.Next())
    records.push_back(std::move(*record));
  return records;
}

inline std::vector<uint64_t> Ids(const std::vector<SpoolRecord>& records) {
  std::vector<uint64_t> ids;
  for (const auto& record : records)
    ids.push_back(record.id);
  return ids;
}

// first, first + 1, ..., last.
inline std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> ids;
  for (uint64_t id = first; id <= last; ++id)
    ids.push_back(id);
  return ids;
}

// The segment files in `dir`, in name (= id) order.
inline std::vector<std::filesystem::path> SegmentFiles(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".seg") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline uint64_t TotalSegmentBytes(const std::filesystem::path& dir) {
  uint64_t total = 0;
  for (const auto& file : SegmentFiles(dir))
    total += std::filesystem::file_size(file);
  return total;
}

inline std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void WriteAll(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs `body` in a forked child and returns the child's exit code, or -1 when it died
// otherwise. `body` ends the child with Crash(code) (0 = success) while its spool is still
// open, so no destructor runs: the files are left as a killed process leaves them.
inline int RunInChild(const std::function<void()>& body) {
  constexpr int kReturnedInsteadOfCrashing = 99;
  constexpr int kThrew = 98;
  const pid_t pid = ::fork();
  if (pid == 0) {
    try {
      body();
    } catch (...) {
      ::_exit(kThrew);
    }
    ::_exit(kReturnedInsteadOfCrashing);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Ends the process at once with `code`: no destructor, no atexit handler, no flush.
[[noreturn]] inline void Crash(int code) {
  ::_exit(code);
}

// A test with its own spool folder, removed afterwards, and a manual clock.
class SpoolFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = coolflow::testing::MakeTempDir("spool");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = *dir / "spool";
    options_.dir = dir_;
    root_ = *dir;
  }
  void TearDown() override {
    std::error_code error;
    std::filesystem::remove_all(root_, error);
  }

  // Opens the spool with options_, failing the test when it cannot.
  std::unique_ptr<FileSpool> OpenSpool() {
    auto spool = FileSpool::Open(options_, clock_);
    EXPECT_TRUE(spool.ok()) << spool.status().ToString();
    if (!spool.ok()) return nullptr;
    return std::move(*spool);
  }

  // Appends messages first..last (TestMessage indices), failing the test on an error.
  void AppendRange(Spool& spool, uint64_t first, uint64_t last, size_t payload_bytes = 64) {
    for (uint64_t i = first; i <= last; ++i) {
      const Status status = spool.Append(TestMessage(i, payload_bytes));
      ASSERT_TRUE(status.ok()) << "append " << i << ": " << status.ToString();
    }
  }

  std::filesystem::path root_;
  std::filesystem::path dir_;
  SpoolOptions options_;
  ManualClock clock_{kTestEpoch};
};

}  // namespace coolflow::agent::testing
