// The store benchmark: the embedded engine beside InfluxDB 1.6 on the same input, the
// simulated room's readings as line protocol (bench_input.h). Measures durable ingest,
// bytes per point after compaction, three queries (p50/p99, answers cross-checked), WAL
// replay after SIGKILL and peak RSS, and prints one markdown table with the targets of
// issue 5. docs/benchmarks.md explains every measure.
//
//   store_bench [--days 32] [--racks 0 (all 100)] [--threads 2] [--repeats 200]
//               [--replay-points 15000000] [--batch-lines 5000] [--work-dir DIR] [--keep]
//               [--scenario FILE]
//
// Exits 1 when the run could not be made or the two stores' answers disagree, 2 on bad
// arguments; a missed target is reported in the table, not in the exit code.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_input.h"
#include "contender.h"
#include "coolflow_side.h"
#include "fmt/format.h"
#include "influxd_process.h"
#include "support/server_process.h"

namespace coolflow::bench {

std::string SeriesSpec::Key() const {
  std::string key = measurement;
  for (const auto& [k, v] : tags)
    key += fmt::format(",{}={}", k, v);
  return fmt::format("{} {}", key, field);
}

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kDatabase = "bench";
constexpr int kWarmups = 5;
constexpr double kMaxSecondsPerQuery = 30;  // a query's repeats stop early past this
constexpr auto kCompactionDeadline = std::chrono::minutes(10);
constexpr auto kCompactionPoll = std::chrono::seconds(1);
constexpr auto kCompactionSettle = std::chrono::seconds(20);  // > compact-full-write-cold
constexpr double kValueTolerance = 1e-6;  // relative, for means summed in another order
constexpr TimeNs kMonth = 30 * kNanosPerDay;
constexpr size_t kSingleRack = 42;  // the single-series query reads this rack
// Targets (issue 5).
constexpr double kIngestVsInflux = 5;
constexpr double kIngestPerCore = 1e6;
constexpr double kBytesPerPoint = 1.0;
constexpr double kLastP99Ms = 1;
constexpr double kDayP99Ms = 5;
constexpr double kDayVsInflux = 10;
constexpr double kMonthP99Ms = 50;
constexpr double kReplayPerSecond = 5e6;

struct Options {
  InputOptions input;
  int threads = 2;
  int repeats = 200;
  uint64_t replay_points = 15'000'000;
  std::string work_dir;
  bool keep = false;
};

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string Quote(std::string_view identifier) {
  std::string out = "\"";
  for (const char c : identifier) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string SeriesKeyOf(std::string_view measurement, const nlohmann::json& tags,
                        std::string_view field) {
  std::string key(measurement);
  if (tags.is_object()) {
    for (const auto& [k, v] : tags.items()) {  // nlohmann's object keeps keys sorted
      key += fmt::format(",{}={}", k, v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  return fmt::format("{} {}", key, field);
}

// Adds the rows of every series of an InfluxQL answer: column 0 is the time, the others
// are values named `<prefix><field>` (prefix "last_" for last(*)) or `value_column`.
Status CollectSeries(const nlohmann::json& json, std::string_view value_column,
                     const std::optional<std::string>& key_override, bool with_time,
                     Answer& answer) {
  try {
    for (const auto& result : json.at("results")) {
      if (!result.contains("series")) continue;
      for (const auto& series : result.at("series")) {
        const std::string name = series.at("name").get<std::string>();
        const auto& columns = series.at("columns");
        const nlohmann::json tags = series.value("tags", nlohmann::json::object());
        for (const auto& row : series.at("values")) {
          for (size_t c = 1; c < columns.size(); ++c) {
            if (row.at(c).is_null()) continue;
            std::string field = columns.at(c).get<std::string>();
            if (value_column.empty() && field.starts_with("last_")) field = field.substr(5);
            const std::string key = key_override ? *key_override : SeriesKeyOf(name, tags, field);
            const TimeNs t = with_time ? row.at(0).get<TimeNs>() : 0;
            answer[key].emplace_back(t, row.at(c).get<double>());
          }
        }
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return Internal(fmt::format("InfluxDB's answer has an unexpected shape: {}", e.what()));
  }
  return Status::Ok();
}

class InfluxContender final : public Contender {
 public:
  explicit InfluxContender(const std::string& url) : client_(url) {}

  Status LastAll(const std::vector<std::string>& measurements, Answer* answer) override {
    for (const std::string& m : measurements) {
      if (Status s = Ask(fmt::format("SELECT last(*) FROM {} GROUP BY *", Quote(m)), "",
                         std::nullopt, false, answer);
          !s.ok()) {
        return s;
      }
    }
    return Status::Ok();
  }

  Status SeriesMean(const SeriesSpec& series, TimeNs from, TimeNs to, TimeNs step,
                    Answer* answer) override {
    std::string where;
    for (const auto& [k, v] : series.tags)
      where += fmt::format("{} = '{}' AND ", Quote(k), v);
    return Ask(fmt::format("SELECT mean({}) FROM {} WHERE {}time >= {} AND time < {} GROUP BY "
                           "time({}s) fill(none)",
                           Quote(series.field), Quote(series.measurement), where, from, to,
                           step / kNanosPerSecond),
               "mean", series.Key(), true, answer);
  }

  Status FieldMean(const std::string& measurement, const std::string& field, TimeNs from, TimeNs to,
                   TimeNs step, Answer* answer) override {
    Answer raw;
    Status s = Ask(fmt::format("SELECT mean({}) FROM {} WHERE time >= {} AND time < {} GROUP BY "
                               "time({}s), * fill(none)",
                               Quote(field), Quote(measurement), from, to, step / kNanosPerSecond),
                   "mean", std::nullopt, true, answer == nullptr ? nullptr : &raw);
    if (!s.ok() || answer == nullptr) return s;
    for (auto& [key, points] : raw) {  // "temp,box=..,rack=.. mean" -> "... temperature"
      (*answer)[key.substr(0, key.rfind(' ') + 1) + field] = std::move(points);
    }
    return Status::Ok();
  }

 private:
  // Timed: the request and the whole answer read. Parsing the JSON is left out of the time.
  Status Ask(const std::string& q, std::string_view value_column,
             const std::optional<std::string>& key, bool with_time, Answer* answer) {
    if (answer == nullptr) {
      auto text = client_.QueryText(kDatabase, q);
      return text.ok() ? Status::Ok() : text.status();
    }
    auto json = client_.Query(kDatabase, q);
    if (!json.ok()) return json.status();
    return CollectSeries(*json, value_column, key, with_time, *answer);
  }

  InfluxClient client_;
};

// Whether two answers agree: the same series, bucket times and (nearly) the same values.
Status CompareAnswers(std::string_view what, const Answer& coolflow, const Answer& influx,
                      size_t expected_series) {
  std::vector<std::string> problems;
  if (coolflow.size() != expected_series || influx.size() != expected_series) {
    problems.push_back(fmt::format("{} series from coolflow and {} from InfluxDB, {} expected",
                                   coolflow.size(), influx.size(), expected_series));
  }
  size_t compared = 0;
  for (const auto& [key, points] : coolflow) {
    auto it = influx.find(key);
    if (it == influx.end()) {
      problems.push_back(fmt::format("{}: only coolflow has it", key));
      continue;
    }
    if (it->second.size() != points.size()) {
      problems.push_back(fmt::format("{}: {} values from coolflow, {} from InfluxDB", key,
                                     points.size(), it->second.size()));
      continue;
    }
    for (size_t i = 0; i < points.size(); ++i) {
      const auto [t1, v1] = points[i];
      const auto [t2, v2] = it->second[i];
      const double scale = std::max({1.0, std::abs(v1), std::abs(v2)});
      if (t1 != t2 || std::abs(v1 - v2) > kValueTolerance * scale) {
        problems.push_back(
            fmt::format("{}: value {} is ({}, {}) from coolflow, ({}, {}) from InfluxDB", key, i,
                        t1, v1, t2, v2));
        break;
      }
      ++compared;
    }
  }
  for (const auto& [key, points] : influx) {
    if (!coolflow.contains(key)) problems.push_back(fmt::format("{}: only InfluxDB has it", key));
  }
  if (problems.empty()) {
    fmt::print("  {}: the answers agree ({} series, {} values compared)\n", what, coolflow.size(),
               compared);
    return Status::Ok();
  }
  std::string message = fmt::format("{}: the answers disagree in {} ways:", what, problems.size());
  for (size_t i = 0; i < std::min<size_t>(problems.size(), 5); ++i)
    message += "\n    " + problems[i];
  return Internal(message);
}

struct Latency {
  double p50_ms = 0;
  double p99_ms = 0;
  int runs = 0;
};

Result<Latency> Time(const std::function<Status()>& query, int repeats) {
  for (int i = 0; i < kWarmups; ++i) {
    if (Status s = query(); !s.ok()) return s;
  }
  std::vector<double> ms;
  const auto start = Clock::now();
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = Clock::now();
    if (Status s = query(); !s.ok()) return s;
    ms.push_back(Seconds(Clock::now() - t0) * 1e3);
    if (Seconds(Clock::now() - start) > kMaxSecondsPerQuery) break;
  }
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) {
    const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(ms.size())));
    return ms[std::clamp<size_t>(rank, 1, ms.size()) - 1];
  };
  return Latency{at(0.50), at(0.99), static_cast<int>(ms.size())};
}

struct IngestResult {
  uint64_t points = 0;
  double seconds = 0;
  uint64_t peak_rss_kb = 0;
  uint64_t bytes = 0;
  uint64_t wal_bytes = 0;
  bool compacted = false;
  double compaction_wait_seconds = 0;
  double rate() const { return static_cast<double>(points) / seconds; }
  double bytes_per_point() const {
    return static_cast<double>(bytes) / static_cast<double>(points);
  }
};

Result<IngestResult> IngestInflux(InfluxdProcess& influxd, const InputSummary& input, int threads) {
  InfluxClient admin(influxd.url());
  if (auto r = admin.Query("", fmt::format("CREATE DATABASE {}", Quote(kDatabase))); !r.ok()) {
    return r.status();
  }
  BatchFeeder feeder(input);
  if (!feeder.status().ok()) return feeder.status();
  std::vector<Status> errors(static_cast<size_t>(threads));
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      InfluxClient client(influxd.url());
      std::string batch;
      Status& error = errors[static_cast<size_t>(t)];
      while (error.ok()) {
        auto more = feeder.Next(batch);
        if (!more.ok()) error = more.status();
        if (!more.ok() || !*more) break;
        error = client.Write(kDatabase, batch);
      }
    });
  }
  for (std::thread& w : workers)
    w.join();
  IngestResult out;
  out.seconds = Seconds(Clock::now() - start);
  out.points = input.points;
  out.peak_rss_kb = PeakRssKb(influxd.pid());
  for (const Status& e : errors) {
    if (!e.ok()) return e.WithContext("InfluxDB ingest");
  }
  fmt::print("  InfluxDB: {} points in {:.1f} s; waiting for its full compaction...\n", out.points,
             out.seconds);
  std::fflush(stdout);
  const auto wait_start = Clock::now();
  // Give a full compaction the time to be planned (compact-full-write-cold-duration) before
  // trusting "one file per shard".
  while (!((out.compacted = influxd.FullyCompacted(kDatabase)) &&
           Clock::now() - wait_start >= kCompactionSettle) &&
         Clock::now() - wait_start < kCompactionDeadline) {
    std::this_thread::sleep_for(kCompactionPoll);  // polling a condition, with a deadline
  }
  out.compaction_wait_seconds = Seconds(Clock::now() - wait_start);
  out.wal_bytes = DirectoryBytes(influxd.wal_dir());
  out.bytes = DirectoryBytes(influxd.data_dir()) + out.wal_bytes;
  fmt::print(
      "  InfluxDB on disk: {} bytes allocated ({} in its series file), {} apparent\n", out.bytes,
      DirectoryBytes(influxd.data_dir() / std::string(kDatabase) / "_series"),
      DirectoryApparentBytes(influxd.data_dir()) + DirectoryApparentBytes(influxd.wal_dir()));
  // Every point must be there: count them per field.
  uint64_t counted = 0;
  for (const std::string m : {"temp", "rack", "resource"}) {
    auto json = admin.Query(kDatabase, fmt::format("SELECT count(*) FROM {}", Quote(m)));
    if (!json.ok()) return json.status();
    Answer counts;
    if (Status s = CollectSeries(*json, "", m, false, counts); !s.ok()) return s;
    for (const auto& [key, values] : counts) {
      for (const auto& [t, v] : values)
        counted += static_cast<uint64_t>(v);
    }
  }
  if (counted != input.points) {
    return Internal(fmt::format("InfluxDB holds {} points after ingest, {} were written", counted,
                                input.points));
  }
  return out;
}

