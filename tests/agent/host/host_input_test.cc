// The host input against a fake /proc (files in the kernel's formats, changed between polls
// to check the rates exactly) and against this machine's real /proc, checked with values
// read independently around the poll.
#include "agent/inputs/host/host_input.h"

#include <gtest/gtest.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "reading/validate.h"
#include "support/server_process.h"

namespace coolflow::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr TimeNs kNow = 1'750'000'000LL * kNanosPerSecond;

::testing::AssertionResult Contains(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" lacks \"" << part << "\"";
}

struct Polled {
  std::map<std::string, reading::Reading> by_metric;
  std::vector<InputError> errors;
  std::string describe;
};

Polled Poll(Input& input, TimeNs now = kNow) {
  PollResult result;
  input.Poll(now, std::chrono::steady_clock::now() + 10s, result);
  Polled out;
  for (const reading::Reading& r : result.readings) {
    // Every reading passes the hub's validation.
    auto violation = reading::Validate(r, now, reading::ValidationOptions{});
    EXPECT_FALSE(violation.has_value())
        << r.metric << ": " << (violation ? violation->message : "");
    EXPECT_EQ(r.measurement, "resource");
    EXPECT_EQ(r.box, "pi-1");
    EXPECT_NE(reading::FindMetric(r.metric), nullptr) << r.metric << " is not in the catalog";
    EXPECT_TRUE(out.by_metric.emplace(r.metric, r).second) << r.metric << " twice";
    out.describe += r.metric + "=" + std::to_string(reading::ValueAsDouble(r.value)) + "\n";
  }
  for (const InputError& e : result.errors)
    out.describe += "error " + e.source + ": " + e.why + "\n";
  out.errors = std::move(result.errors);
  return out;
}

double Get(const Polled& p, const std::string& metric) {
  auto it = p.by_metric.find(metric);
  return it == p.by_metric.end() ? std::nan("") : reading::ValueAsDouble(it->second.value);
}

class FakeProc {
 public:
  FakeProc() {
    auto dir = testing::MakeTempDir("proc");
    EXPECT_TRUE(dir.ok()) << dir.status().ToString();
    root_ = *dir;
    fs::create_directories(root_ / "net");
  }
  ~FakeProc() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  const fs::path& root() const { return root_; }
  void Write(std::string_view name, std::string_view text) const {
    ASSERT_TRUE(testing::WriteFile(root_ / name, text).ok()) << name;
  }
  void Remove(std::string_view name) const { fs::remove(root_ / name); }

  // A Raspberry Pi 4 at rest, in the kernel's formats.
  void WriteAll(uint64_t user, uint64_t system, uint64_t idle, uint64_t iowait, uint64_t eth0_rx,
                uint64_t eth0_tx, uint64_t wlan0_rx, uint64_t wlan0_tx,
                std::string_view uptime) const {
    Write("stat", "cpu  " + std::to_string(user) + " 1200 " + std::to_string(system) + " " +
                      std::to_string(idle) + " " + std::to_string(iowait) +
                      " 0 800 0 0 0\n"
                      "cpu0 1 2 3 4 5 0 6 0 0 0\n"
                      "intr 48151342 0 9 0\nctxt 89012345\nbtime 1749990100\n"
                      "processes 16060\nprocs_running 1\nprocs_blocked 0\n");
    Write("loadavg", "0.52 0.58 0.59 1/219 3120\n");
    Write("meminfo",
          "MemTotal:        3884096 kB\nMemFree:         2160968 kB\n"
          "MemAvailable:    3186784 kB\nBuffers:           30440 kB\n"
          "Cached:           960692 kB\nSwapCached:            0 kB\n"
          "SwapTotal:        102396 kB\nSwapFree:          92396 kB\n"
          "HugePages_Total:       0\n");
    Write("net/dev",
          "Inter-|   Receive                                                |  Transmit\n"
          " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
          "errs drop fifo colls carrier compressed\n"
          "    lo:  555555     100    0    0    0     0          0         0   555555     100 "
          "   0    0    0     0       0          0\n"
          "  eth0: " +
              std::to_string(eth0_rx) + " 10 0 0 0 0 0 0 " + std::to_string(eth0_tx) +
              " 10 0 0 0 0 0 0\n"
              " wlan0: " +
              std::to_string(wlan0_rx) + " 10 0 0 0 0 0 0 " + std::to_string(wlan0_tx) +
              " 10 0 0 0 0 0 0\n");
    Write("uptime", std::string(uptime) + " 7934.39\n");
  }

