#include "hub/pipeline.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace coolflow::hub {
namespace {

constexpr size_t kSniffBytes = 512;

// The text of the record that starts at or before `offset`: its line, clipped later.
std::string_view RecordAt(std::string_view payload, size_t offset) {
  offset = std::min(offset, payload.size());
  const size_t begin = payload.rfind('\n', offset == 0 ? 0 : offset - 1);
  const size_t start = begin == std::string_view::npos || offset == 0 ? 0 : begin + 1;
  const size_t end = payload.find('\n', start);
  return payload.substr(start,
                        end == std::string_view::npos ? std::string_view::npos : end - start);
}

struct BoxSeq {
  std::string_view box;
  uint64_t seq;
  bool operator==(const BoxSeq&) const = default;
};
struct BoxSeqHash {
  size_t operator()(const BoxSeq& k) const {
    return std::hash<std::string_view>{}(k.box) ^ (k.seq * 0x9E3779B97F4A7C15ull);
  }
};

}  // namespace

const reading::Format* ChooseFormat(std::string_view format, std::string_view topic,
                                    std::string_view payload) {
  if (format != "auto") return reading::FindFormat(format);
  const size_t first = payload.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && payload[first] == '{') {
    const bool coolflow =
        payload.substr(first, kSniffBytes).find("\"measurement\"") != std::string_view::npos;
    return reading::FindFormat(coolflow ? "json" : "resource-json");
  }
  const size_t slash = topic.find_last_of("/.");
  const std::string_view last = slash == std::string_view::npos ? topic : topic.substr(slash + 1);
  return reading::FindFormat(last == "temp" ? "temp-csv" : "line-protocol");
}

Pipeline::Pipeline(PipelineOptions options, store::Store& store, DeadLetterLog& dead_letters,
                   const Clock& clock)
    : options_(std::move(options)),
      store_(store),
      dead_letters_(dead_letters),
      clock_(clock),
      dedup_(options_.dedup_window) {}

Pipeline::~Pipeline() {
  Stop();
}

void Pipeline::AddSink(ReadingSink* sink) {
  sinks_.push_back(sink);
}

void Pipeline::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Pipeline::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  room_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Pipeline::Submit(Input input, Done done, bool wait) {
  const reading::Format* format = ChooseFormat(input.format, input.where, input.payload);
  if (format == nullptr || !format->decoder) {
    return InvalidArgument(fmt::format("{}: unknown format {:?}", input.where, input.format));
  }
  const uint64_t bytes = input.payload.size();
  {
    MutexLock lock(mu_);
    // An input larger than the whole queue is let in alone, so it is never refused forever.
    while (!stopping_ && queued_bytes_ > 0 && queued_bytes_ + bytes > options_.max_queue_bytes) {
      if (!wait) {
        ++stats_.queue_full;
        return Status(
            StatusCode::kResourceExhausted,
            fmt::format("the hub's queue is full ({} MiB waiting for the store); retry later",
                        queued_bytes_ >> 20));
      }
      lock.Wait(room_);
    }
    if (stopping_) return Unavailable("the hub's pipeline is stopping");
    queued_bytes_ += bytes;
    queue_.push_back(Queued{std::move(input), format, std::move(done)});
  }
  work_.notify_one();
  return Status::Ok();
}

PipelineStats Pipeline::stats() const {
  MutexLock lock(mu_);
  PipelineStats stats = stats_;
  stats.queued_bytes = queued_bytes_;
  return stats;
}

