// The coolflow side of store_bench, over the embedded engine. See coolflow_side.h.
//
// Thread safety: the ingest child's threads share the engine (thread-safe by contract), an
// atomic batch counter, and the first error and the totals under `mutex`.
#include "coolflow_side.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench_input.h"
#include "common/thread_annotations.h"
#include "fmt/format.h"
#include "influxd_process.h"
#include "nlohmann/json.hpp"
#include "store/engine/engine.h"

namespace coolflow::bench {
namespace {

namespace fs = std::filesystem;
using store::engine::Engine;
using store::engine::EngineOptions;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
// The crash child's memtable holds this many times the points it is asked for, so nothing
// is flushed before the kill and Open replays everything from the WAL.
constexpr uint64_t kCrashMemtableFactor = 3;
constexpr int kCrashThreads = 2;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A child process running this binary with `args`, its stdout a pipe read here.
class Child {
 public:
  static Result<Child> Spawn(const std::vector<std::string>& args) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return IOError(fmt::format("pipe: {}", std::strerror(errno)));
    const pid_t pid = ::fork();
    if (pid < 0) return IOError(fmt::format("fork: {}", std::strerror(errno)));
    if (pid == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      std::vector<char*> argv;
      std::string self = "/proc/self/exe";
      argv.push_back(self.data());
      std::vector<std::string> copy = args;
      for (std::string& a : copy)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(self.c_str(), argv.data());
      std::_Exit(127);
    }
    ::close(fds[1]);
    Child child;
    child.pid_ = pid;
    child.out_ = ::fdopen(fds[0], "r");
    return child;
  }
  Child() = default;
  Child(Child&& other) noexcept : pid_(other.pid_), out_(other.out_) {
    other.pid_ = -1;
    other.out_ = nullptr;
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      Wait();
    }
    if (out_ != nullptr) std::fclose(out_);
  }

  // The next line of its output without the newline; false at its end.
  bool ReadLine(std::string& line) {
    line.clear();
    int c = 0;
    while ((c = std::fgetc(out_)) != EOF && c != '\n')
      line += static_cast<char>(c);
    return c != EOF || !line.empty();
  }
  void Kill() { ::kill(pid_, SIGKILL); }
  // Waits for it; "exit 0", "signal 9".
  std::string Wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    if (WIFSIGNALED(status)) return fmt::format("signal {}", WTERMSIG(status));
    return fmt::format("exit {}", WEXITSTATUS(status));
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

int ChildIngest(const fs::path& input_file, const fs::path& dir, int threads) {
  auto input = ReadInputSummary(input_file);
  if (!input.ok()) {
    fmt::print(stderr, "store_bench child: {}\n", input.status().ToString());
    return kExitFailed;
  }
  BatchFeeder feeder(*input);
  auto engine = Engine::Open(dir.string());
  if (!feeder.status().ok() || !engine.ok()) {
    fmt::print(stderr, "store_bench child: {}\n",
               (feeder.status().ok() ? engine.status() : feeder.status()).ToString());
    return kExitFailed;
  }
  Mutex mutex;
  Status first_error;
  uint64_t stored = 0;
  uint64_t refused = 0;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      std::string batch;
      uint64_t my_stored = 0;
      uint64_t my_refused = 0;
      Status error;
      while (error.ok()) {
        auto more = feeder.Next(batch);
        if (!more.ok()) error = more.status();
        if (!more.ok() || !*more) break;
        auto result = (*engine)->AppendLineProtocol(batch, Precision::kNanoseconds, 0);
        if (!result.ok()) {
          error = result.status();
          break;
        }
        my_stored += result->stored;
        my_refused += result->refused.size();
        if (!result->refused.empty() && error.ok() && my_refused == result->refused.size()) {
          fmt::print(stderr, "store_bench child: refused line {}: {}\n", result->refused[0].index,
                     result->refused[0].why);
        }
      }
      MutexLock lock(mutex);
      stored += my_stored;
      refused += my_refused;
      if (first_error.ok()) first_error = error;
    });
  }
  for (std::thread& w : workers)
    w.join();
  const double ingest_s = SecondsSince(start);
  const uint64_t peak_rss_kb = PeakRssKb(::getpid());
  {
    MutexLock lock(mutex);
    if (!first_error.ok()) {
      fmt::print(stderr, "store_bench child: append: {}\n", first_error.ToString());
      return kExitFailed;
    }
  }
  const auto compact_start = std::chrono::steady_clock::now();
  if (Status s = (*engine)->Compact(); !s.ok()) {
    fmt::print(stderr, "store_bench child: Compact: {}\n", s.ToString());
    return kExitFailed;
  }
  const double compact_s = SecondsSince(compact_start);
  if (Status s = (*engine)->Close(); !s.ok()) {
    fmt::print(stderr, "store_bench child: Close: {}\n", s.ToString());
    return kExitFailed;
  }
  engine->reset();
  MutexLock lock(mutex);
  const nlohmann::json report = {{"points", stored},
                                 {"refused", refused},
                                 {"ingest_s", ingest_s},
                                 {"compact_s", compact_s},
                                 {"peak_rss_kb", peak_rss_kb},
                                 {"bytes", DirectoryBytes(dir)},
                                 {"apparent_bytes", DirectoryApparentBytes(dir)},
                                 {"wal_bytes", DirectoryBytes(dir / "wal")}};
  fmt::print("{}\n", report.dump());
  std::fflush(stdout);
  return kExitOk;
}