struct QueryResults {
  Latency last, day, month;
};

// The three questions, the same for both stores.
struct QueryPlan {
  std::vector<std::string> measurements = {"temp", "rack", "resource"};
  SeriesSpec one;  // the single series of the 24 h query
  TimeNs day_from = 0, day_to = 0;
  TimeNs month_from = 0, month_to = 0;
};

QueryPlan PlanQueries(const InputSummary& input) {
  QueryPlan plan;
  const size_t rack = std::min<size_t>(kSingleRack, input.racks);
  plan.one = {"temp", {{"box", SensorBox(rack)}, {"rack", RackId(rack)}}, "temperature"};
  // Whole hours, so that both stores' buckets start at the same aligned times: the last 24
  // whole hours of the data, and the first 30 days (or all of it, when shorter).
  plan.day_to = input.last_time / kNanosPerHour * kNanosPerHour;
  plan.day_from = plan.day_to - kNanosPerDay;
  plan.month_from = input.first_time / kNanosPerHour * kNanosPerHour;
  plan.month_to =
      std::min(plan.month_from + kMonth, (input.last_time / kNanosPerHour + 1) * kNanosPerHour);
  return plan;
}

Result<QueryResults> TimeQueries(Contender& c, const QueryPlan& p, int repeats) {
  auto last = Time([&] { return c.LastAll(p.measurements, nullptr); }, repeats);
  if (!last.ok()) return last.status();
  auto day = Time(
      [&] { return c.SeriesMean(p.one, p.day_from, p.day_to, kNanosPerMinute, nullptr); }, repeats);
  if (!day.ok()) return day.status();
  auto month = Time(
      [&] {
        return c.FieldMean("temp", "temperature", p.month_from, p.month_to, kNanosPerHour, nullptr);
      },
      repeats);
  if (!month.ok()) return month.status();
  return QueryResults{*last, *day, *month};
}

