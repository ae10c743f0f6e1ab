#include "hub/pipeline.h"

#include <algorithm>
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
  int decoders = options_.decoders;
  if (decoders <= 0) {
    decoders = std::clamp(static_cast<int>(std::thread::hardware_concurrency()) - 1, 1, 8);
  }
  for (int i = 0; i < decoders; ++i)
    decoders_.emplace_back([this] { Decode(); });
  committer_ = std::thread([this] { Commit(); });
}

void Pipeline::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  undecoded_cv_.notify_all();
  ready_cv_.notify_all();
  room_.notify_all();
  for (std::thread& t : decoders_) {
    if (t.joinable()) t.join();
  }
  if (committer_.joinable()) committer_.join();
}

Status Pipeline::Submit(Input input, Done done, bool wait) {
  const reading::Format* format = ChooseFormat(input.format, input.where, input.payload);
  if (format == nullptr || !format->decoder) {
    return InvalidArgument(fmt::format("{}: unknown format {:?}", input.where, input.format));
  }
  const uint64_t bytes = input.payload.size();
  auto slot = std::make_shared<Slot>();
  slot->input = std::move(input);
  slot->format = format;
  slot->done = std::move(done);
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
    order_.push_back(slot);
    undecoded_.push_back(std::move(slot));
  }
  undecoded_cv_.notify_one();
  return Status::Ok();
}

void Pipeline::Decode() {
  while (true) {
    std::shared_ptr<Slot> slot;
    {
      MutexLock lock(mu_);
      while (undecoded_.empty() && !stopping_)
        lock.Wait(undecoded_cv_);
      if (undecoded_.empty()) return;  // stopping, and everything decoded
      slot = std::move(undecoded_.front());
      undecoded_.pop_front();
    }
    const Input& input = slot->input;
    reading::DecodeOptions options;
    options.now = input.arrival != 0 ? input.arrival : clock_.Now();
    options.precision = input.precision;
    options.validation = options_.validation;
    slot->format->decoder->Decode(input.payload, options, slot->decoded);
    bool oldest = false;
    {
      MutexLock lock(mu_);
      slot->ready = true;
      oldest = !order_.empty() && order_.front() == slot;
    }
    if (oldest) ready_cv_.notify_one();
  }
}

void Pipeline::Commit() {
  std::vector<std::shared_ptr<Slot>> round;
  while (true) {
    {
      MutexLock lock(mu_);
      while (!stopping_ && (order_.empty() || !order_.front()->ready))
        lock.Wait(ready_cv_);
      // Stopping: the decoders finish what is queued, so wait for the rest to be ready.
      while (!order_.empty() && !order_.front()->ready)
        lock.Wait(ready_cv_);
      if (order_.empty()) return;  // stopping, and everything completed
      uint64_t bytes = 0;
      while (!order_.empty() && order_.front()->ready &&
             (round.empty() ||
              bytes + order_.front()->input.payload.size() <= options_.max_batch_bytes)) {
        bytes += order_.front()->input.payload.size();
        round.push_back(std::move(order_.front()));
        order_.pop_front();
      }
    }
    Process(round);
    uint64_t bytes = 0;
    for (const auto& slot : round)
      bytes += slot->input.payload.size();
    round.clear();
    {
      MutexLock lock(mu_);
      queued_bytes_ -= bytes;
    }
    room_.notify_all();
  }
}

PipelineStats Pipeline::stats() const {
  MutexLock lock(mu_);
  PipelineStats stats = stats_;
  stats.queued_bytes = queued_bytes_;
  return stats;
}