 private:
  fs::path root_;
};

HostInputConfig Config(const fs::path& proc_root, const fs::path& disk) {
  HostInputConfig config;
  config.box = "pi-1";
  config.proc_root = proc_root;
  config.disk_path = disk;
  return config;
}

std::unique_ptr<Input> Make(const HostInputConfig& config) {
  auto input = MakeHostInput(config);
  EXPECT_TRUE(input.ok()) << input.status().ToString();
  return input.ok() ? std::move(*input) : nullptr;
}

uint64_t Hundredths(uint64_t ticks) {
  const auto hz = static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
  return ticks * 100 / hz;
}

const std::set<std::string> kFirstPollMetrics = {
    "cpu_user",       "cpu_system",        "cpu_idle",         "load1",          "load5",
    "load15",         "memory_total",      "memory_available", "memory_buffers", "memory_cached",
    "swap_available", "disk_used_percent", "net_in_octets",    "net_out_octets", "uptime"};

std::set<std::string> Metrics(const Polled& p) {
  std::set<std::string> out;
  for (const auto& [metric, r] : p.by_metric)
    out.insert(metric);
  return out;
}

// Values and types on the first poll; rates from the second, exact from the fake files;
// none after counters went backwards (a reboot).
TEST(HostInput, FakeProcValuesAndRates) {
  FakeProc proc;
  proc.WriteAll(866727, 101544, 787961, 4093, 1'000'000, 200'000, 50'000, 7'000, "9899.30");
  auto input = Make(Config(proc.root(), proc.root()));
  ASSERT_NE(input, nullptr);

  Polled first = Poll(*input);
  EXPECT_TRUE(first.errors.empty()) << first.describe;
  EXPECT_EQ(Metrics(first), kFirstPollMetrics) << first.describe;
  EXPECT_EQ(Get(first, "cpu_user"), static_cast<double>(Hundredths(866727)));
  EXPECT_EQ(Get(first, "cpu_system"), static_cast<double>(Hundredths(101544)));
  EXPECT_EQ(Get(first, "cpu_idle"), static_cast<double>(Hundredths(787961)));
  EXPECT_DOUBLE_EQ(Get(first, "load1"), 0.52);
  EXPECT_DOUBLE_EQ(Get(first, "load5"), 0.58);
  EXPECT_DOUBLE_EQ(Get(first, "load15"), 0.59);
  EXPECT_EQ(Get(first, "memory_total"), 3884096);
  EXPECT_EQ(Get(first, "memory_available"), 3186784);
  EXPECT_EQ(Get(first, "memory_buffers"), 30440);
  EXPECT_EQ(Get(first, "memory_cached"), 960692);
  EXPECT_EQ(Get(first, "swap_available"), 92396);
  EXPECT_EQ(Get(first, "net_in_octets"), 1'050'000);  // eth0 + wlan0, not lo
  EXPECT_EQ(Get(first, "net_out_octets"), 207'000);
  EXPECT_DOUBLE_EQ(Get(first, "uptime"), 9899.30);
  // Counters are unsigned, gauges doubles; units from the catalog.
  EXPECT_TRUE(std::holds_alternative<uint64_t>(first.by_metric["cpu_user"].value));
  EXPECT_TRUE(std::holds_alternative<uint64_t>(first.by_metric["net_in_octets"].value));
  EXPECT_TRUE(std::holds_alternative<double>(first.by_metric["memory_total"].value));
  EXPECT_EQ(first.by_metric["cpu_user"].unit, reading::Unit::kTicks);
  EXPECT_EQ(first.by_metric["memory_total"].unit, reading::Unit::kKibibytes);
  EXPECT_EQ(first.by_metric["disk_used_percent"].unit, reading::Unit::kPercent);

  // 10 s later: user +300, system +100, idle +550, iowait +50 ticks: 400 busy of 1000.
  proc.WriteAll(867027, 101644, 788511, 4143, 1'004'000, 200'500, 53'000, 7'100, "9909.30");
  Polled second = Poll(*input, kNow + 10 * kNanosPerSecond);
  EXPECT_TRUE(second.errors.empty()) << second.describe;
  EXPECT_NEAR(Get(second, "cpu_percent"), 40.0, 1e-9);
  EXPECT_NEAR(Get(second, "net_in_rate"), 700.0, 1e-6);  // (4000 + 3000) / 10 s
  EXPECT_NEAR(Get(second, "net_out_rate"), 60.0, 1e-6);  // (500 + 100) / 10 s
  EXPECT_EQ(second.by_metric["net_in_rate"].unit, reading::Unit::kBytesPerSecond);

  // Rebooted: every counter smaller than before. No rates, no errors.
  proc.WriteAll(300, 100, 500, 10, 1000, 100, 10, 1, "12.50");
  Polled third = Poll(*input, kNow + 20 * kNanosPerSecond);
  EXPECT_TRUE(third.errors.empty()) << third.describe;
  EXPECT_EQ(Metrics(third), kFirstPollMetrics) << third.describe;

  // 10 s on, eth0 was re-created (its counters restarted) while wlan0 counted on: no net
  // rate, since eth0's traffic in between is unknown; cpu_percent is there again.
  proc.WriteAll(600, 200, 1100, 10, 500, 50, 20, 2, "22.50");
  Polled fourth = Poll(*input, kNow + 30 * kNanosPerSecond);
  EXPECT_TRUE(fourth.errors.empty()) << fourth.describe;
  EXPECT_EQ(fourth.by_metric.count("net_in_rate"), 0u) << fourth.describe;
  EXPECT_NEAR(Get(fourth, "cpu_percent"), 40.0, 1e-9);  // (300 + 100) of 1000
}

// One interface only; an interface the box lacks costs the net metrics and says which
// interfaces there are.
TEST(HostInput, SelectsTheConfiguredInterface) {
  FakeProc proc;
  proc.WriteAll(1, 1, 1, 1, 1'000'000, 200'000, 50'000, 7'000, "100.00");
  HostInputConfig config = Config(proc.root(), proc.root());
  config.interface = "wlan0";
  auto input = Make(config);
  Polled p = Poll(*input);
  EXPECT_EQ(Get(p, "net_in_octets"), 50'000);
  EXPECT_EQ(Get(p, "net_out_octets"), 7'000);

  config.interface = "eth9";
  auto missing = Make(config);
  Polled q = Poll(*missing);
  ASSERT_EQ(q.errors.size(), 1u) << q.describe;
  EXPECT_EQ(q.errors[0].source, (proc.root() / "net/dev").string());
  EXPECT_EQ(q.errors[0].why, "no interface 'eth9' (the box has: lo, eth0, wlan0)");
  EXPECT_EQ(q.by_metric.count("net_in_octets"), 0u);
  EXPECT_EQ(q.by_metric.count("uptime"), 1u);
}

// Each broken or missing file costs its own metrics and one error naming it (and the line);
// the rest of the poll goes on.
TEST(HostInput, OneBrokenFileCostsOnlyItsMetrics) {
  FakeProc proc;
  proc.WriteAll(1, 1, 1, 1, 1, 1, 1, 1, "100.00");
  proc.Remove("loadavg");
  proc.Write("meminfo", "MemTotal:        3884096 kB\nMemFree 2160968 kB\n");
  proc.Write("stat", "cpu 99999999999999999999999 1 1 1\n");
  auto input = Make(Config(proc.root(), "/nonexistent-coolflow-disk"));
  Polled p = Poll(*input);
  std::map<std::string, std::string> errors;
  for (const InputError& e : p.errors)
    errors[e.source] = e.why;
  EXPECT_EQ(errors.size(), 4u) << p.describe;
  EXPECT_EQ(errors[(proc.root() / "loadavg").string()],
            "read failed: ENOENT (No such file or directory)");
  EXPECT_TRUE(Contains(errors[(proc.root() / "meminfo").string()],
                       "line 2: expected 'Key: value kB', found 'MemFree 2160968 kB'"));
  EXPECT_TRUE(Contains(errors[(proc.root() / "stat").string()], "line 1: user"));
  EXPECT_TRUE(Contains(errors["/nonexistent-coolflow-disk"], "statvfs failed: ENOENT"));
  EXPECT_EQ(Metrics(p), (std::set<std::string>{"net_in_octets", "net_out_octets", "uptime"}))
      << p.describe;

  // A kernel without MemAvailable: the other memory metrics, and an error saying so.
  proc.Write("meminfo",
             "MemTotal: 1000 kB\nMemFree: 500 kB\nBuffers: 1 kB\nCached: 2 kB\n"
             "SwapFree: 3 kB\n");
  Polled q = Poll(*input);
  EXPECT_EQ(q.by_metric.count("memory_total"), 1u);
  EXPECT_EQ(q.by_metric.count("memory_available"), 0u);
  bool said = false;
  for (const InputError& e : q.errors)
    said = said || Contains(e.why, "no MemAvailable line");
  EXPECT_TRUE(said) << q.describe;
}

TEST(HostConfig, RefusesBadConfigNamingTheField) {
  auto check = [](auto change) {
    HostInputConfig config;
    config.box = "pi-1";
    change(config);
    return ValidateHostInputConfig(config);
  };
  EXPECT_TRUE(check([](HostInputConfig&) {}).ok());
  EXPECT_TRUE(check([](HostInputConfig& c) { c.interface = "eth0"; }).ok());
  const std::pair<std::function<void(HostInputConfig&)>, std::string_view> cases[] = {
      {[](auto& c) { c.box = "-x"; }, "box: box id '-x' must start with a letter or a digit"},
      {[](auto& c) { c.proc_root = ""; }, "proc_root is empty"},
      {[](auto& c) { c.interface = "../eth0"; }, "interface '../eth0' is not an interface name"},
      {[](auto& c) { c.interface = "eth0:1"; }, "interface 'eth0:1'"},
      {[](auto& c) { c.interface = "averyveryverylongname"; }, "is not an interface name"},
      {[](auto& c) { c.disk_path = "data"; }, "disk_path 'data' must be an absolute path"},
      {[](auto& c) {
         c.tags = {{"box", "x"}};
       },
       "tags[0]: the key 'box' is reserved"},
      {[](auto& c) {
         c.tags = {{"ip", "a"}, {"ip", "b"}};
       },
       "tags[1]: the key 'ip' is given twice"},
      {[](auto& c) {
         c.tags = {{"ip", ""}};
       },
       "tags[0] (ip): value: empty name"},
  };
  for (const auto& [change, why] : cases) {
    Status s = check(change);
    ASSERT_FALSE(s.ok()) << why;
    EXPECT_TRUE(Contains(s.message(), why));
  }
  HostInputConfig bad;
  EXPECT_FALSE(MakeHostInput(bad).ok());
}

// --- the real /proc of this machine ------------------------------------------------------

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The value after `key` in /proc/meminfo, read with plain iostreams (not the input's parser).
uint64_t MeminfoValue(std::string_view key) {
  std::istringstream in(Slurp("/proc/meminfo"));
  std::string name;
  uint64_t value = 0;
  std::string unit;
  while (in >> name >> value) {
    if (name == std::string(key) + ":") return value;
    std::getline(in, unit);
  }
  ADD_FAILURE() << "no " << key << " in /proc/meminfo";
  return 0;
}

struct RealCpu {
  uint64_t user = 0, nice = 0, system = 0, idle = 0;
};
RealCpu ReadCpu() {
  std::istringstream in(Slurp("/proc/stat"));
  std::string cpu;
  RealCpu out;
  in >> cpu >> out.user >> out.nice >> out.system >> out.idle;
  EXPECT_EQ(cpu, "cpu");
  return out;
}

double ReadUptime() {
  std::istringstream in(Slurp("/proc/uptime"));
  double seconds = 0;
  in >> seconds;
  return seconds;
}

double DiskUsedPercent(const char* path) {
  struct statvfs s {};
  EXPECT_EQ(::statvfs(path, &s), 0);
  const double used = static_cast<double>(s.f_blocks - s.f_bfree);
  return used * 100 / (used + static_cast<double>(s.f_bavail));
}

// Against the real /proc: every metric, each between independent reads taken before and
// after the poll (equal where the value cannot move); cpu_percent once ticks have passed.
TEST(HostInput, RealProcOfThisMachine) {
  auto input = Make(Config("/proc", "/"));
  ASSERT_NE(input, nullptr);
  const RealCpu cpu_before = ReadCpu();
  const double uptime_before = ReadUptime();
  const double disk_before = DiskUsedPercent("/");
  Polled p = Poll(*input);
  const RealCpu cpu_after = ReadCpu();
  const double uptime_after = ReadUptime();
  const double disk_after = DiskUsedPercent("/");

  EXPECT_TRUE(p.errors.empty()) << p.describe;
  EXPECT_EQ(Metrics(p), kFirstPollMetrics) << p.describe;
  EXPECT_EQ(Get(p, "memory_total"), static_cast<double>(MeminfoValue("MemTotal")));
  EXPECT_LE(Get(p, "memory_available"), Get(p, "memory_total"));
  EXPECT_GT(Get(p, "memory_available"), 0);
  EXPECT_GE(Get(p, "cpu_user"), static_cast<double>(Hundredths(cpu_before.user)));
  EXPECT_LE(Get(p, "cpu_user"), static_cast<double>(Hundredths(cpu_after.user)));
  EXPECT_GE(Get(p, "cpu_system"), static_cast<double>(Hundredths(cpu_before.system)));
  EXPECT_LE(Get(p, "cpu_system"), static_cast<double>(Hundredths(cpu_after.system)));
  EXPECT_GE(Get(p, "cpu_idle"), static_cast<double>(Hundredths(cpu_before.idle)));
  EXPECT_LE(Get(p, "cpu_idle"), static_cast<double>(Hundredths(cpu_after.idle)));
  EXPECT_GE(Get(p, "uptime"), uptime_before);
  EXPECT_LE(Get(p, "uptime"), uptime_after);
  EXPECT_GE(Get(p, "disk_used_percent"), std::min(disk_before, disk_after) - 0.5);
  EXPECT_LE(Get(p, "disk_used_percent"), std::max(disk_before, disk_after) + 0.5);
  EXPECT_GE(Get(p, "load1"), 0);

  // cpu_percent and the net rates need ticks and uptime to pass between two polls.
  const auto until = std::chrono::steady_clock::now() + 10s;
  Polled later;
  do {
    later = Poll(*input);
  } while (
      (later.by_metric.count("cpu_percent") == 0 || later.by_metric.count("net_in_rate") == 0) &&
      std::chrono::steady_clock::now() < until);
  EXPECT_TRUE(later.errors.empty()) << later.describe;
  ASSERT_EQ(later.by_metric.count("cpu_percent"), 1u) << later.describe;
  EXPECT_GE(Get(later, "cpu_percent"), 0);
  EXPECT_LE(Get(later, "cpu_percent"), 100);
  EXPECT_EQ(later.by_metric.count("net_in_rate"), 1u) << later.describe;
}

}  // namespace
}  // namespace coolflow::agent