// Cross-checks the answers of both stores (an error when they differ), then times each
// query on each.
Result<std::pair<QueryResults, QueryResults>> RunQueries(Contender& coolflow, Contender& influx,
                                                         const InputSummary& input, int repeats) {
  const QueryPlan p = PlanQueries(input);
  fmt::print(
      "queries: last of {} series; {} mean per 1 min over the last 24 h; temp.temperature "
      "of {} racks, mean per 1 h over {:.1f} days\n",
      input.series, p.one.Key(), input.racks,
      static_cast<double>(p.month_to - p.month_from) / static_cast<double>(kNanosPerDay));
  Contender* stores[] = {&coolflow, &influx};
  const char* names[] = {"coolflow", "InfluxDB"};
  Answer answers[2];
  for (int i = 0; i < 2; ++i) {
    if (Status s = stores[i]->LastAll(p.measurements, &answers[i]); !s.ok()) {
      return s.WithContext(names[i]);
    }
  }
  if (Status s = CompareAnswers("last values", answers[0], answers[1], input.series); !s.ok()) {
    return s;
  }
  for (int i = 0; i < 2; ++i) {
    answers[i].clear();
    if (Status s = stores[i]->SeriesMean(p.one, p.day_from, p.day_to, kNanosPerMinute, &answers[i]);
        !s.ok()) {
      return s.WithContext(names[i]);
    }
  }
  if (Status s = CompareAnswers("24 h at 1 min", answers[0], answers[1], 1); !s.ok()) return s;
  for (int i = 0; i < 2; ++i) {
    answers[i].clear();
    if (Status s = stores[i]->FieldMean("temp", "temperature", p.month_from, p.month_to,
                                        kNanosPerHour, &answers[i]);
        !s.ok()) {
      return s.WithContext(names[i]);
    }
  }
  if (Status s = CompareAnswers("month at 1 h", answers[0], answers[1], input.racks); !s.ok()) {
    return s;
  }
  auto cf = TimeQueries(coolflow, p, repeats);
  if (!cf.ok()) return cf.status().WithContext("coolflow");
  auto in = TimeQueries(influx, p, repeats);
  if (!in.ok()) return in.status().WithContext("InfluxDB");
  return std::pair{*cf, *in};
}