int ChildCrash(const fs::path& input_file, const fs::path& dir, uint64_t target) {
  auto input = ReadInputSummary(input_file);
  if (!input.ok()) {
    fmt::print(stderr, "store_bench child: {}\n", input.status().ToString());
    return kExitFailed;
  }
  BatchFeeder feeder(*input);
  EngineOptions options;
  options.memtable_points = static_cast<size_t>(target * kCrashMemtableFactor);
  options.background = false;
  auto engine = Engine::Open(dir.string(), options);
  if (!feeder.status().ok() || !engine.ok()) {
    fmt::print(stderr, "store_bench child: {}\n",
               (feeder.status().ok() ? engine.status() : feeder.status()).ToString());
    return kExitFailed;
  }
  Mutex mutex;
  uint64_t acked = 0;
  std::vector<std::thread> workers;
  for (int t = 0; t < kCrashThreads; ++t) {
    workers.emplace_back([&] {
      std::string batch;
      while (true) {
        auto more = feeder.Next(batch);
        if (!more.ok() || !*more) return;
        auto result = (*engine)->AppendLineProtocol(batch, Precision::kNanoseconds, 0);
        if (!result.ok()) {
          fmt::print(stderr, "store_bench child: append: {}\n", result.status().ToString());
          return;
        }
        MutexLock lock(mutex);
        acked += result->stored;
        // Written before anything else can be: the parent trusts only what it has read.
        fmt::print("acked {}\n", acked);
        if (acked >= target && acked - result->stored < target) fmt::print("target\n");
        std::fflush(stdout);
      }
    });
  }
  for (std::thread& w : workers)
    w.join();
  // The input ran out before the kill: wait for it.
  fmt::print("end\n");
  std::fflush(stdout);
  while (true)
    ::pause();
}

class CoolflowContender final : public Contender {
 public:
  explicit CoolflowContender(std::unique_ptr<Engine> engine) : engine_(std::move(engine)) {}
  ~CoolflowContender() override {
    if (Status s = engine_->Close(); !s.ok()) fmt::print(stderr, "close: {}\n", s.ToString());
  }

  Status LastAll(const std::vector<std::string>& measurements, Answer* answer) override {
    for (const std::string& m : measurements) {
      auto result = engine_->Last(store::Selector{m, "", {}});
      if (!result.ok()) return result.status().WithContext(fmt::format("Last({})", m));
      if (answer == nullptr) continue;
      for (const store::SeriesPoints& s : *result) {
        for (const store::Point& p : s.points)
          (*answer)[s.series.ToString()].emplace_back(0, ValueAsDouble(p.value));
      }
    }
    return Status::Ok();
  }

  Status SeriesMean(const SeriesSpec& series, TimeNs from, TimeNs to, TimeNs step,
                    Answer* answer) override {
    store::AggregateQuery q;
    q.selector.measurement = series.measurement;
    q.selector.field = series.field;
    for (const auto& [k, v] : series.tags)
      q.selector.tags.push_back({k, v});
    return Aggregate(q, from, to, step, answer);
  }

  Status FieldMean(const std::string& measurement, const std::string& field, TimeNs from, TimeNs to,
                   TimeNs step, Answer* answer) override {
    store::AggregateQuery q;
    q.selector.measurement = measurement;
    q.selector.field = field;
    return Aggregate(q, from, to, step, answer);
  }

 private:
  static double ValueAsDouble(const store::Value& v) {
    return std::visit([](auto x) { return static_cast<double>(x); }, v);
  }

