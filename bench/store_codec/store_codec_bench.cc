// Chunk codec benchmark: a simulated week of the reference room (scenarios/steady-week.yaml,
// 10 s steps) read through the room's sensor models, as the hub would store it: inlet
// temperature and humidity, rack and PDU power, fan speed, AC power and compressor state,
// and SNMP values of two servers per rack (CPU %, CPU tick counters, load averages,
// memory, network octet counters, disk use, uptime). Every series is cut into chunks of
// --chunk-hours and encoded twice: decimal-aware (the store's codec) and as Gorilla (every
// value as a double XORed with the previous, the paper's scheme). Prints bytes per point
// per kind of series for both, then encode and decode throughput on one thread.
//
//   store_codec_bench [--scenario FILE] [--days N] [--chunk-hours H]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "fmt/format.h"
#include "room/room_model.h"
#include "room/scenario.h"
#include "room/sensors.h"
#include "store/codec/chunk.h"

namespace coolflow::bench {
namespace {

using store::codec::ValueColumn;

constexpr int kServersPerRack = 2;  // of each rack, the ones polled here
constexpr int kDecodePasses = 3;    // decode is timed as the best of these
constexpr double kCpuPercentStep = 0.1;
constexpr double kLoadStep = 0.01;  // net-snmp's laLoad: "0.52"
constexpr double kPduStep = 0.5;    // a PDU outlet meter's resolution, W
constexpr double kPduNoise = 0.005;

double Quantise(double value, double step) {
  return std::round(value / step) / (1.0 / step);
}

struct Series {
  std::string kind;
  std::vector<TimeNs> times;
  ValueColumn values;
  template <typename T>
  void Add(TimeNs t, T v) {
    times.push_back(t);
    std::get<std::vector<T>>(values).push_back(v);
  }
};

struct Room {
  std::vector<Series> series;
  size_t points = 0;
};

Result<Room> Simulate(const std::string& scenario_file, double days) {
  auto scenario = room::LoadScenario(scenario_file);
  if (!scenario.ok()) return scenario.status();
  scenario->duration = static_cast<TimeNs>(days * static_cast<double>(kNanosPerDay));
  auto model = room::RoomModel::Create(*scenario);
  if (!model.ok()) return model.status();
  room::SensorBank sensors(*scenario);
  std::mt19937_64 pdu_rng(scenario->seed);
  std::normal_distribution<double> pdu_noise(0.0, kPduNoise);

  Room out;
  std::map<std::string, size_t> index;
  const auto series = [&](const std::string& key, const std::string& kind,
                          ValueColumn empty) -> Series& {
    auto [it, added] = index.try_emplace(key, out.series.size());
    if (added) out.series.push_back(Series{kind, {}, std::move(empty)});
    return out.series[it->second];
  };
  const size_t racks = scenario->racks.size();
  const size_t acs = scenario->acs.size();
  while ((*model)->now() < (*model)->end()) {
    (*model)->Step();
    const room::RoomModel& m = **model;
    const TimeNs t = m.now();
    for (size_t r = 0; r < racks; ++r) {
      const std::string rack = scenario->racks[r].id;
      const room::InletSample inlet = sensors.ReadInlet(r, m);
      if (inlet.temperature_c) {
        series(rack + "/temperature", "temperature C (0.1)", std::vector<double>())
            .Add(t, *inlet.temperature_c);
      }
      if (inlet.humidity_rh) {
        series(rack + "/humidity", "humidity %RH (0.1)", std::vector<double>())
            .Add(t, *inlet.humidity_rh);
      }
      series(rack + "/power", "rack power W (1)", std::vector<double>())
          .Add(t, sensors.ReadRackPower(r, m));
      series(rack + "/pdu", "PDU power W (0.5)", std::vector<double>())
          .Add(t, Quantise(m.state().racks[r].it_power_w * (1 + pdu_noise(pdu_rng)), kPduStep));
      series(rack + "/fan", "fan rpm (60)", std::vector<double>()).Add(t, sensors.ReadFanRpm(r, m));
      for (int s = 0; s < kServersPerRack; ++s) {
        const std::string server = fmt::format("{}/srv{}", rack, s);
        const room::SnmpSample snmp = sensors.ReadSnmp(r, s, m);
        series(server + "/cpu", "CPU % (0.1)", std::vector<double>())
            .Add(t, Quantise(100 * m.state().racks[r].utilisation, kCpuPercentStep));
        series(server + "/cpu_user", "CPU ticks (uint64 counter)", std::vector<uint64_t>())
            .Add(t, snmp.cpu_user_ticks);
        series(server + "/cpu_idle", "CPU ticks (uint64 counter)", std::vector<uint64_t>())
            .Add(t, snmp.cpu_idle_ticks);
        series(server + "/load1", "load average (0.01)", std::vector<double>())
            .Add(t, Quantise(snmp.load1, kLoadStep));
        series(server + "/load5", "load average (0.01)", std::vector<double>())
            .Add(t, Quantise(snmp.load5, kLoadStep));
        series(server + "/load15", "load average (0.01)", std::vector<double>())
            .Add(t, Quantise(snmp.load15, kLoadStep));
        series(server + "/mem", "memory kB (int64)", std::vector<int64_t>())
            .Add(t, static_cast<int64_t>(snmp.memory_available_kb));
        series(server + "/net_in", "network octets (uint64 counter)", std::vector<uint64_t>())
            .Add(t, snmp.net_in_octets);
        series(server + "/net_out", "network octets (uint64 counter)", std::vector<uint64_t>())
            .Add(t, snmp.net_out_octets);
        series(server + "/disk", "disk used % (1)", std::vector<double>())
            .Add(t, std::round(snmp.disk_used_percent));
        series(server + "/uptime", "uptime ticks (uint64 counter)", std::vector<uint64_t>())
            .Add(t, snmp.uptime_ticks);
      }
    }
    for (size_t a = 0; a < acs; ++a) {
      const std::string ac = scenario->acs[a].id;
      series(ac + "/power", "AC power W (1)", std::vector<double>())
          .Add(t, sensors.ReadAcPower(a, m));
      series(ac + "/compressor", "AC compressor (bool)", std::vector<bool>())
          .Add(t, m.state().acs[a].compressor_on);
    }
  }
  for (const Series& s : out.series)
    out.points += s.times.size();
  return out;
}

// The Gorilla baseline stores every number as a double, as the paper (and Prometheus) do.
ValueColumn AsDoubles(const ValueColumn& column) {
  return std::visit(
      [](const auto& values) -> ValueColumn {
        using T = typename std::decay_t<decltype(values)>::value_type;
        if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, double>) {
          return values;
        } else {
          return std::vector<double>(values.begin(), values.end());
        }
      },
      column);
}

ValueColumn Slice(const ValueColumn& column, size_t from, size_t to) {
  return std::visit(
      [&](const auto& values) -> ValueColumn {
        using V = std::decay_t<decltype(values)>;
        return V(values.begin() + static_cast<std::ptrdiff_t>(from),
                 values.begin() + static_cast<std::ptrdiff_t>(to));
      },
      column);
}

struct Chunk {
  size_t series = 0;
  std::vector<TimeNs> times;
  ValueColumn values;
  ValueColumn baseline_values;
};

struct KindTotals {
  size_t series = 0;
  size_t points = 0;
  size_t decimal_bytes = 0;
  size_t gorilla_bytes = 0;
  std::map<std::string, size_t> codecs;
};

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

template <typename F>
double BestOf(int passes, F&& run) {
  double best = 1e300;
  for (int i = 0; i < passes; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    best = std::min(best, Seconds(std::chrono::steady_clock::now() - start));
  }
  return best;
}

int Run(const std::string& scenario_file, double days, double chunk_hours) {
  const auto sim_start = std::chrono::steady_clock::now();
  auto room = Simulate(scenario_file, days);
  if (!room.ok()) {
    fmt::print(stderr, "store_codec_bench: {}\n", room.status().message());
    return 1;
  }
  fmt::print("{}: {:.1f} days, {} series, {} points (simulated in {:.1f} s)\n", scenario_file, days,
             room->series.size(), room->points,
             Seconds(std::chrono::steady_clock::now() - sim_start));

  const auto span = static_cast<TimeNs>(chunk_hours * static_cast<double>(kNanosPerHour));
  std::vector<Chunk> chunks;
  for (size_t s = 0; s < room->series.size(); ++s) {
    const Series& series = room->series[s];
    size_t from = 0;
    while (from < series.times.size()) {
      const TimeNs end = (series.times[from] / span + 1) * span;
      size_t to = from;
      while (to < series.times.size() && series.times[to] < end)
        ++to;
      Chunk chunk{s,
                  {series.times.begin() + static_cast<std::ptrdiff_t>(from),
                   series.times.begin() + static_cast<std::ptrdiff_t>(to)},
                  Slice(series.values, from, to),
                  {}};
      chunk.baseline_values = AsDoubles(chunk.values);
      chunks.push_back(std::move(chunk));
      from = to;
    }
  }

  std::vector<std::string> decimal(chunks.size());
  std::vector<std::string> gorilla(chunks.size());
  const double encode_s = BestOf(1, [&] {
    for (size_t c = 0; c < chunks.size(); ++c) {
      decimal[c] = *store::codec::EncodeChunk(chunks[c].times, chunks[c].values);
    }
  });
  const double gorilla_encode_s = BestOf(1, [&] {
    for (size_t c = 0; c < chunks.size(); ++c) {
      gorilla[c] = *store::codec::EncodeChunk(chunks[c].times, chunks[c].baseline_values,
                                              {.decimal = false});
    }
  });

  std::map<std::string, KindTotals> kinds;
  for (const Series& s : room->series) {
    KindTotals& k = kinds[s.kind];
    ++k.series;
    k.points += s.times.size();
  }
  size_t decimal_total = 0;
  size_t gorilla_total = 0;
  for (size_t c = 0; c < chunks.size(); ++c) {
    KindTotals& k = kinds[room->series[chunks[c].series].kind];
    k.decimal_bytes += decimal[c].size();
    k.gorilla_bytes += gorilla[c].size();
    decimal_total += decimal[c].size();
    gorilla_total += gorilla[c].size();
    auto header = store::codec::ReadChunkHeader(decimal[c]);
    ++k.codecs[std::string(store::codec::ValueCodecName(header->value_codec))];
  }

  fmt::print("\nbytes per point, timestamps and chunk headers included ({} chunks of <= {} h)\n",
             chunks.size(), chunk_hours);
  fmt::print("{:<32} {:>6} {:>10} {:>9} {:>9} {:>7}  {}\n", "kind", "series", "points", "coolflow",
             "gorilla", "ratio", "codecs chosen");
  for (const auto& [kind, k] : kinds) {
    std::string codecs;
    for (const auto& [name, n] : k.codecs)
      codecs += fmt::format("{}{}x{}", codecs.empty() ? "" : " ", n, name);
    const double d = static_cast<double>(k.decimal_bytes) / static_cast<double>(k.points);
    const double g = static_cast<double>(k.gorilla_bytes) / static_cast<double>(k.points);
    fmt::print("{:<32} {:>6} {:>10} {:>9.3f} {:>9.3f} {:>6.2f}x  {}\n", kind, k.series, k.points, d,
               g, g / d, codecs);
  }
  const auto points = static_cast<double>(room->points);
  fmt::print("{:<32} {:>6} {:>10} {:>9.3f} {:>9.3f} {:>6.2f}x\n", "all", room->series.size(),
             room->points, static_cast<double>(decimal_total) / points,
             static_cast<double>(gorilla_total) / points,
             static_cast<double>(gorilla_total) / static_cast<double>(decimal_total));

  // Decode throughput: every chunk, then the decimal ones alone.
  store::codec::DecodedChunk out;
  const auto decode_all = [&](const std::vector<std::string>& encoded, auto&& keep) {
    size_t decoded_points = 0;
    const double s = BestOf(kDecodePasses, [&] {
      decoded_points = 0;
      for (size_t c = 0; c < encoded.size(); ++c) {
        if (!keep(c)) continue;
        if (!store::codec::DecodeChunk(encoded[c], out).ok()) std::abort();
        decoded_points += out.times.size();
      }
    });
    return std::pair{decoded_points, s};
  };
  const auto all = [](size_t) { return true; };
  const auto is_decimal = [&](size_t c) {
    return store::codec::ReadChunkHeader(decimal[c])->value_codec ==
           store::codec::ValueCodec::kDecimal;
  };
  std::vector<bool> decimal_chunk(chunks.size());
  for (size_t c = 0; c < chunks.size(); ++c)
    decimal_chunk[c] = is_decimal(c);
  const auto [all_points, all_s] = decode_all(decimal, all);
  const auto [dec_points, dec_s] = decode_all(decimal, [&](size_t c) { return decimal_chunk[c]; });
  const auto [gor_points, gor_s] = decode_all(gorilla, [&](size_t c) { return decimal_chunk[c]; });

  const auto rate = [](double n, double s) {
    return fmt::format("{:7.1f} M points/s", n / s / 1e6);
  };
  fmt::print("\nthroughput, one thread (timestamps + values, checksum verified)\n");
  fmt::print("  encode, coolflow (all chunks)           {}\n", rate(points, encode_s));
  fmt::print("  encode, gorilla  (all chunks)           {}\n", rate(points, gorilla_encode_s));
  fmt::print("  decode, coolflow (all chunks)           {}\n",
             rate(static_cast<double>(all_points), all_s));
  fmt::print("  decode, coolflow (decimal chunks only)  {}\n",
             rate(static_cast<double>(dec_points), dec_s));
  fmt::print("  decode, gorilla  (the same series)      {}\n",
             rate(static_cast<double>(gor_points), gor_s));
  return 0;
}

}  // namespace
}  // namespace coolflow::bench

int main(int argc, char** argv) {
  std::string scenario = std::string(COOLFLOW_SOURCE_DIR) + "/scenarios/steady-week.yaml";
  double days = 7;
  double chunk_hours = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--scenario") {
      scenario = argv[i + 1];
    } else if (flag == "--days") {
      days = std::stod(argv[i + 1]);
    } else if (flag == "--chunk-hours") {
      chunk_hours = std::stod(argv[i + 1]);
    } else {
      fmt::print(stderr,
                 "usage: store_codec_bench [--scenario FILE] [--days N] [--chunk-hours H]\n");
      return 2;
    }
  }
  return coolflow::bench::Run(scenario, days, chunk_hours);
}