// The results table.
struct Row {
  std::string measure, coolflow, influx, ratio, target, result;
};

std::string Verdict(bool pass) {
  return pass ? "PASS" : "FAIL";
}

std::string Rate(double per_second) {
  return per_second >= 1e6 ? fmt::format("{:.2f} M", per_second / 1e6)
                           : fmt::format("{:.0f} k", per_second / 1e3);
}

std::string Ms(const Latency& l) {
  return fmt::format("{:.3f} / {:.3f} ms", l.p50_ms, l.p99_ms);
}

// "3.2x smaller" / "1.5x larger": how `ratio` (the other / coolflow) reads for coolflow.
std::string Compared(double ratio, std::string_view better, std::string_view worse) {
  return ratio >= 1 ? fmt::format("{:.1f}x {}", ratio, better)
                    : fmt::format("{:.1f}x {}", 1 / ratio, worse);
}

std::string Mib(uint64_t kb) {
  return fmt::format("{:.0f} MiB", static_cast<double>(kb) / 1024);
}

int Run(const Options& options) {
  fs::path work = options.work_dir;
  bool remove_work = false;
  if (work.empty()) {
    auto dir = testing::MakeTempDir("store-bench");
    if (!dir.ok()) {
      fmt::print(stderr, "store_bench: {}\n", dir.status().ToString());
      return 1;
    }
    work = *dir;
    remove_work = !options.keep;
  }
  if (std::error_code ec; !fs::create_directories(work, ec) && ec) {
    fmt::print(stderr, "store_bench: create {}: {}\n", work.string(), ec.message());
    return 1;
  }
  const auto fail = [&](std::string_view stage, const Status& status) {
    fmt::print(stderr, "store_bench: {}: {}\n", stage, status.ToString());
    if (remove_work) fs::remove_all(work);
    return 1;
  };

  const auto gen_start = Clock::now();
  auto input = PrepareInput(options.input, work);
  if (!input.ok()) return fail("input", input.status());
  fmt::print(
      "input: {} points, {} series ({} racks), {:.1f} days, {} batches of {} lines, "
      "{:.2f} GB of line protocol in {} (ready in {:.0f} s)\n",
      input->points, input->series, input->racks,
      static_cast<double>(input->last_time - input->first_time + kNanosPerMinute) /
          static_cast<double>(kNanosPerDay),
      input->batches(), options.input.batch_lines, static_cast<double>(input->bytes) / 1e9,
      input->file.string(), Seconds(Clock::now() - gen_start));
  std::fflush(stdout);

  // InfluxDB: ingest, full compaction, size.
  fs::remove_all(work / "influxdb");
  auto influxd = InfluxdProcess::Start(work / "influxdb");
  if (!influxd.ok()) return fail("influxd", influxd.status());
  auto influx_ingest = IngestInflux(**influxd, *input, options.threads);
  if (!influx_ingest.ok()) return fail("InfluxDB", influx_ingest.status());
  fmt::print("  InfluxDB: {} after {:.0f} s; {} bytes on disk ({} in its WAL)\n",
             influx_ingest->compacted ? "fully compacted" : "NOT fully compacted",
             influx_ingest->compaction_wait_seconds, influx_ingest->bytes,
             influx_ingest->wal_bytes);

  // coolflow: ingest and compaction in a child, replay after SIGKILL in another.
  std::optional<IngestResult> cf_ingest;
  std::optional<CoolflowReplay> replay;
  std::optional<std::pair<QueryResults, QueryResults>> queries;
  {
    fs::remove_all(work / "coolflow");
    auto ingest = RunCoolflowIngest(input->file, work / "coolflow", options.threads);
    if (!ingest.ok()) return fail("coolflow ingest", ingest.status());
    if (ingest->points != input->points || ingest->refused != 0) {
      return fail("coolflow ingest",
                  Internal(fmt::format("stored {} and refused {} of {} points", ingest->points,
                                       ingest->refused, input->points)));
    }
    cf_ingest = IngestResult{ingest->points,
                             ingest->ingest_seconds,
                             ingest->peak_rss_kb,
                             ingest->bytes,
                             ingest->wal_bytes,
                             true,
                             0};
    fmt::print(
        "  coolflow: {} points in {:.1f} s, compacted in {:.1f} s; {} bytes allocated on "
        "disk ({} in its WAL), {} apparent\n",
        ingest->points, ingest->ingest_seconds, ingest->compact_seconds, ingest->bytes,
        ingest->wal_bytes, ingest->apparent_bytes);
    auto engine = OpenCoolflow(work / "coolflow");
    if (!engine.ok()) return fail("coolflow open", engine.status());
    InfluxContender influx((*influxd)->url());
    auto q = RunQueries(**engine, influx, *input, options.repeats);
    if (!q.ok()) return fail("queries", q.status());
    queries = *q;
    engine->reset();

    fs::remove_all(work / "replay");
    const uint64_t replay_points = std::min<uint64_t>(options.replay_points, input->points / 2);
    auto r = RunCoolflowReplay(input->file, work / "replay", replay_points);
    if (!r.ok()) return fail("WAL replay", r.status());
    replay = *r;
    fmt::print(
        "  replay: {} points acknowledged before SIGKILL, {} replayed from {} records "
        "in {:.2f} s (Open: {:.2f} s)\n",
        r->acked_points, r->replayed_points, r->replayed_records, r->replay_seconds,
        r->open_seconds);
  }
  influxd->reset();

  // The table.
  const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const QueryResults& iq = queries->second;
  const std::string pending = "pending";
  std::vector<Row> rows;
  {
    Row r{fmt::format("durable ingest, points/s ({} threads, batches of {})", options.threads,
                      options.input.batch_lines),
          pending,
          Rate(influx_ingest->rate()),
          "",
          ">= 5x InfluxDB, >= 1 M/s per core",
          pending};
    if (cf_ingest) {
      const double per_core = cf_ingest->rate() / std::min(options.threads, cores);
      const double ratio = cf_ingest->rate() / influx_ingest->rate();
      r.coolflow = fmt::format("{} ({} per core)", Rate(cf_ingest->rate()), Rate(per_core));
      r.ratio = fmt::format("{:.1f}x", ratio);
      r.result = Verdict(ratio >= kIngestVsInflux && per_core >= kIngestPerCore);
    }
    rows.push_back(r);
  }
  {
    Row r{"bytes per point on disk after compaction",
          pending,
          fmt::format("{:.2f}{}", influx_ingest->bytes_per_point(),
                      influx_ingest->compacted ? "" : " (not fully compacted)"),
          "",
          "<= 1.0 (Gorilla 1.37, InfluxDB 2-3)",
          pending};
    if (cf_ingest) {
      r.coolflow = fmt::format("{:.3f}", cf_ingest->bytes_per_point());
      r.ratio = Compared(influx_ingest->bytes_per_point() / cf_ingest->bytes_per_point(), "smaller",
                         "larger");
      r.result = Verdict(cf_ingest->bytes_per_point() <= kBytesPerPoint);
    }
    rows.push_back(r);
  }
  const auto latency_row = [&](std::string measure, const Latency& influx_l, const Latency* cf_l,
                               std::string target,
                               const std::function<bool(const Latency&)>& pass) {
    Row r{std::move(measure), pending, Ms(influx_l), "", std::move(target), pending};
    if (cf_l != nullptr) {
      r.coolflow = Ms(*cf_l);
      r.ratio = Compared(influx_l.p50_ms / cf_l->p50_ms, "faster", "slower");
      r.result = Verdict(pass(*cf_l));
    }
    rows.push_back(r);
  };
  latency_row(fmt::format("last values of all {} series, p50/p99", input->series), iq.last,
              queries ? &queries->first.last : nullptr, "<= 1 ms",
              [](const Latency& l) { return l.p99_ms <= kLastP99Ms; });
  latency_row("24 h at 1-min buckets for one series, p50/p99", iq.day,
              queries ? &queries->first.day : nullptr, "<= 5 ms, >= 10x faster",
              [&](const Latency& l) {
                return l.p99_ms <= kDayP99Ms && iq.day.p50_ms / l.p50_ms >= kDayVsInflux;
              });
  const QueryPlan plan = PlanQueries(*input);
  latency_row(fmt::format("{:.0f} days at 1-h buckets for {} series, p50/p99",
                          static_cast<double>(plan.month_to - plan.month_from) /
                              static_cast<double>(kNanosPerDay),
                          input->racks),
              iq.month, queries ? &queries->first.month : nullptr, "<= 50 ms",
              [](const Latency& l) { return l.p99_ms <= kMonthP99Ms; });
  {
    Row r{"WAL replay after a crash, points/s", pending, "n/a", "", ">= 5 M/s", pending};
    if (replay) {
      const double rate = static_cast<double>(replay->replayed_points) / replay->replay_seconds;
      r.coolflow =
          fmt::format("{} ({:.1f} M points in {:.2f} s)", Rate(rate),
                      static_cast<double>(replay->replayed_points) / 1e6, replay->replay_seconds);
      r.result = Verdict(rate >= kReplayPerSecond);
    }
    rows.push_back(r);
  }
  {
    Row r{"peak RSS while ingesting",
          pending,
          Mib(influx_ingest->peak_rss_kb),
          "",
          "report",
          "report"};
    if (cf_ingest) {
      r.coolflow = Mib(cf_ingest->peak_rss_kb);
      r.ratio = Compared(static_cast<double>(influx_ingest->peak_rss_kb) /
                             static_cast<double>(cf_ingest->peak_rss_kb),
                         "smaller", "larger");
    }
    rows.push_back(r);
  }

  fmt::print(
      "\n{} points, {} series, {} cores; query latencies over {}/{}/{} runs (coolflow) "
      "and {}/{}/{} (InfluxDB)\n\n",
      input->points, input->series, cores, queries ? queries->first.last.runs : 0,
      queries ? queries->first.day.runs : 0, queries ? queries->first.month.runs : 0, iq.last.runs,
      iq.day.runs, iq.month.runs);
  fmt::print("| measure | coolflow | InfluxDB 1.6 | ratio | target | result |\n");
  fmt::print("|---|---|---|---|---|---|\n");
  for (const Row& r : rows) {
    fmt::print("| {} | {} | {} | {} | {} | {} |\n", r.measure, r.coolflow, r.influx,
               r.ratio.empty() ? "" : r.ratio, r.target, r.result);
  }
  std::fflush(stdout);
  if (remove_work) fs::remove_all(work);
  return 0;
}

