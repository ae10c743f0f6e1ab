// The pipeline over the real embedded engine (on the fault-injection file system, so a full
// disk can be staged): formats, refusals to the dead-letter log, de-duplication, group
// commit, and a store failure that loses nothing.
#include "hub/pipeline.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "store/engine/engine.h"
#include "store/wal/fault_injection_file_system.h"
#include "support/server_process.h"

namespace coolflow::hub {
namespace {

using store::engine::Engine;
using store::engine::EngineOptions;
using store::wal::FaultInjectionFileSystem;

constexpr TimeNs kNow = 1'764'000'000LL * kNanosPerSecond;

std::string JsonReading(const std::string& box, uint64_t seq, double value, TimeNs time = kNow) {
  return fmt::format(
      R"({{"box":"{}","measurement":"temp","metric":"temperature","value":{},"unit":"Cel","time":{},"seq":{},"tags":{{"rack":"r01"}}}})",
      box, value, time, seq);
}

class RecordingSink final : public ReadingSink {
 public:
  void Accept(std::span<const reading::Reading> readings, TimeNs) override {
    std::lock_guard lock(mu_);
    readings_.insert(readings_.end(), readings.begin(), readings.end());
  }
  std::vector<reading::Reading> readings() {
    std::lock_guard lock(mu_);
    return readings_;
  }

