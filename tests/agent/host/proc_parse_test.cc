// The /proc parsers on text in the kernel's formats (copied from a Linux 6.1 box) and on the
// broken text a truncated read, a foreign file or an overflowing counter would give.
#include "agent/inputs/host/proc_parse.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace coolflow::agent {
namespace {

::testing::AssertionResult Contains(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" lacks \"" << part << "\"";
}

// Text a parser must refuse, and a part of the message that says why.
struct Refusal {
  std::string text;
  std::string_view why;
};

// `parse` refuses every text in `refusals`, each with a message that contains its `why`.
template <typename T>
void ExpectRefused(Result<T> (*parse)(std::string_view), std::initializer_list<Refusal> refusals) {
  for (const Refusal& r : refusals) {
    auto v = parse(r.text);
    ASSERT_FALSE(v.ok()) << r.text;
    EXPECT_TRUE(Contains(v.status().message(), r.why)) << r.text;
  }
}

constexpr std::string_view kStat =
    "cpu  866727 205171 101544 787961 4093 0 829 2191 0 0\n"
    "cpu0 433363 102585 50772 393980 2046 0 414 1095 0 0\n"
    "cpu1 433364 102586 50772 393981 2047 0 415 1096 0 0\n"
    "intr 48151342 0 9 0 0 0 0 0 0 0 0 0 0 0 0\n"
    "ctxt 89012345\n"
    "btime 1749990100\n"
    "processes 16060\n"
    "procs_running 4\n"
    "procs_blocked 0\n"
    "softirq 9158451 0 2417066 15 497452 0 0 1 2897395 0 3346522\n";

TEST(HostParse, ProcStat) {
  auto cpu = ParseProcStat(kStat);
  ASSERT_TRUE(cpu.ok()) << cpu.status().ToString();
  EXPECT_EQ(cpu->user, 866727u);
  EXPECT_EQ(cpu->nice, 205171u);
  EXPECT_EQ(cpu->system, 101544u);
  EXPECT_EQ(cpu->idle, 787961u);
  EXPECT_EQ(cpu->iowait, 4093u);
  EXPECT_EQ(cpu->irq, 0u);
  EXPECT_EQ(cpu->softirq, 829u);
  EXPECT_EQ(cpu->steal, 2191u);

  // A 2.4 kernel's four fields.
  auto old = ParseProcStat("cpu 10 20 30 40\n");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->idle, 40u);
  EXPECT_EQ(old->iowait, 0u);
}

TEST(HostParse, ProcStatRefusesBrokenText) {
  ExpectRefused(ParseProcStat,
                {
                    {"", "no aggregate 'cpu' line"},
                    {"cpu0 1 2 3 4\n", "no aggregate 'cpu' line"},
                    {"intr 1\ncpu 1 2 3\n", "line 2: the cpu line has 3 numbers; at least 4"},
                    {"cpu 1 2 x 4\n", "line 1: system 'x' is not a whole number"},
                    {"cpu 1 2 -3 4\n", "line 1: system '-3' is not a whole number"},
                    {"cpu 99999999999999999999999 2 3 4\n",
                     "line 1: user '99999999999999999999999' does not fit 64 bits"},
                });
}

TEST(HostParse, Loadavg) {
  auto load = ParseLoadavg("0.89 0.91 1.25 4/105 16060\n");
  ASSERT_TRUE(load.ok()) << load.status().ToString();
  EXPECT_DOUBLE_EQ(load->load1, 0.89);
  EXPECT_DOUBLE_EQ(load->load5, 0.91);
  EXPECT_DOUBLE_EQ(load->load15, 1.25);
  ExpectRefused(ParseLoadavg,
                {
                    {"", "line 1: 0 fields"},
                    {"0.89 0.91\n", "line 1: 2 fields"},
                    {"0.89 -1 1.25 4/105 1\n", "line 1: load5 '-1' is not a non-negative decimal"},
                    {"0.89 nan 1.25 4/105 1\n", "load5 'nan'"},
                    {"0.89 1e999 1.25 4/105 1\n", "load5 '1e999'"},
                    {"0.89 1.2.3 1.25 4/105 1\n", "load5 '1.2.3'"},
                });
}

constexpr std::string_view kMeminfo =
    "MemTotal:        3884096 kB\n"
    "MemFree:         2160968 kB\n"
    "MemAvailable:    3186784 kB\n"
    "Buffers:           30440 kB\n"
    "Cached:           960692 kB\n"
    "SwapCached:            0 kB\n"
    "Active:           681044 kB\n"
    "Inactive:         713444 kB\n"
    "SwapTotal:        102396 kB\n"
    "SwapFree:         102396 kB\n"
    "Shmem:              8872 kB\n"
    "SReclaimable:      84068 kB\n"
    "HugePages_Total:       0\n"
    "HugePages_Free:        0\n"
    "Hugepagesize:       2048 kB\n";

