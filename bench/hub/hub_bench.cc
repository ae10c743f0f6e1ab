// hub_bench: readings per second through the hub's pipeline (decode, validate, de-duplicate,
// durable store write, the sinks), for 10,000 simulated boxes x 16 series, on this machine's
// cores; docs/benchmarks.md "Hub".
//
//   hub_bench [--seconds 10] [--boxes 10000] [--connections 1,2,4]
//             [--only pipeline|line-protocol|json|mqtt]
//
// Part 1, in process: line-protocol bodies of 5,000 lines (16 fields a line: one box's 16
// series) and coolflow JSON messages (one box's 16 readings a message, as the agent sends
// them) submitted to the pipeline as fast as it takes them, over the embedded engine with an
// fsync per store write (the default).
//
// Part 2, over a real Mosquitto on loopback: the same JSON messages published at QoS 1 by two
// clients, first to a bare subscriber that only counts them (Mosquitto's own delivery rate),
// then to the hub's MQTT ingest, which acknowledges each message once its readings are
// durable. Then the hub at half that rate: the time from publish to the readings reaching
// the sinks (the live state), p50 / p99. Both for each number of hub connections in
// `--connections` (several share the subscription: BrokerIngest).
//
// Allocations: the bench replaces operator new with one that counts, so the in-process rows
// also give the heap allocations per reading of the whole pipeline (C++ allocations only;
// the bench's own copy of each input is among them). Under `valgrind --tool=callgrind`,
// `--only pipeline` with few readings gives repeatable instruction counts.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <mutex>
#include <new>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "hub/broker_ingest.h"
#include "hub/dead_letters.h"
#include "hub/pipeline.h"
#include "store/engine/engine.h"
#include "support/mosquitto_server.h"
#include "transport/mqtt/mqtt_transport.h"

// Heap allocations by operator new since the start (relaxed: only totals are read).
std::atomic<uint64_t> g_allocations{0};