void Pipeline::Process(std::vector<std::shared_ptr<Slot>>& round) {
  const TimeNs now = clock_.Now();
  std::vector<InputReport> reports(round.size());
  // The round's readings that are not copies, moved once out of the decoded inputs, in
  // submission order: those of input i are batch[first[i], first[i + 1]).
  std::vector<reading::Reading> batch;
  std::vector<uint32_t> first(round.size() + 1, 0);
  size_t total = 0;
  for (const auto& slot : round)
    total += slot->decoded.readings.size();
  batch.reserve(total);  // no reallocation: round_sequences_ refers to readings by index
  round_sequences_.Reset(total);
  uint64_t records = 0;
  uint64_t refused_records = 0;
  uint64_t duplicates = 0;
  for (size_t i = 0; i < round.size(); ++i) {
    Slot& slot = *round[i];
    const Input& input = slot.input;
    InputReport& report = reports[i];
    report.records = slot.decoded.records;
    report.refused = slot.decoded.errors.size();
    records += report.records;
    refused_records += slot.decoded.errors.size();
    for (const reading::RecordError& error : slot.decoded.errors) {
      const std::string reason = error.ToString();
      if (report.errors.size() < options_.max_errors_per_input) report.errors.push_back(reason);
      dead_letters_.Add({now, input.source, input.where, error.item, reason,
                         RecordAt(input.payload, error.offset)});
    }
    first[i] = static_cast<uint32_t>(batch.size());
    // De-duplicate: against what was stored before, and within the round.
    for (reading::Reading& r : slot.decoded.readings) {
      if (r.seq != 0 && (dedup_.IsDuplicate(r.box, r.seq) ||
                         round_sequences_.Repeats(batch, r, static_cast<uint32_t>(batch.size())))) {
        ++report.duplicates;
        ++duplicates;
        continue;
      }
      batch.push_back(std::move(r));
    }
    slot.decoded = {};
  }
  first[round.size()] = static_cast<uint32_t>(batch.size());

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
    for (const auto& slot : round)
      slot->done(appended.status(), InputReport{});
    return;
  }

  // The input batch[index] came from.
  const auto input_of = [&](size_t index) {
    return static_cast<size_t>(std::upper_bound(first.begin(), first.end(), index) -
                               first.begin()) -
           1;
  };
  std::vector<bool> refused(appended->refused.empty() ? 0 : batch.size(), false);
  for (const store::AppendResult::Refused& r : appended->refused) {
    if (r.index >= batch.size() || refused[r.index]) continue;
    refused[r.index] = true;
    const size_t i = input_of(r.index);
    const reading::Reading& reading = batch[r.index];
    const std::string reason =
        fmt::format("{} {} of box {}: {}", reading.measurement, reading.metric, reading.box, r.why);
    InputReport& report = reports[i];
    ++report.refused;
    if (report.errors.size() < options_.max_errors_per_input) report.errors.push_back(reason);
    dead_letters_.Add({now, round[i]->input.source, round[i]->input.where, reading.metric, reason,
                       reading::SeriesKey(reading)});
  }
  // Only what the store kept enters the window and the sinks.
  uint64_t refused_readings = 0;
  if (!refused.empty()) {
    size_t kept = 0;
    for (size_t i = 0; i < round.size(); ++i) {
      const size_t begin = first[i];
      first[i] = static_cast<uint32_t>(kept);
      for (size_t r = begin; r < first[i + 1]; ++r) {
        if (refused[r]) {
          ++refused_readings;
        } else {
          if (kept != r) batch[kept] = std::move(batch[r]);
          ++kept;
        }
      }
    }
    first[round.size()] = static_cast<uint32_t>(kept);
    batch.erase(batch.begin() + static_cast<std::ptrdiff_t>(kept), batch.end());
  }
  for (size_t i = 0; i < round.size(); ++i)
    reports[i].stored = first[i + 1] - first[i];
  for (const reading::Reading& r : batch)
    dedup_.Commit(r.box, r.seq);
  for (ReadingSink* sink : sinks_)
    sink->Accept(batch, now);
  {
    MutexLock lock(mu_);
    stats_.inputs += round.size();
    ++stats_.rounds;
    stats_.records += records;
    stats_.stored += batch.size();
    stats_.refused_records += refused_records;
    stats_.refused_readings += refused_readings;
    stats_.duplicates += duplicates;
    stats_.dedup = dedup_.stats();
  }
  for (size_t i = 0; i < round.size(); ++i)
    round[i]->done(Status::Ok(), reports[i]);
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