int Usage() {
  fmt::print(stderr,
             "usage: store_bench [--days N] [--racks N] [--threads N] [--repeats N]\n"
             "                   [--replay-points N] [--batch-lines N] [--work-dir DIR] [--keep]\n"
             "                   [--scenario FILE]\n");
  return 2;
}

}  // namespace
}  // namespace coolflow::bench

int main(int argc, char** argv) {
  using namespace coolflow::bench;
  if (const int code = CoolflowChildMain(argc, argv); code >= 0) return code;
  Options options;
  options.input.scenario = std::string(COOLFLOW_SOURCE_DIR) + "/bench/store/room-100-racks.yaml";
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string_view flag = argv[i];
      if (flag == "--keep") {
        options.keep = true;
        continue;
      }
      if (i + 1 >= argc) return Usage();
      const std::string value = argv[++i];
      if (flag == "--days") {
        options.input.days = std::stod(value);
      } else if (flag == "--racks") {
        options.input.racks = std::stoul(value);
      } else if (flag == "--threads") {
        options.threads = std::stoi(value);
      } else if (flag == "--repeats") {
        options.repeats = std::stoi(value);
      } else if (flag == "--replay-points") {
        options.replay_points = std::stoull(value);
      } else if (flag == "--batch-lines") {
        options.input.batch_lines = std::stoul(value);
      } else if (flag == "--work-dir") {
        options.work_dir = value;
      } else if (flag == "--scenario") {
        options.input.scenario = value;
      } else {
        return Usage();
      }
    }
  } catch (const std::exception&) {
    return Usage();
  }
  if (options.threads < 1 || options.repeats < 1 || options.input.batch_lines < 1 ||
      options.input.days <= 0) {
    return Usage();
  }
  return Run(options);
}