void* CountedAllocation(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* operator new(std::size_t size) {
  return CountedAllocation(size);
}
void* operator new[](std::size_t size) {
  return CountedAllocation(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

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
  std::vector<int> connections = {1, 2, 4};  // the hub's MQTT connections, one run each
  // "pipeline" (both in-process runs), "line-protocol" or "json" (one of them), "mqtt";
  // empty: everything.
  std::string only;
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

struct PipelineRun {
  uint64_t readings = 0;
  double seconds = 0;
  uint64_t rounds = 0;
  uint64_t allocations = 0;  // operator new calls from the first Submit to the last done
};

// Submits `inputs` to a fresh pipeline over a fresh engine; returns readings/s.
PipelineRun RunPipeline(const std::vector<std::string>& inputs, const std::string& format,
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
  const uint64_t allocations_before = g_allocations.load();
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
  const uint64_t allocations = g_allocations.load() - allocations_before;
  PipelineRun result{sink.count(), seconds, pipeline.stats().rounds, allocations};
  pipeline.Stop();
  (void)(*engine)->Close();
  std::filesystem::remove_all(dir);
  return result;
}

using Clock = std::chrono::steady_clock;

// Publishes messages[first..end) (stepping by `stride`) at QoS 1 from one client, keeping its
// window full; `rate` > 0 paces it (messages per second, this client's share).
void Publish(const coolflow::testing::MosquittoServer& broker, const std::string& id,
             const std::vector<std::string>& messages, size_t first, size_t stride, double rate,
             std::vector<Clock::time_point>* published) {
  transport::MqttOptions options;
  options.port = broker.port();
  options.client_id = id;
  options.clean_session = true;
  options.max_inflight = 1'000;
  auto made = transport::MakeMqttTransport(options);
  std::atomic<uint64_t> acked{0};
  transport::Callbacks callbacks;
  callbacks.delivered = [&](uint64_t, const Status&) { ++acked; };
  (void)(*made)->Start(callbacks);
  while (!(*made)->connected())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto start = Clock::now();
  uint64_t sent = 0;
  for (size_t i = first; i < messages.size(); i += stride) {
    if (rate > 0) {
      const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                   Seconds(static_cast<double>(sent) / rate));
      std::this_thread::sleep_until(due);
    }
    if (published != nullptr) (*published)[i] = Clock::now();
    while (!(*made)->Publish({"coolflow/node", "", messages[i]}, i).ok())
      std::this_thread::yield();
    ++sent;
  }
  while (acked.load() < sent)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  (*made)->Close(1'000);
}

struct MqttResult {
  double messages_per_second = 0;
  double readings_per_second = 0;
};

// Mosquitto alone: two publishers, one subscriber that counts.
MqttResult MosquittoAlone(const coolflow::testing::MosquittoServer& broker,
                          const std::vector<std::string>& messages) {
  std::atomic<uint64_t> received{0};
  transport::MqttOptions options;
  options.port = broker.port();
  options.client_id = "bench-counter";
  options.clean_session = true;
  auto made = transport::MakeMqttTransport(options);
  transport::Callbacks callbacks;
  callbacks.delivered = [](uint64_t, const Status&) {};
  callbacks.received = [&](const transport::Message&) { ++received; };
  (void)(*made)->Start(callbacks);
  (void)(*made)->Subscribe("coolflow/#");
  while (!(*made)->connected())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the SUBSCRIBE lands
  const auto start = Clock::now();
  std::thread a([&] { Publish(broker, "bench-pub-a", messages, 0, 2, 0, nullptr); });
  std::thread b([&] { Publish(broker, "bench-pub-b", messages, 1, 2, 0, nullptr); });
  while (received.load() < messages.size())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const double seconds = Seconds(Clock::now() - start).count();
  a.join();
  b.join();
  (*made)->Close(1'000);
  const double n = static_cast<double>(messages.size());
  return {n / seconds, n * kSeries / seconds};
}

// The engine, timing each store write (decoded readings to durable: the WAL append and its
// fsync, the memtable): the part of the latency the fsync sets.
class TimedStore final : public store::Store {
 public:
  explicit TimedStore(store::Store& store) : store_(store) {}
  Result<store::AppendResult> Append(std::span<const reading::Reading> batch) override {
    const auto start = Clock::now();
    auto result = store_.Append(batch);
    std::lock_guard lock(mu_);
    append_ms_.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    return result;
  }
  Result<std::vector<store::SeriesPoints>> Last(const store::Selector& selector) override {
    return store_.Last(selector);
  }
  Result<std::vector<store::SeriesPoints>> Range(const store::Selector& selector, TimeNs from,
                                                 TimeNs to) override {
    return store_.Range(selector, from, to);
  }
  Result<std::vector<store::GroupBuckets>> Aggregate(const store::AggregateQuery& query) override {
    return store_.Aggregate(query);
  }
  // The `q` quantile (0..1) of the store writes' durations, in ms.
  double AppendQuantileMs(double q) {
    std::lock_guard lock(mu_);
    if (append_ms_.empty()) return 0;
    std::vector<double> sorted = append_ms_;
    std::sort(sorted.begin(), sorted.end());
    return sorted[std::min(sorted.size() - 1,
                           static_cast<size_t>(q * static_cast<double>(sorted.size())))];
  }

 private:
  store::Store& store_;
  std::mutex mu_;
  std::vector<double> append_ms_;
};

// Records when each message's first reading reaches the sinks.
class ArrivalSink final : public ReadingSink {
 public:
  ArrivalSink(size_t messages, int boxes) : arrived_(messages), boxes_(boxes) {}
  void Accept(std::span<const reading::Reading> readings, TimeNs) override {
    const auto now = Clock::now();
    for (const reading::Reading& r : readings) {
      ++count_;
      if (r.seq % kSeries != 1) continue;
      const size_t tick = (r.seq - 1) / kSeries;
      const size_t box = std::stoul(r.box.substr(3));
      const size_t i = tick * static_cast<size_t>(boxes_) + box;
      if (i < arrived_.size()) arrived_[i] = now;
    }
  }
  uint64_t count() const { return count_.load(); }
  const std::vector<Clock::time_point>& arrived() const { return arrived_; }

 private:
  std::vector<Clock::time_point> arrived_;
  int boxes_;
  std::atomic<uint64_t> count_{0};
};

struct HubMqttResult {
  MqttResult throughput;
  double p50_ms = 0, p99_ms = 0, rate = 0;
  double append_p50_ms = 0, append_p99_ms = 0;  // store writes
  double messages_per_settle = 0;               // per acknowledged read pass of one connection
  double messages_per_write = 0;                // per store write (one fsync)
};

// The hub's MQTT ingest over the engine; with `rate` 0 as fast as it goes, else paced, with
// latencies.
HubMqttResult HubOverMqtt(const coolflow::testing::MosquittoServer& broker,
                          const std::vector<std::string>& messages, int boxes, int connections,
                          double rate, const std::string& name) {
  const std::string dir = fmt::format("/tmp/coolflow-hub-bench-{}-{}", ::getpid(), name);
  std::filesystem::remove_all(dir);
  auto engine = store::engine::Engine::Open(dir);
  DeadLetterLog dead({});
  PipelineOptions pipeline_options;
  pipeline_options.validation.max_future = 1000 * kNanosPerDay;
  TimedStore timed(**engine);
  Pipeline pipeline(pipeline_options, timed, dead, SystemClock::Instance());
  ArrivalSink sink(messages.size(), boxes);
  pipeline.AddSink(&sink);
  pipeline.Start();
  std::vector<std::unique_ptr<transport::Transport>> transports;
  for (int i = 0; i < connections; ++i) {
    transport::MqttOptions options;
    options.port = broker.port();
    options.client_id = fmt::format("bench-hub-{}-{}", name, i + 1);
    options.clean_session = true;
    options.max_inflight = 1'000;
    auto made = transport::MakeMqttTransport(options);
    transports.push_back(std::move(*made));
  }
  BrokerIngestOptions ingest_options;
  ingest_options.share_group = "bench-hub-" + name;
  BrokerIngest ingest(ingest_options, std::move(transports), pipeline, dead, {},
                      SystemClock::Instance());
  (void)ingest.Start();
  while (!ingest.connected())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::vector<Clock::time_point> published(messages.size());
  const auto start = Clock::now();
  std::thread a([&] { Publish(broker, "bench-pub-a", messages, 0, 2, rate / 2, &published); });
  std::thread b([&] { Publish(broker, "bench-pub-b", messages, 1, 2, rate / 2, &published); });
  const uint64_t want = messages.size() * kSeries;
  while (sink.count() < want)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const double seconds = Seconds(Clock::now() - start).count();
  a.join();
  b.join();
  const double settles = static_cast<double>(std::max<uint64_t>(1, ingest.settles()));
  const double writes = static_cast<double>(std::max<uint64_t>(1, pipeline.stats().rounds));
  ingest.Stop();
  pipeline.Stop();
  (void)(*engine)->Close();
  std::filesystem::remove_all(dir);
  HubMqttResult result;
  const double n = static_cast<double>(messages.size());
  result.throughput = {n / seconds, n * kSeries / seconds};
  result.rate = rate;
  result.messages_per_settle = n / settles;
  result.messages_per_write = n / writes;
  result.append_p50_ms = timed.AppendQuantileMs(0.5);
  result.append_p99_ms = timed.AppendQuantileMs(0.99);
  std::vector<double> latencies;
  for (size_t i = 0; i < messages.size(); ++i)
    latencies.push_back(
        std::chrono::duration<double, std::milli>(sink.arrived()[i] - published[i]).count());
  std::sort(latencies.begin(), latencies.end());
  result.p50_ms = latencies[latencies.size() / 2];
  result.p99_ms = latencies[latencies.size() * 99 / 100];
  return result;
}

std::vector<int> ParseCounts(const std::string& list) {
  std::vector<int> counts;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ','))
    counts.push_back(std::max(1, std::stoi(item)));
  return counts;
}

void PrintPipelineRow(std::string_view input, const PipelineRun& r, std::string_view target) {
  const double readings = static_cast<double>(std::max<uint64_t>(1, r.readings));
  std::cout << fmt::format("| {} | {} | {:.2f} | {:.0f} k | {} | {:.2f} | {} |\n", input,
                           r.readings, r.seconds, static_cast<double>(r.readings) / r.seconds / 1e3,
                           r.rounds, static_cast<double>(r.allocations) / readings, target);
}

int Main(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seconds")
      args.seconds = std::stod(argv[i + 1]);
    else if (flag == "--boxes")
      args.boxes = std::stoi(argv[i + 1]);
    else if (flag == "--connections")
      args.connections = ParseCounts(argv[i + 1]);
    else if (flag == "--only")
      args.only = argv[i + 1];
  }
  const unsigned cores = std::thread::hardware_concurrency();
  std::cout << fmt::format("hub pipeline: {} boxes x {} series, {} cores\n", args.boxes, kSeries,
                           cores);
  // Sized for about `seconds` at the targets (1 M/s line protocol, 300 k/s JSON).
  const int lp_ticks = std::max(1, static_cast<int>(args.seconds * 1e6 / (args.boxes * kSeries)));
  const int json_ticks = std::max(1, static_cast<int>(args.seconds * 3e5 / (args.boxes * kSeries)));
  const auto json = JsonMessages(args, json_ticks);
  const bool all = args.only.empty();
  const bool pipeline = all || args.only == "pipeline";
  if (pipeline || args.only == "line-protocol" || args.only == "json") {
    std::cout << "\n| input | readings | seconds | readings/s | store writes | allocations per "
                 "reading | target |\n|---|---:|---:|---:|---:|---:|---|\n";
  }
  if (pipeline || args.only == "line-protocol") {
    const PipelineRun lp_result =
        RunPipeline(LineProtocolBodies(args, lp_ticks), "line-protocol", "http");
    PrintPipelineRow("line protocol, 5,000-line bodies", lp_result, ">= 1 M/s");
  }
  if (pipeline || args.only == "json") {
    const PipelineRun json_result = RunPipeline(json, "json", "mqtt");
    PrintPipelineRow("coolflow JSON, one message per box", json_result, ">= 300 k/s");
  }
  if (!all && args.only != "mqtt") return 0;

  coolflow::testing::MosquittoServer::Options broker_options;
  // The hub's session: a window of 1,000 messages, and no queue limit (Mosquitto drops QoS 1
  // messages past max_queued_messages, 1,000 by default: docs/hub.md).
  broker_options.extra_config = {"max_inflight_messages 1000", "max_queued_messages 0"};
  auto broker = coolflow::testing::MosquittoServer::Start(broker_options);
  if (!broker.ok()) {
    std::cerr << broker.status().ToString() << "\n";
    return 1;
  }
  const MqttResult alone = MosquittoAlone(**broker, json);
  std::cout << fmt::format(
      "\nMQTT (QoS 1, Mosquitto on loopback, 2 publishers, {} messages of {} readings):\n\n"
      "| path | messages/s | readings/s | ratio to Mosquitto | messages per settle / store write | "
      "publish to live p50 / p99 at half that rate | store write p50 / p99 then | target |\n"
      "|---|---:|---:|---:|---:|---|---|---|\n",
      json.size(), kSeries);
  std::cout << fmt::format(
      "| Mosquitto alone (a subscriber that counts) | {:.0f} | {:.0f} k | 1.00 | | | | |\n",
      alone.messages_per_second, alone.readings_per_second / 1e3);
  for (const int connections : args.connections) {
    const HubMqttResult hub =
        HubOverMqtt(**broker, json, args.boxes, connections, 0, fmt::format("fast{}", connections));
    const HubMqttResult paced =
        HubOverMqtt(**broker, json, args.boxes, connections, hub.throughput.messages_per_second / 2,
                    fmt::format("paced{}", connections));
    std::cout << fmt::format(
        "| hub, {} connection{}: store durably, live state, then PUBACK | {:.0f} | {:.0f} k | "
        "{:.2f} | {:.0f} / {:.0f} | {:.2f} / {:.2f} ms at {:.0f} messages/s | {:.2f} / {:.2f} ms "
        "| >= 300 k/s, p99 <= 5 ms |\n",
        connections, connections == 1 ? "" : "s", hub.throughput.messages_per_second,
        hub.throughput.readings_per_second / 1e3,
        hub.throughput.messages_per_second / alone.messages_per_second, hub.messages_per_settle,
        hub.messages_per_write, paced.p50_ms, paced.p99_ms, paced.rate, paced.append_p50_ms,
        paced.append_p99_ms);
  }
  return 0;
}

}  // namespace
}  // namespace coolflow::hub

int main(int argc, char** argv) {
  return coolflow::hub::Main(argc, argv);
}