void Pipeline::Run() {
  std::vector<Queued> round;
  while (true) {
    {
      MutexLock lock(mu_);
      while (queue_.empty() && !stopping_)
        lock.Wait(work_);
      if (queue_.empty()) return;  // stopping, and everything completed
      uint64_t bytes = 0;
      while (!queue_.empty() && (round.empty() || bytes + queue_.front().input.payload.size() <=
                                                      options_.max_batch_bytes)) {
        bytes += queue_.front().input.payload.size();
        round.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    Process(round);
    uint64_t bytes = 0;
    for (const Queued& q : round)
      bytes += q.input.payload.size();
    round.clear();
    {
      MutexLock lock(mu_);
      queued_bytes_ -= bytes;
    }
    room_.notify_all();
  }
}

void Pipeline::Process(std::vector<Queued>& round) {
  const TimeNs now = clock_.Now();
  std::vector<InputReport> reports(round.size());
  // The round's readings, and for each the input it came from.
  reading::DecodeResult decoded;
  std::vector<uint32_t> origin;
  uint64_t records = 0;
  uint64_t refused_records = 0;
  for (size_t i = 0; i < round.size(); ++i) {
    const Input& input = round[i].input;
    reading::DecodeOptions options;
    options.now = input.arrival != 0 ? input.arrival : now;
    options.precision = input.precision;
    options.validation = options_.validation;
    const size_t records_before = decoded.records;
    decoded.errors.clear();
    round[i].format->decoder->Decode(input.payload, options, decoded);
    origin.resize(decoded.readings.size(), static_cast<uint32_t>(i));
    InputReport& report = reports[i];
    report.records = decoded.records - records_before;
    report.refused = decoded.errors.size();
    records += report.records;
    refused_records += decoded.errors.size();
    for (const reading::RecordError& error : decoded.errors) {
      const std::string reason = error.ToString();
      if (report.errors.size() < options_.max_errors_per_input) report.errors.push_back(reason);
      dead_letters_.Add({now, input.source, input.where, error.item, reason,
                         RecordAt(input.payload, error.offset)});
    }
  }

  // De-duplicate: against what was stored before, and within the round (decided before any
  // reading moves: `seen` points into their box ids).
  std::vector<bool> keep(decoded.readings.size(), true);
  uint64_t duplicates = 0;
  {
    std::unordered_set<BoxSeq, BoxSeqHash> seen;
    for (size_t r = 0; r < decoded.readings.size(); ++r) {
      const reading::Reading& reading = decoded.readings[r];
      if (reading.seq == 0) continue;
      if (dedup_.IsDuplicate(reading.box, reading.seq) ||
          !seen.insert(BoxSeq{reading.box, reading.seq}).second) {
        keep[r] = false;
        ++reports[origin[r]].duplicates;
        ++duplicates;
      }
    }
  }
  std::vector<reading::Reading> batch;
  std::vector<uint32_t> batch_origin;
  batch.reserve(decoded.readings.size());
  batch_origin.reserve(decoded.readings.size());
  for (size_t r = 0; r < decoded.readings.size(); ++r) {
    if (!keep[r]) continue;
    batch_origin.push_back(origin[r]);
    batch.push_back(std::move(decoded.readings[r]));
  }

  Result<store::AppendResult> appended =
      batch.empty() ? Result<store::AppendResult>(store::AppendResult{}) : store_.Append(batch);
  if (!appended.ok()) {
    spdlog::error("pipeline: the store refused a round of {} inputs ({} readings): {}",
                  round.size(), batch.size(), appended.status().ToString());
    {
      MutexLock lock(mu_);
      stats_.inputs += round.size();
      ++stats_.store_failures;
    }
    for (Queued& q : round)
      q.done(appended.status(), InputReport{});
    return;
  }

  std::vector<bool> refused(batch.size(), false);
  for (const store::AppendResult::Refused& r : appended->refused) {
    if (r.index >= batch.size()) continue;
    refused[r.index] = true;
    const uint32_t i = batch_origin[r.index];
    const reading::Reading& reading = batch[r.index];
    const std::string reason =
        fmt::format("{} {} of box {}: {}", reading.measurement, reading.metric, reading.box, r.why);
    InputReport& report = reports[i];
    ++report.refused;
    if (report.errors.size() < options_.max_errors_per_input) report.errors.push_back(reason);
    dead_letters_.Add({now, round[i].input.source, round[i].input.where, reading.metric, reason,
                       reading::SeriesKey(reading)});
  }
  // Only what the store kept enters the window and the sinks.
  std::vector<reading::Reading> stored;
  if (!appended->refused.empty()) {
    stored.reserve(batch.size());
    for (size_t r = 0; r < batch.size(); ++r) {
      if (!refused[r]) stored.push_back(std::move(batch[r]));
    }
    std::vector<uint32_t> kept_origin;
    for (size_t r = 0; r < batch_origin.size(); ++r) {
      if (!refused[r]) kept_origin.push_back(batch_origin[r]);
    }
    batch_origin.swap(kept_origin);
  } else {
    stored.swap(batch);
  }
  for (size_t r = 0; r < stored.size(); ++r) {
    dedup_.Commit(stored[r].box, stored[r].seq);
    ++reports[batch_origin[r]].stored;
  }
  for (ReadingSink* sink : sinks_)
    sink->Accept(stored, now);
  {
    MutexLock lock(mu_);
    stats_.inputs += round.size();
    ++stats_.rounds;
    stats_.records += records;
    stats_.stored += stored.size();
    stats_.refused_records += refused_records;
    stats_.refused_readings += appended->refused.size();
    stats_.duplicates += duplicates;
    stats_.dedup = dedup_.stats();
  }
  for (size_t i = 0; i < round.size(); ++i)
    round[i].done(Status::Ok(), reports[i]);
}

std::string Pipeline::RenderMetrics() const {
  const PipelineStats s = stats();
  std::string out;
  const auto counter = [&](std::string_view name, std::string_view help, uint64_t value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, value);
  };
  counter("coolflow_hub_inputs_total", "Messages and HTTP bodies taken by the pipeline.", s.inputs);
  counter("coolflow_hub_store_writes_total", "Durable store writes (one per round).", s.rounds);
  counter("coolflow_hub_records_total", "Records decoded.", s.records);
  counter("coolflow_hub_readings_stored_total", "Readings stored durably.", s.stored);
  counter("coolflow_hub_records_refused_total", "Records refused by a decoder or the validator.",
          s.refused_records);
  counter("coolflow_hub_readings_refused_total", "Readings refused by the store.",
          s.refused_readings);
  counter("coolflow_hub_store_failures_total", "Rounds the store failed (retried by the source).",
          s.store_failures);
  counter("coolflow_hub_queue_full_total", "Inputs refused because the queue was full.",
          s.queue_full);
  counter("coolflow_hub_duplicates_total",
          "Readings dropped as copies of stored ones (same box and sequence number).",
          s.duplicates);
  counter("coolflow_hub_sequence_gaps_total", "Forward jumps in a box's sequence numbers.",
          s.dedup.gaps);
  counter("coolflow_hub_sequence_missing_total", "Sequence numbers skipped by those jumps.",
          s.dedup.missing);
  counter("coolflow_hub_sequence_late_total", "Skipped sequence numbers that arrived later.",
          s.dedup.late);
  out += fmt::format(
      "# HELP coolflow_hub_queue_bytes Payload bytes waiting for the store.\n# TYPE "
      "coolflow_hub_queue_bytes gauge\ncoolflow_hub_queue_bytes {}\n",
      s.queued_bytes);
  return out;
}

}  // namespace coolflow::hub