TEST(HostParse, Meminfo) {
  auto info = ParseMeminfo(kMeminfo);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->mem_total, 3884096u);
  EXPECT_EQ(info->mem_free, 2160968u);
  EXPECT_EQ(info->mem_available, 3186784u);
  EXPECT_EQ(info->buffers, 30440u);
  EXPECT_EQ(info->cached, 960692u);  // not SwapCached, which comes first in the file
  EXPECT_EQ(info->swap_total, 102396u);
  EXPECT_EQ(info->swap_free, 102396u);

  // A pre-3.14 kernel: no MemAvailable line.
  auto old = ParseMeminfo("MemTotal: 1000 kB\nMemFree: 500 kB\n");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_FALSE(old->mem_available.has_value());
}

TEST(HostParse, MeminfoRefusesBrokenText) {
  ExpectRefused(
      ParseMeminfo,
      {
          {"MemTotal 1000 kB\n", "line 1: expected 'Key: value kB', found 'MemTotal 1000 kB'"},
          {"MemTotal: 1000 kB\nMemFree:\n", "line 2: MemFree: expected a number"},
          {"MemTotal: 1000 MB\n", "line 1: MemTotal: expected a number and an optional 'kB'"},
          {"MemTotal: 10x0 kB\n", "line 1: MemTotal '10x0' is not a whole number"},
          {"MemTotal: 1000 kB\nMemTotal: 1000 kB\n", "line 2: MemTotal appears twice"},
          {"MemTotal: 184467440737095516150 kB\n", "does not fit 64 bits"},
          {": 5 kB\n", "line 1: expected 'Key: value kB'"},
      });
}

constexpr std::string_view kNetDev =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n"
    "    lo: 182504482  119427    0    0    0     0          0         0 182504482  119427    0 "
    "   0    0     0       0          0\n"
    "  eth0: 9876543210 7654321    3    7    0     0          0      1234 123456789  654321    "
    "1    2    0     0       0          0\n"
    " wlan0:       0       0    0    0    0     0          0         0        0       0    0    "
    "0    0     0       0          0\n";

TEST(HostParse, NetDev) {
  auto devs = ParseNetDev(kNetDev);
  ASSERT_TRUE(devs.ok()) << devs.status().ToString();
  ASSERT_EQ(devs->size(), 3u);
  const NetDevCounters& eth0 = (*devs)[1];
  EXPECT_EQ(eth0.interface, "eth0");
  EXPECT_EQ(eth0.rx_bytes, 9876543210u);
  EXPECT_EQ(eth0.rx_packets, 7654321u);
  EXPECT_EQ(eth0.rx_errors, 3u);
  EXPECT_EQ(eth0.rx_dropped, 7u);
  EXPECT_EQ(eth0.tx_bytes, 123456789u);
  EXPECT_EQ(eth0.tx_packets, 654321u);
  EXPECT_EQ(eth0.tx_errors, 1u);
  EXPECT_EQ(eth0.tx_dropped, 2u);
  EXPECT_EQ((*devs)[0].interface, "lo");
  EXPECT_EQ((*devs)[2].interface, "wlan0");

  // Old kernels printed large receive counters right after the colon.
  auto packed = ParseNetDev(std::string(kNetDev.substr(0, kNetDev.find("    lo"))) +
                            "eth0:9876543210 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0\n");
  ASSERT_TRUE(packed.ok()) << packed.status().ToString();
  EXPECT_EQ((*packed)[0].rx_bytes, 9876543210u);
}

TEST(HostParse, NetDevRefusesBrokenText) {
  const std::string header(kNetDev.substr(0, kNetDev.find("    lo")));
  ExpectRefused(
      ParseNetDev,
      {
          {"", "0 lines; the file starts with 2 header lines"},
          {"Inter-|   Receive\n", "1 lines"},
          {"eth0: 1 2 3\nlo: 1\n", "line 1: expected the header"},
          {header + "eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
           "line 3: expected 'interface: counters'"},
          {header + "eth0: 1 2 3 4 5 6 7 8 9 10\n", "line 3: eth0 has 10 counters; 16 expected"},
          {header + "face |b: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
           "line 3: 'face |b' is not an interface name"},
          {header + "eth0: 1 2 3 4 5 6 7 8 x 10 11 12 13 14 15 16\n",
           "line 3: eth0 transmit bytes 'x' is not a whole number"},
          {header + "eth0: 99999999999999999999999 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
           "line 3: eth0 receive bytes '99999999999999999999999' does not fit 64 bits"},
      });
}

TEST(HostParse, Uptime) {
  auto up = ParseUptime("9899.30 7934.39\n");
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_DOUBLE_EQ(*up, 9899.30);
  ExpectRefused(ParseUptime, {
                                 {"", "line 1: empty"},
                                 {"\n", "line 1: empty"},
                                 {"abc 1\n", "line 1: uptime 'abc' is not a non-negative decimal"},
                                 {"-5 1\n", "uptime '-5'"},
                             });
}

}  // namespace
}  // namespace coolflow::agent