  Status Aggregate(store::AggregateQuery& q, TimeNs from, TimeNs to, TimeNs step, Answer* answer) {
    q.from = from;
    q.to = to;
    q.step = step;
    q.function = store::AggregateFunction::kMean;
    auto result = engine_->Aggregate(q);
    if (!result.ok()) return result.status().WithContext("Aggregate");
    if (answer == nullptr) return Status::Ok();
    for (const store::GroupBuckets& g : *result) {
      if (!g.series)
        return Internal("Aggregate without group_by returned a group without its series");
      auto& out = (*answer)[g.series->ToString()];
      for (const store::Bucket& b : g.buckets)
        out.emplace_back(b.start, b.value);
    }
    return Status::Ok();
  }

  std::unique_ptr<Engine> engine_;
};

}  // namespace

Result<CoolflowIngest> RunCoolflowIngest(const fs::path& input, const fs::path& dir, int threads) {
  auto child =
      Child::Spawn({"--child-ingest", input.string(), dir.string(), std::to_string(threads)});
  if (!child.ok()) return child.status();
  std::string line;
  std::string last;
  while (child->ReadLine(line))
    last = line;
  const std::string how = child->Wait();
  if (how != "exit 0") {
    return Internal(fmt::format("the coolflow ingest child ended with {} (its stderr above)", how));
  }
  const nlohmann::json json = nlohmann::json::parse(last, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return Internal(fmt::format("the coolflow ingest child's report is not JSON: {:?}", last));
  }
  CoolflowIngest out;
  try {
    out.points = json.at("points").get<uint64_t>();
    out.refused = json.at("refused").get<uint64_t>();
    out.ingest_seconds = json.at("ingest_s").get<double>();
    out.compact_seconds = json.at("compact_s").get<double>();
    out.peak_rss_kb = json.at("peak_rss_kb").get<uint64_t>();
    out.bytes = json.at("bytes").get<uint64_t>();
    out.wal_bytes = json.at("wal_bytes").get<uint64_t>();
    out.apparent_bytes = json.at("apparent_bytes").get<uint64_t>();
  } catch (const nlohmann::json::exception& e) {
    return Internal(fmt::format("the coolflow ingest child's report {:?}: {}", last, e.what()));
  }
  return out;
}

Result<CoolflowReplay> RunCoolflowReplay(const fs::path& input, const fs::path& dir,
                                         uint64_t points) {
  CoolflowReplay out;
  {
    auto child =
        Child::Spawn({"--child-crash", input.string(), dir.string(), std::to_string(points)});
    if (!child.ok()) return child.status();
    std::string line;
    bool killed = false;
    while (child->ReadLine(line)) {
      if (line.starts_with("acked ")) out.acked_points = std::stoull(line.substr(6));
      if (!killed && (line == "target" || line == "end")) {
        child->Kill();
        killed = true;
      }
    }
    const std::string how = child->Wait();
    if (how != "signal 9") {
      return Internal(
          fmt::format("the crash child ended with {}, not SIGKILL (its stderr above)", how));
    }
  }
  if (out.acked_points < points) {
    return Internal(
        fmt::format("the crash child acknowledged only {} of {} points", out.acked_points, points));
  }
  EngineOptions options;
  options.memtable_points = static_cast<size_t>(points * kCrashMemtableFactor);
  options.background = false;
  const auto start = std::chrono::steady_clock::now();
  auto engine = Engine::Open(dir.string(), options);
  out.open_seconds = SecondsSince(start);
  if (!engine.ok()) return engine.status().WithContext("reopening after SIGKILL");
  const store::engine::EngineStats stats = (*engine)->stats();
  out.replayed_points = stats.replayed_points;
  out.replayed_records = stats.replayed_records;
  out.replay_seconds = stats.replay_seconds;
  if (Status s = (*engine)->Close(); !s.ok()) return s.WithContext("closing after replay");
  if (out.replayed_points < out.acked_points) {
    return Internal(fmt::format("WAL replay found {} points, but {} were acknowledged",
                                out.replayed_points, out.acked_points));
  }
  return out;
}

Result<std::unique_ptr<Contender>> OpenCoolflow(const fs::path& dir) {
  auto engine = Engine::Open(dir.string());
  if (!engine.ok()) return engine.status();
  return std::unique_ptr<Contender>(std::make_unique<CoolflowContender>(std::move(*engine)));
}

int CoolflowChildMain(int argc, char** argv) {
  if (argc < 2) return -1;
  const std::string mode = argv[1];
  if (mode != "--child-ingest" && mode != "--child-crash") return -1;
  if (argc != 5) {
    fmt::print(stderr, "usage: store_bench {} INPUT DIR N\n", mode);
    return kExitUsage;
  }
  const uint64_t n = std::stoull(argv[4]);
  if (mode == "--child-ingest") return ChildIngest(argv[2], argv[3], static_cast<int>(n));
  return ChildCrash(argv[2], argv[3], n);
}

}  // namespace coolflow::bench