 private:
  std::mutex mu_;
  std::vector<reading::Reading> readings_;
};

struct Outcome {
  Status status;
  InputReport report;
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs_.CreateDir("/db").ok());
    EngineOptions options;
    options.fs = &fs_;
    options.background = false;
    auto engine = Engine::Open("/db", options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    auto dir = coolflow::testing::MakeTempDir("hub-pipeline");
    ASSERT_TRUE(dir.ok());
    dir_ = *dir;
    dead_ = std::make_unique<DeadLetterLog>(DeadLetterOptions{(dir_ / "dead.jsonl").string()});
  }
  void TearDown() override {
    pipeline_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Pipeline& MakePipeline(PipelineOptions options = {}) {
    pipeline_ = std::make_unique<Pipeline>(options, *engine_, *dead_, clock_);
    pipeline_->AddSink(&sink_);
    return *pipeline_;
  }

  // Submits and returns a future of its outcome.
  std::future<Outcome> Submit(const std::string& topic, std::string payload,
                              std::string format = "auto") {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    const Status s = pipeline_->Submit(
        Input{"mqtt", topic, std::move(format), std::move(payload), 0},
        [promise](const Status& status, const InputReport& report) {
          promise->set_value({status, report});
        },
        /*wait=*/true);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return future;
  }

  std::vector<store::Point> Temperatures(const std::string& box) {
    auto result = engine_->Range({"temp", "temperature", {{"box", box}}}, 0, kNow + kNanosPerDay);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::vector<store::Point> points;
    if (result.ok()) {
      for (const auto& series : *result)
        points.insert(points.end(), series.points.begin(), series.points.end());
    }
    return points;
  }

  FaultInjectionFileSystem fs_;
  std::unique_ptr<Engine> engine_;
  std::filesystem::path dir_;
  std::unique_ptr<DeadLetterLog> dead_;
  ManualClock clock_{kNow};
  RecordingSink sink_;
  std::unique_ptr<Pipeline> pipeline_;
};

TEST(ChooseFormatTest, SniffsTheFormatOfAutoInputs) {
  EXPECT_EQ(ChooseFormat("auto", "coolflow/temp", R"( {"box":"a","measurement":"temp"})")->name,
            "json");
  EXPECT_EQ(ChooseFormat("auto", "coolflow/resource", R"({"ip":"10.0.0.1","cpu":0.5})")->name,
            "resource-json");
  EXPECT_EQ(ChooseFormat("auto", "coolflow/temp", "0,pi-1,41.0,23.5")->name, "temp-csv");
  EXPECT_EQ(ChooseFormat("auto", "coolflow.temp", "0,pi-1,41.0,23.5")->name, "temp-csv");
  EXPECT_EQ(ChooseFormat("auto", "POST /write", "temp,box=a t=1")->name, "line-protocol");
  EXPECT_EQ(ChooseFormat("line-protocol", "coolflow/temp", "{")->name, "line-protocol");
  EXPECT_EQ(ChooseFormat("yaml", "x", ""), nullptr);
}

TEST_F(PipelineTest, StoresGoodReadingsAndDeadLettersTheRestWithTheReason) {
  MakePipeline().Start();
  const std::string payload =
      JsonReading("pi-1", 1, 23.5) + "\n" + JsonReading("pi-1", 2, 91.2, kNow + kNanosPerSecond) +
      "\n" + JsonReading("pi-1", 3, 23.7, kNow + 2 * kNanosPerSecond) + "\n" + "{not json\n";
  const Outcome outcome = Submit("coolflow/temp", payload).get();
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(outcome.report.records, 4u);
  EXPECT_EQ(outcome.report.stored, 2u);
  EXPECT_EQ(outcome.report.refused, 2u);
  ASSERT_EQ(outcome.report.errors.size(), 2u);
  EXPECT_NE(outcome.report.errors[0].find("91.2"), std::string::npos) << outcome.report.errors[0];
  EXPECT_NE(outcome.report.errors[0].find("line 2"), std::string::npos) << outcome.report.errors[0];
  EXPECT_NE(outcome.report.errors[1].find("line 4"), std::string::npos) << outcome.report.errors[1];

  EXPECT_EQ(Temperatures("pi-1"),
            (std::vector<store::Point>{{kNow, 23.5}, {kNow + 2 * kNanosPerSecond, 23.7}}));
  EXPECT_EQ(sink_.readings().size(), 2u);

  dead_->Flush();
  std::ifstream in(dir_ / "dead.jsonl");
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["source"], "mqtt");
  EXPECT_EQ(lines[0]["where"], "coolflow/temp");
  EXPECT_EQ(lines[0]["item"], "temperature");
  EXPECT_NE(lines[0]["record"].get<std::string>().find("91.2"), std::string::npos);
  EXPECT_EQ(lines[1]["record"], "{not json");
  EXPECT_EQ(dead_->total(), 2u);
  const std::string metrics = dead_->RenderMetrics();
  EXPECT_NE(
      metrics.find("coolflow_hub_dead_letters_total{source=\"mqtt\",reason=\"temperature\"} 1"),
      std::string::npos)
      << metrics;
}

TEST_F(PipelineTest, StoresACopyOnceWhetherItComesLaterOrInTheSameRound) {
  Pipeline& pipeline = MakePipeline();
  const std::string message =
      JsonReading("pi-1", 7, 22.0) + "\n" + JsonReading("pi-1", 8, 22.1, kNow + kNanosPerSecond);
  // Two inputs queued before the threads start: one round or two, as the decoders finish;
  // either way each reading is stored once.
  auto first = Submit("coolflow/temp", message);
  auto copy = Submit("coolflow/temp", message);
  pipeline.Start();
  const Outcome a = first.get();
  const Outcome b = copy.get();
  EXPECT_EQ(a.report.stored, 2u) << "the first input's readings are stored";
  EXPECT_EQ(b.report.duplicates, 2u);
  // The same reading twice in one input (a spool replay glued to a new message).
  const Outcome doubled =
      Submit("coolflow/temp", JsonReading("pi-1", 9, 22.2, kNow + 2 * kNanosPerSecond) + "\n" +
                                  JsonReading("pi-1", 9, 22.2))
          .get();
  EXPECT_EQ(doubled.report.stored, 1u);
  EXPECT_EQ(doubled.report.duplicates, 1u);
  // A redelivery in a later round.
  const Outcome later = Submit("coolflow/temp", message).get();
  EXPECT_EQ(later.report.stored, 0u);
  EXPECT_EQ(later.report.duplicates, 2u);
  EXPECT_EQ(Temperatures("pi-1").size(), 3u);
  EXPECT_EQ(sink_.readings().size(), 3u) << "the sinks see each reading once";
  EXPECT_EQ(pipeline.stats().duplicates, 5u);
}

TEST_F(PipelineTest, AStoreFailureFailsTheRoundAndTheRetryIsStored) {
  MakePipeline().Start();
  fs_.FailNext(FaultInjectionFileSystem::Op::kWrite, ENOSPC);
  const std::string message = JsonReading("pi-2", 1, 21.0);
  const Outcome failed = Submit("coolflow/temp", message).get();
  EXPECT_EQ(failed.status.code(), StatusCode::kResourceExhausted) << failed.status.ToString();
  EXPECT_TRUE(sink_.readings().empty());
  // The broker redelivers: not a duplicate, since nothing of it was stored.
  const Outcome retried = Submit("coolflow/temp", message).get();
  ASSERT_TRUE(retried.status.ok()) << retried.status.ToString();
  EXPECT_EQ(retried.report.stored, 1u);
  EXPECT_EQ(retried.report.duplicates, 0u);
  EXPECT_EQ(Temperatures("pi-2"), (std::vector<store::Point>{{kNow, 21.0}}));
  EXPECT_EQ(pipeline_->stats().store_failures, 1u);
}

TEST_F(PipelineTest, ReadingsTheStoreRefusesAreDeadLetteredAndTheRestOfTheRoundIsStored) {
  Pipeline& pipeline = MakePipeline();
  // A string value passes the decoder (the metric is not in the catalog) but the embedded
  // store keeps no strings: it refuses that reading alone.
  const auto state = [](uint64_t seq, const std::string& value) {
    return fmt::format(
        R"({{"box":"pi-4","measurement":"temp","metric":"state","value":{},"time":{},"seq":{}}})",
        value, kNow + static_cast<TimeNs>(seq) * kNanosPerSecond, seq);
  };
  // Queued before the threads start, so most likely one round of both inputs; the outcome
  // is the same in two.
  auto first =
      Submit("coolflow/temp", state(1, "1") + "\n" + state(2, R"("warm")") + "\n" + state(3, "3"));
  auto second = Submit("coolflow/temp", state(4, "4"));
  pipeline.Start();
  const Outcome a = first.get();
  const Outcome b = second.get();
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(a.report.stored, 2u);
  EXPECT_EQ(a.report.refused, 1u);
  ASSERT_EQ(a.report.errors.size(), 1u);
  EXPECT_NE(a.report.errors[0].find("string values are not stored"), std::string::npos)
      << a.report.errors[0];
  EXPECT_EQ(b.report.stored, 1u);
  EXPECT_EQ(b.report.refused, 0u);
  // The sinks get the stored readings, in order, and nothing refused.
  std::vector<uint64_t> seqs;
  for (const reading::Reading& r : sink_.readings())
    seqs.push_back(r.seq);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 3, 4}));
  EXPECT_EQ(pipeline.stats().refused_readings, 1u);
  EXPECT_EQ(dead_->total(), 1u);
  // A refused reading did not enter the de-duplication window: its corrected copy is stored.
  const Outcome corrected = Submit("coolflow/temp", state(2, "2")).get();
  EXPECT_EQ(corrected.report.stored, 1u);
  EXPECT_EQ(corrected.report.duplicates, 0u);
}

