#include "room_data.h"

#include <array>
#include <cmath>
#include <iterator>
#include <random>
#include <string_view>
#include <vector>

#include "fmt/format.h"

namespace coolflow::bench {
namespace {

struct SensorSample {
  int rack = 0;
  int box = 0;  // 1-based over the room: pi-01 .. pi-80
  TimeNs time = 0;
  uint64_t seq = 0;
  double temperature = 0;  // °C, 2 decimals
  double humidity = 0;     // %RH, 1 decimal
};

struct ServerSample {
  int rack = 0;
  int id = 0;  // 1-based: srv-001 .. srv-100
  TimeNs time = 0;
  uint64_t seq = 0;
  // The 12 SNMP items coolflow polls.
  int64_t cpu_user = 0, cpu_system = 0, cpu_idle = 0;  // ticks
  double cpu_percent = 0, load1 = 0, load5 = 0, load15 = 0;
  int64_t memory_total = 0, memory_available = 0;  // KiB
  double disk_used_percent = 0;
  int64_t net_in_octets = 0, net_out_octets = 0;
  // The seed's resource record adds drop and error counts.
  int64_t rx_dropped = 0, tx_dropped = 0, rx_error = 0, tx_error = 0;
};

double Round(double v, double scale) {
  return std::round(v * scale) / scale;
}

// The room's state, advanced one tick at a time.
class Room {
 public:
  explicit Room(uint64_t seed) : rng_(seed), servers_(kServers) {
    for (int s = 0; s < kServers; ++s) {
      ServerSample& server = servers_[static_cast<size_t>(s)];
      server.id = s + 1;
      server.rack = s % kRacks + 1;
      server.memory_total = 8'053'796 + Uniform(0, 4) * 4'194'304;
      server.cpu_user = Uniform(1'000'000, 90'000'000);
      server.cpu_system = Uniform(100'000, 9'000'000);
      server.cpu_idle = Uniform(10'000'000, 900'000'000);
      server.net_in_octets = Uniform(1'000'000'000, 900'000'000'000);
      server.net_out_octets = Uniform(1'000'000'000, 900'000'000'000);
    }
  }

  // Samples every box for the tick starting at `tick`.
  void Step(TimeNs tick, std::vector<SensorSample>& sensors, std::vector<ServerSample>& servers) {
    ++seq_;
    sensors.clear();
    for (int rack = 1; rack <= kRacks; ++rack) {
      const double rack_heat = 2.0 * std::sin(rack * 0.7);
      for (int k = 0; k < kSensorsPerRack; ++k) {
        SensorSample s;
        s.rack = rack;
        s.box = (rack - 1) * kSensorsPerRack + k + 1;
        s.time = tick + Uniform(0, kNanosPerSecond - 1);
        s.seq = seq_;
        s.temperature = Round(22.5 + rack_heat + Real(-1.5, 1.5) + (k % 2) * 3.0, 100);
        s.humidity = Round(Real(35, 55), 10);
        sensors.push_back(s);
      }
    }
    for (ServerSample& s : servers_) {
      s.time = tick + Uniform(0, kNanosPerSecond - 1);
      s.seq = seq_;
      const double busy = Real(0.02, 0.95);
      s.cpu_user += static_cast<int64_t>(busy * 800);
      s.cpu_system += static_cast<int64_t>(busy * 150);
      s.cpu_idle += static_cast<int64_t>((1 - busy) * 1000);
      s.cpu_percent = Round(busy * 100, 10);
      s.load1 = Round(busy * 4, 100);
      s.load5 = Round(s.load5 * 0.9 + s.load1 * 0.1, 100);
      s.load15 = Round(s.load15 * 0.97 + s.load1 * 0.03, 100);
      s.memory_available = s.memory_total / 4 + Uniform(0, s.memory_total / 2);
      s.disk_used_percent = Round(Real(20, 90), 10);
      s.net_in_octets += Uniform(10'000, 50'000'000);
      s.net_out_octets += Uniform(10'000, 80'000'000);
      s.rx_dropped += Uniform(0, 3) == 0 ? 1 : 0;
      s.rx_error += Uniform(0, 50) == 0 ? 1 : 0;
    }
    servers = servers_;
  }

 private:
  int64_t Uniform(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  }
  double Real(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  }

  std::mt19937_64 rng_;
  std::vector<ServerSample> servers_;
  uint64_t seq_ = 0;
};

std::string SensorBox(const SensorSample& s) {
  return fmt::format("pi-{:02}", s.box);
}
std::string ServerBox(const ServerSample& s) {
  return fmt::format("srv-{:03}", s.id);
}
std::string ServerIp(const ServerSample& s) {
  return fmt::format("10.0.{}.{}", s.rack, s.id);
}

void AppendLpTemp(std::string& out, const SensorSample& s) {
  fmt::format_to(std::back_inserter(out), "temp,box={},rack=r{:02} temperature={},humidity={} {}\n",
                 SensorBox(s), s.rack, s.temperature, s.humidity, s.time);
}

void AppendLpResource(std::string& out, const ServerSample& s) {
  fmt::format_to(std::back_inserter(out),
                 "resource,box={},ip={},rack=r{:02} cpu_user={}i,cpu_system={}i,cpu_idle={}i,"
                 "cpu_percent={},load1={},load5={},load15={},memory_total={}i,"
                 "memory_available={}i,disk_used_percent={},net_in_octets={}i,"
                 "net_out_octets={}i {}\n",
                 ServerBox(s), ServerIp(s), s.rack, s.cpu_user, s.cpu_system, s.cpu_idle,
                 s.cpu_percent, s.load1, s.load5, s.load15, s.memory_total, s.memory_available,
                 s.disk_used_percent, s.net_in_octets, s.net_out_octets, s.time);
}

void AppendTempCsv(std::string& out, const SensorSample& s) {
  fmt::format_to(std::back_inserter(out), "{},{},{},{}\n", s.time / kNanosPerMilli, SensorBox(s),
                 s.humidity, s.temperature);
}

void AppendResourceJson(std::string& out, const ServerSample& s) {
  fmt::format_to(std::back_inserter(out),
                 R"({{"cp":"cp-{}","timestamp":{},"ip":"{}","deviceId":"{}","tx":{},"rx":{},)"
                 R"("txDropped":{},"rxDropped":{},"txError":{},"rxError":{},"cpu":{},)"
                 R"("memory":{},"disk":{}}})"
                 "\n",
                 s.rack, s.time / kNanosPerMilli, ServerIp(s), ServerBox(s), s.net_out_octets,
                 s.net_in_octets, s.tx_dropped, s.rx_dropped, s.tx_error, s.rx_error, s.load1,
                 s.memory_available, s.disk_used_percent);
}

// The 12 SNMP metrics of a server as (name, JSON value text).
std::array<std::pair<std::string_view, std::string>, 12> ServerMetrics(const ServerSample& s) {
  auto num = [](auto v) { return fmt::format("{}", v); };
  return {{{"cpu_user", num(s.cpu_user)},
           {"cpu_system", num(s.cpu_system)},
           {"cpu_idle", num(s.cpu_idle)},
           {"cpu_percent", num(s.cpu_percent)},
           {"load1", num(s.load1)},
           {"load5", num(s.load5)},
           {"load15", num(s.load15)},
           {"memory_total", num(s.memory_total)},
           {"memory_available", num(s.memory_available)},
           {"disk_used_percent", num(s.disk_used_percent)},
           {"net_in_octets", num(s.net_in_octets)},
           {"net_out_octets", num(s.net_out_octets)}}};
}

void AppendReadingsJson(std::string& out, const SensorSample& s) {
  const std::string box = SensorBox(s);
  fmt::format_to(std::back_inserter(out),
                 R"({{"box":"{}","measurement":"temp","metric":"temperature","value":{},)"
                 R"("unit":"Cel","time":{},"seq":{},"tags":{{"rack":"r{:02}"}}}})"
                 "\n"
                 R"({{"box":"{}","measurement":"temp","metric":"humidity","value":{},)"
                 R"("unit":"%RH","time":{},"seq":{},"tags":{{"rack":"r{:02}"}}}})"
                 "\n",
                 box, s.temperature, s.time, s.seq, s.rack, box, s.humidity, s.time, s.seq, s.rack);
}

void AppendReadingsJson(std::string& out, const ServerSample& s) {
  const std::string box = ServerBox(s);
  const std::string ip = ServerIp(s);
  for (const auto& [metric, value] : ServerMetrics(s)) {
    fmt::format_to(std::back_inserter(out),
                   R"({{"box":"{}","measurement":"resource","metric":"{}","value":{},)"
                   R"("time":{},"seq":{},"tags":{{"ip":"{}","rack":"r{:02}"}}}})"
                   "\n",
                   box, metric, value, s.time, s.seq, ip, s.rack);
  }
}

void AppendBatchJson(std::string& out, const SensorSample& s) {
  fmt::format_to(std::back_inserter(out),
                 R"({{"box":"{}","measurement":"temp","time":{},"seq":{},)"
                 R"("tags":{{"rack":"r{:02}"}},"readings":[)"
                 R"({{"metric":"temperature","value":{},"unit":"Cel"}},)"
                 R"({{"metric":"humidity","value":{},"unit":"%RH"}}]}})"
                 "\n",
                 SensorBox(s), s.time, s.seq, s.rack, s.temperature, s.humidity);
}

void AppendBatchJson(std::string& out, const ServerSample& s) {
  fmt::format_to(std::back_inserter(out),
                 R"({{"box":"{}","measurement":"resource","time":{},"seq":{},)"
                 R"("tags":{{"ip":"{}","rack":"r{:02}"}},"readings":[)",
                 ServerBox(s), s.time, s.seq, ServerIp(s), s.rack);
  char separator = ' ';
  for (const auto& [metric, value] : ServerMetrics(s)) {
    if (separator == ',') out += ',';
    separator = ',';
    fmt::format_to(std::back_inserter(out), R"({{"metric":"{}","value":{}}})", metric, value);
  }
  out += "]}\n";
}

}  // namespace

RoomInputs GenerateRoom(size_t min_bytes, uint64_t seed) {
  RoomInputs in;
  Room room(seed);
  std::vector<SensorSample> sensors;
  std::vector<ServerSample> servers;
  std::string* const all[] = {
      &in.line_protocol, &in.line_protocol_temp, &in.line_protocol_resource, &in.temp_csv,
      &in.resource_json, &in.coolflow_readings,  &in.coolflow_batches};
  auto needs = [&](const std::string& s) { return s.size() < min_bytes; };
  for (TimeNs tick = kFirstTick;; tick += kTick) {
    bool any = false;
    for (const std::string* s : all)
      any = any || needs(*s);
    if (!any) break;
    room.Step(tick, sensors, servers);
    for (const SensorSample& s : sensors)
      in.last_time = std::max(in.last_time, s.time);
    for (const ServerSample& s : servers)
      in.last_time = std::max(in.last_time, s.time);
    if (needs(in.line_protocol)) {
      for (const SensorSample& s : sensors)
        AppendLpTemp(in.line_protocol, s);
      for (const ServerSample& s : servers)
        AppendLpResource(in.line_protocol, s);
    }
    if (needs(in.line_protocol_temp)) {
      for (const SensorSample& s : sensors)
        AppendLpTemp(in.line_protocol_temp, s);
    }
    if (needs(in.line_protocol_resource)) {
      for (const ServerSample& s : servers)
        AppendLpResource(in.line_protocol_resource, s);
    }
    if (needs(in.temp_csv)) {
      for (const SensorSample& s : sensors)
        AppendTempCsv(in.temp_csv, s);
    }
    if (needs(in.resource_json)) {
      for (const ServerSample& s : servers)
        AppendResourceJson(in.resource_json, s);
    }
    if (needs(in.coolflow_readings)) {
      for (const SensorSample& s : sensors)
        AppendReadingsJson(in.coolflow_readings, s);
      for (const ServerSample& s : servers)
        AppendReadingsJson(in.coolflow_readings, s);
    }
    if (needs(in.coolflow_batches)) {
      for (const SensorSample& s : sensors)
        AppendBatchJson(in.coolflow_batches, s);
      for (const ServerSample& s : servers)
        AppendBatchJson(in.coolflow_batches, s);
    }
  }
  return in;
}

}  // namespace coolflow::bench
