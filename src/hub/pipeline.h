// The hub's pipeline: every input (an MQTT or Kafka message, an HTTP /write body) goes
// decode → validate → de-duplicate by (box, seq) → store (durably) → the sinks (live state,
// alerts, the controller), and only then is its source told it may acknowledge it.
//
//   Pipeline pipeline(options, store, dead_letters, SystemClock::Instance());
//   pipeline.AddSink(&live_state);
//   pipeline.Start();
//   pipeline.Submit({"mqtt", "coolflow/temp", "auto", payload, now}, [](const Status& s,
//                   const InputReport& r) { ... }, /*wait=*/true);
//
// Threads: `decoders` threads decode inputs in parallel, as they arrive; one committing
// thread takes the decoded inputs in the order they were submitted, as many as are ready (up
// to `max_batch_bytes`), and stores their readings with one Store::Append (one fsync), so
// many small messages cost one durable write and decoding overlaps the store's writes.
//
// Errors: a record a decoder refuses, a reading the store refuses and a duplicate go to the
// dead-letter log with the reason and are counted; the other readings of the same input are
// kept. When the store fails (disk full, a failed fsync, InfluxDB away) every input of that
// round is completed with the error and nothing of it reached the sinks or the
// de-duplication window: the source keeps it and retries (the broker redelivers).
//
// Backpressure: at most `max_queue_bytes` of payload wait; Submit with wait blocks until
// there is room (a broker's thread: the broker then holds the messages), without it
// returns ResourceExhausted (HTTP answers 503).
//
// Thread safety: Submit, stats and RenderMetrics may be called from any thread; AddSink only
// before Start. `done` callbacks and the sinks run on the committing thread, one at a time,
// in submission order; they must not call Submit with wait.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/thread_annotations.h"
#include "common/time.h"
#include "hub/dead_letters.h"
#include "hub/dedup.h"
#include "reading/format.h"
#include "reading/reading.h"
#include "store/store.h"

namespace coolflow::hub {

struct Input {
  std::string source;           // "mqtt", "kafka", "http": labels metrics and dead letters
  std::string where;            // the topic, or "POST /write from 127.0.0.1:5123"
  std::string format = "auto";  // a format name (reading/format.h) or "auto" (ChooseFormat)
  std::string payload;
  TimeNs arrival = 0;  // stamps records without a time; 0: the pipeline's clock
  Precision precision = Precision::kNanoseconds;  // line protocol timestamps
};

// What became of one input, for its source (HTTP answers with it).
struct InputReport {
  size_t records = 0;     // records seen
  size_t stored = 0;      // readings stored
  size_t refused = 0;     // records or readings refused (dead letters), duplicates excluded
  size_t duplicates = 0;  // readings already stored before
  std::vector<std::string> errors;  // the first few reasons, "line 3, column 17 ...: why"
};

using Done = std::function<void(const Status& outcome, const InputReport& report)>;

// Gets every reading once it is durable, in store order.
class ReadingSink {
 public:
  virtual ~ReadingSink() = default;
  virtual void Accept(std::span<const reading::Reading> readings, TimeNs now) = 0;
};

struct PipelineOptions {
  uint64_t max_queue_bytes = 256ull << 20;
  uint64_t max_batch_bytes = 4ull << 20;  // payload bytes per round (one store write)
  uint32_t dedup_window = 4096;           // SequenceDedup's
  int decoders = 0;                       // decoding threads; 0: one less than the cores (>= 1)
  reading::ValidationOptions validation;
  size_t max_errors_per_input = 10;  // reasons kept in an InputReport
};

struct PipelineStats {
  uint64_t inputs = 0;
  uint64_t rounds = 0;  // store writes
  uint64_t records = 0;
  uint64_t stored = 0;
  uint64_t refused_records = 0;   // by a decoder or the validator
  uint64_t refused_readings = 0;  // by the store
  uint64_t store_failures = 0;    // rounds the store failed
  uint64_t queue_full = 0;        // Submit without wait refused
  uint64_t duplicates = 0;        // readings dropped as copies
  uint64_t queued_bytes = 0;      // now
  DedupStats dedup;
};

// The format of `payload` named `format`, or for "auto": coolflow JSON when it is a JSON
// object with a "measurement" key, the seed's resource JSON for another JSON object, the
// seed's temp CSV when the topic's last segment is "temp", line protocol otherwise.
// nullptr for an unknown name.
const reading::Format* ChooseFormat(std::string_view format, std::string_view topic,
                                    std::string_view payload);

class Pipeline {
 public:
  Pipeline(PipelineOptions options, store::Store& store, DeadLetterLog& dead_letters,
           const Clock& clock);
  ~Pipeline();  // Stop()
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void AddSink(ReadingSink* sink);
  void Start();
  // Completes what is queued, then ends the thread. Later Submits fail with Unavailable.
  void Stop() COOLFLOW_EXCLUDES(mu_);

  // Queues `input`; `done` runs exactly once, on the pipeline's thread, when the input's
  // readings are durable (Ok) or the store failed (the error). Errors from Submit itself
  // (no `done` follows): Unavailable after Stop, InvalidArgument for an unknown format,
  // ResourceExhausted when the queue is full and `wait` is false.
  Status Submit(Input input, Done done, bool wait) COOLFLOW_EXCLUDES(mu_);

  PipelineStats stats() const COOLFLOW_EXCLUDES(mu_);
  // Prometheus text of the stats.
  std::string RenderMetrics() const;

 private:
  // One submitted input, decoded by a decoder thread, then committed.
  struct Slot {
    Input input;
    const reading::Format* format = nullptr;
    Done done;
    reading::DecodeResult decoded;  // written by its decoder before `ready`
    bool ready = false;             // guarded by mu_
  };
  void Decode();
  void Commit();
  void Process(std::vector<std::shared_ptr<Slot>>& round);

  const PipelineOptions options_;
  store::Store& store_;
  DeadLetterLog& dead_letters_;
  const Clock& clock_;
  std::vector<ReadingSink*> sinks_;

  mutable Mutex mu_;
  std::condition_variable undecoded_cv_;  // undecoded_ not empty, or stopping
  std::condition_variable ready_cv_;      // the oldest slot is ready, or stopping
  std::condition_variable room_;          // the queue has room
  std::deque<std::shared_ptr<Slot>> order_ COOLFLOW_GUARDED_BY(mu_);      // every slot, in order
  std::deque<std::shared_ptr<Slot>> undecoded_ COOLFLOW_GUARDED_BY(mu_);  // for the decoders
  uint64_t queued_bytes_ COOLFLOW_GUARDED_BY(mu_) = 0;
  bool stopping_ COOLFLOW_GUARDED_BY(mu_) = false;
  PipelineStats stats_ COOLFLOW_GUARDED_BY(mu_);
  std::vector<std::thread> decoders_;
  std::thread committer_;

  // The committing thread only.
  SequenceDedup dedup_;
  RoundSequences round_sequences_;
};

}  // namespace coolflow::hub
