// The host input beside the peer it stands in for: net-snmp's snmpd, started on a loopback
// port and asked for the same box's UCD-SNMP-MIB values with the real `snmpget`. Where both
// describe the same quantity the numbers must agree, which pins down that coolflow's
// cpu_user/cpu_system/cpu_idle are ssCpuRawUser/System/Idle (same fields, same 1/100 s
// ticks), memory_total is memTotalReal, memory_buffers is memBuffer, swap_available is
// memAvailSwap, and uptime is hrSystemUptime in seconds.
//
// Not compared, because net-snmp defines them otherwise (see host_input.h): memAvailReal is
// MemFree, not MemAvailable; memCached is Cached + SReclaimable.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/inputs/host/host_input.h"
#include "fmt/format.h"
#include "support/server_process.h"

namespace coolflow::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kCommunity[] = "coolflow-host-test";

// UCD-SNMP-MIB and HOST-RESOURCES-MIB objects, numeric: the MIB files are not installed.
constexpr char kSsCpuRawUser[] = ".1.3.6.1.4.1.2021.11.50.0";
constexpr char kSsCpuRawSystem[] = ".1.3.6.1.4.1.2021.11.52.0";
constexpr char kSsCpuRawIdle[] = ".1.3.6.1.4.1.2021.11.53.0";
constexpr char kMemTotalReal[] = ".1.3.6.1.4.1.2021.4.5.0";
constexpr char kMemAvailSwap[] = ".1.3.6.1.4.1.2021.4.4.0";
constexpr char kMemBuffer[] = ".1.3.6.1.4.1.2021.4.14.0";
constexpr char kHrSystemUptime[] = ".1.3.6.1.2.1.25.1.1.0";

// snmpd refreshes its CPU figures from a cache at most every few seconds (net-snmp's
// hardware/cpu cache): its counters may lag ours by that much.
constexpr double kSnmpdCacheSeconds = 6;
constexpr double kTicksPerSecond = 100;

class Snmpd {
 public:
  void Start() {
    auto dir = testing::MakeTempDir("snmpd");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = *dir;
    auto snmpd = testing::FindProgram("snmpd", "snmpd");
    ASSERT_TRUE(snmpd.ok()) << snmpd.status().ToString();
    auto snmpget = testing::FindProgram("snmpget", "snmp");
    ASSERT_TRUE(snmpget.ok()) << snmpget.status().ToString();
    snmpget_ = *snmpget;
    const fs::path conf = dir_ / "snmpd.conf";
    ASSERT_TRUE(
        testing::WriteFile(conf, fmt::format("rocommunity {} 127.0.0.1\n", kCommunity)).ok());
    testing::ServerProcess::Options options;
    options.extra_env = {"SNMP_PERSISTENT_DIR=" + (dir_ / "persist").string(), "MIBS="};
    // A free port may be taken before snmpd binds it: try a few.
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto port = testing::FreeLoopbackPort(testing::Protocol::kUdp);
      ASSERT_TRUE(port.ok()) << port.status().ToString();
      port_ = *port;
      auto server = testing::ServerProcess::Spawn(
          {*snmpd, "-f", "-Lo", "-C", "-c", conf.string(), fmt::format("udp:127.0.0.1:{}", port_)},
          dir_ / "snmpd.log", options);
      ASSERT_TRUE(server.ok()) << server.status().ToString();
      server_ = std::move(*server);
      Status up = testing::WaitUntil([&] { return !Get({kHrSystemUptime}).empty(); }, 10s, *server_,
                                     "snmpd");
      if (up.ok()) return;
      server_.reset();
    }
    FAIL() << "snmpd did not start";
  }

  ~Snmpd() {
    server_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  // The values of `oids` as numbers, in order; empty when snmpget failed.
  std::vector<double> Get(const std::vector<std::string>& oids) const {
    std::string command =
        fmt::format("MIBS= '{}' -v2c -c {} -m '' -On -Oqvt -t 1 -r 1 127.0.0.1:{}", snmpget_,
                    kCommunity, port_);
    for (const std::string& oid : oids)
      command += " " + oid;
    command += " 2>/dev/null";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return {};
    std::string output;
    char buffer[256];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
      output.append(buffer, n);
    if (::pclose(pipe) != 0) return {};
    std::vector<double> values;
    std::istringstream in(output);
    double v = 0;
    while (in >> v)
      values.push_back(v);
    if (values.size() != oids.size()) return {};
    return values;
  }

 private:
  fs::path dir_;
  std::string snmpget_;
  uint16_t port_ = 0;
  std::unique_ptr<testing::ServerProcess> server_;
};

std::map<std::string, double> PollHost(Input& input) {
  PollResult result;
  input.Poll(1'750'000'000LL * kNanosPerSecond, std::chrono::steady_clock::now() + 10s, result);
  EXPECT_TRUE(result.errors.empty());
  std::map<std::string, double> out;
  for (const reading::Reading& r : result.readings)
    out[r.metric] = reading::ValueAsDouble(r.value);
  return out;
}

TEST(HostSnmpd, AgreesWithNetSnmpOnTheSameBox) {
  Snmpd snmpd;
  ASSERT_NO_FATAL_FAILURE(snmpd.Start());
  // snmpd's CPU counters read 0 until its first cache load.
  const auto until = std::chrono::steady_clock::now() + 20s;
  std::vector<double> cpu;
  for (;;) {
    cpu = snmpd.Get({kSsCpuRawUser});
    if ((!cpu.empty() && cpu[0] > 0) || std::chrono::steady_clock::now() > until) break;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_FALSE(cpu.empty());
  ASSERT_GT(cpu[0], 0) << "snmpd's CPU counters stayed at 0";

  HostInputConfig config;
  config.box = "pi-1";
  auto input = MakeHostInput(config);
  ASSERT_TRUE(input.ok()) << input.status().ToString();
  auto before = PollHost(**input);
  const std::vector<double> snmp =
      snmpd.Get({kSsCpuRawUser, kSsCpuRawSystem, kSsCpuRawIdle, kMemTotalReal, kMemAvailSwap,
                 kMemBuffer, kHrSystemUptime});
  auto after = PollHost(**input);
  ASSERT_EQ(snmp.size(), 7u);

  // CPU counters: snmpd's value lies between ours before and after, give or take its cache.
  const double cpus = static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN));
  const double slack = kSnmpdCacheSeconds * kTicksPerSecond * cpus;
  const std::pair<std::string, double> counters[] = {
      {"cpu_user", snmp[0]}, {"cpu_system", snmp[1]}, {"cpu_idle", snmp[2]}};
  for (const auto& [metric, value] : counters) {
    EXPECT_GE(value, before[metric] - slack) << metric;
    EXPECT_LE(value, after[metric]) << metric;
  }
  EXPECT_EQ(after["memory_total"], snmp[3]);
  EXPECT_NEAR(after["swap_available"], snmp[4], 0.01 * snmp[4] + 1024);
  EXPECT_NEAR(after["memory_buffers"], snmp[5], 0.05 * snmp[5] + 1024);
  // hrSystemUptime counts hundredths of a second.
  EXPECT_NEAR(after["uptime"], snmp[6] / kTicksPerSecond, kSnmpdCacheSeconds + 5);
}

}  // namespace
}  // namespace coolflow::agent