TEST_F(PipelineTest, AFullQueueRefusesWithoutWaitingAndTakesAnOversizedInputAlone) {
  PipelineOptions options;
  options.max_queue_bytes = 100;
  Pipeline& pipeline = MakePipeline(options);
  const std::string big = JsonReading("pi-3", 1, 20.0);  // > 100 bytes
  ASSERT_GT(big.size(), 100u);
  bool done = false;
  EXPECT_TRUE(pipeline
                  .Submit(
                      {"http", "POST /write", "auto", big, 0},
                      [&](const Status&, const InputReport&) { done = true; }, false)
                  .ok())
      << "an input larger than the queue is let in when the queue is empty";
  const Status full = pipeline.Submit(
      {"http", "POST /write", "auto", "temp,box=a t=1", 0},
      [](const Status&, const InputReport&) {}, false);
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted) << full.ToString();
  EXPECT_EQ(pipeline.stats().queue_full, 1u);
  pipeline.Start();
  pipeline.Stop();
  EXPECT_TRUE(done) << "Stop completes what was queued";
  EXPECT_EQ(pipeline.Submit({"http", "x", "auto", "", 0}, nullptr, true).code(),
            StatusCode::kUnavailable);
}

TEST_F(PipelineTest, LineProtocolAndTheSeedsFormatsReachTheStore) {
  MakePipeline().Start();
  const Outcome lp = Submit("POST /write",
                            fmt::format("temp,box=pi-9,rack=r09 temperature=24.5 {}\n"
                                        "temp,box=pi-9,rack=r09 temperature= {}\n",
                                        kNow, kNow),
                            "line-protocol")
                         .get();
  EXPECT_EQ(lp.report.stored, 1u);
  EXPECT_EQ(lp.report.refused, 1u);
  const Outcome csv = Submit("coolflow/temp", "0,pi-8,41.0,23.5").get();
  EXPECT_EQ(csv.report.stored, 2u) << (csv.report.errors.empty() ? "" : csv.report.errors[0]);
  EXPECT_EQ(Temperatures("pi-9"), (std::vector<store::Point>{{kNow, 24.5}}));
  EXPECT_EQ(Temperatures("pi-8").size(), 1u);
  const std::string metrics = pipeline_->RenderMetrics();
  EXPECT_NE(metrics.find("coolflow_hub_readings_stored_total 3"), std::string::npos) << metrics;
}

}  // namespace
}  // namespace coolflow::hub
