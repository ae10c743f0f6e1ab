// hub_bench: readings per second through the hub's pipeline (decode, validate, de-duplicate,
// durable store write, the sinks), for 10,000 simulated boxes x 16 series, on this machine's
// cores; docs/benchmarks.md "Hub".
//
//   hub_bench [--seconds 10] [--boxes 10000]
//
// Part 1, in process: line-protocol bodies of 5,000 lines (16 fields a line: one box's 16
// series) and coolflow JSON messages (one box's 16 readings a message, as the agent sends
// them) submitted to the pipeline as fast as it takes them, over the embedded engine with an
// fsync per store write (the default).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <iostream>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "hub/dead_letters.h"
#include "hub/pipeline.h"
#include "store/engine/engine.h"

namespace coolflow::hub {
namespace {

using Seconds = std::chrono::duration<double>;

constexpr int kSeries = 16;
constexpr int kLinesPerBody = 5'000;
constexpr TimeNs kStart = 1'764'000'000LL * kNanosPerSecond;
constexpr TimeNs kInterval = 10 * kNanosPerSecond;

struct Args {
  double seconds = 10;
  int boxes = 10'000;
};

// A value of series s of box b at tick t: a decimal that moves like a sensor.
double Value(int b, int s, int t) {
  const int base = 200 + (b * 7 + s * 13) % 300;
  return (base + (t * (s + 1) + b) % 7 - 3) / 10.0;
}

std::string BoxId(int b) {
  return fmt::format("pi-{:05d}", b);
}

// Line protocol: one line per box and tick, 16 fields.
std::vector<std::string> LineProtocolBodies(const Args& args, int ticks) {
  std::vector<std::string> bodies;
  std::string body;
  int lines = 0;
  for (int t = 0; t < ticks; ++t) {
    for (int b = 0; b < args.boxes; ++b) {
      body += fmt::format("node,box={},rack=r{:03d} ", BoxId(b), b / 10);
      for (int s = 0; s < kSeries; ++s)
        body += fmt::format("{}m{}={}", s == 0 ? "" : ",", s, Value(b, s, t));
      body += fmt::format(" {}\n", kStart + t * kInterval);
      if (++lines == kLinesPerBody) {
        bodies.push_back(std::move(body));
        body.clear();
        lines = 0;
      }
    }
  }
  if (!body.empty()) bodies.push_back(std::move(body));
  return bodies;
}

// coolflow JSON: one message per box and tick, one line per reading, numbered.
std::vector<std::string> JsonMessages(const Args& args, int ticks) {
  std::vector<std::string> messages;
  messages.reserve(static_cast<size_t>(ticks) * static_cast<size_t>(args.boxes));
  for (int t = 0; t < ticks; ++t) {
    for (int b = 0; b < args.boxes; ++b) {
      std::string m;
      for (int s = 0; s < kSeries; ++s) {
        m += fmt::format(
            R"({{"box":"{}","measurement":"node","metric":"m{}","value":{},"time":{},"seq":{},"tags":{{"rack":"r{:03d}"}}}})"
            "\n",
            BoxId(b), s, Value(b, s, t), kStart + t * kInterval, t * kSeries + s + 1, b / 10);
      }
      messages.push_back(std::move(m));
    }
  }
  return messages;
}

class CountingSink final : public ReadingSink {
 public:
  void Accept(std::span<const reading::Reading> readings, TimeNs) override {
    count_ += readings.size();
  }
  uint64_t count() const { return count_.load(); }

 private:
  std::atomic<uint64_t> count_{0};
};

struct Result {
  uint64_t readings = 0;
  double seconds = 0;
  uint64_t rounds = 0;
};

// Submits `inputs` to a fresh pipeline over a fresh engine; returns readings/s.
Result RunPipeline(const std::vector<std::string>& inputs, const std::string& format,
                   const std::string& source) {
  const std::string dir = fmt::format("/tmp/coolflow-hub-bench-{}-{}", ::getpid(), source);
  std::filesystem::remove_all(dir);
  auto engine = store::engine::Engine::Open(dir);
  if (!engine.ok()) {
    std::cerr << engine.status().ToString() << "\n";
    std::exit(1);
  }
  DeadLetterLog dead({});
  PipelineOptions options;
  options.validation.max_future = 1000 * kNanosPerDay;  // the input's clock is its own
  ManualClock clock(kStart);
  Pipeline pipeline(options, **engine, dead, clock);
  CountingSink sink;
  pipeline.AddSink(&sink);
  pipeline.Start();
  std::promise<void> all_done;
  std::atomic<size_t> left{inputs.size()};
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& input : inputs) {
    const Status s = pipeline.Submit(
        Input{source, source, format, input, kStart},
        [&](const Status& outcome, const InputReport&) {
          if (!outcome.ok()) std::cerr << outcome.ToString() << "\n";
          if (--left == 0) all_done.set_value();
        },
        /*wait=*/true);
    if (!s.ok()) std::cerr << s.ToString() << "\n";
  }
  all_done.get_future().wait();
  const double seconds = Seconds(std::chrono::steady_clock::now() - start).count();
  Result result{sink.count(), seconds, pipeline.stats().rounds};
  pipeline.Stop();
  (void)(*engine)->Close();
  std::filesystem::remove_all(dir);
  return result;
}

int Main(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seconds")
      args.seconds = std::stod(argv[i + 1]);
    else if (flag == "--boxes")
      args.boxes = std::stoi(argv[i + 1]);
  }
  const unsigned cores = std::thread::hardware_concurrency();
  std::cout << fmt::format("hub pipeline: {} boxes x {} series, {} cores\n", args.boxes, kSeries,
                           cores);
  // Sized for about `seconds` at the targets (1 M/s line protocol, 300 k/s JSON).
  const int lp_ticks = std::max(1, static_cast<int>(args.seconds * 1e6 / (args.boxes * kSeries)));
  const int json_ticks = std::max(1, static_cast<int>(args.seconds * 3e5 / (args.boxes * kSeries)));
  const auto lp = LineProtocolBodies(args, lp_ticks);
  const auto json = JsonMessages(args, json_ticks);
  const Result lp_result = RunPipeline(lp, "line-protocol", "http");
  const Result json_result = RunPipeline(json, "json", "mqtt");
  std::cout << "\n| input | readings | seconds | readings/s | store writes | target |\n"
               "|---|---:|---:|---:|---:|---|\n";
  std::cout << fmt::format(
      "| line protocol, 5,000-line bodies | {} | {:.2f} | {:.0f} k | {} | >= 1 M/s |\n",
      lp_result.readings, lp_result.seconds,
      static_cast<double>(lp_result.readings) / lp_result.seconds / 1e3, lp_result.rounds);
  std::cout << fmt::format(
      "| coolflow JSON, one message per box | {} | {:.2f} | {:.0f} k | {} | >= 300 k/s |\n",
      json_result.readings, json_result.seconds,
      static_cast<double>(json_result.readings) / json_result.seconds / 1e3, json_result.rounds);
  return 0;
}

}  // namespace
}  // namespace coolflow::hub

int main(int argc, char** argv) {
  return coolflow::hub::Main(argc, argv);
}
