// Pure parsers for the /proc files the host input reads (proc(5)). No I/O: each takes the
// file's text and returns what it holds, or an InvalidArgument that names the line and
// quotes the bad text, so the caller only adds the file's path. Safe on any input
// (truncated lines, missing fields, numbers too big for 64 bits): fuzzable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace coolflow::agent {

// The aggregate "cpu" line of /proc/stat: time spent in each state since boot, in USER_HZ
// ticks (1/100 s on Linux; sysconf(_SC_CLK_TCK)). Fields that old kernels lack (iowait
// before 2.5.41, irq and softirq before 2.6.0, steal before 2.6.11) are 0. guest and
// guest_nice are already counted in user and nice, so they are left out.
struct CpuTimes {
  uint64_t user = 0;
  uint64_t nice = 0;
  uint64_t system = 0;
  uint64_t idle = 0;
  uint64_t iowait = 0;
  uint64_t irq = 0;
  uint64_t softirq = 0;
  uint64_t steal = 0;
};
Result<CpuTimes> ParseProcStat(std::string_view text);

// /proc/loadavg: "0.89 0.89 1.25 4/105 16060"; the first three fields.
struct LoadAverage {
  double load1 = 0;
  double load5 = 0;
  double load15 = 0;
};
Result<LoadAverage> ParseLoadavg(std::string_view text);

// The /proc/meminfo lines the host input uses, in kB (KiB) as the file gives them; nullopt
// when the line is absent (MemAvailable came with Linux 3.14). Lines coolflow does not use
// are skipped, but every line must have the "Key: value [kB]" form.
struct Meminfo {
  std::optional<uint64_t> mem_total;
  std::optional<uint64_t> mem_free;
  std::optional<uint64_t> mem_available;
  std::optional<uint64_t> buffers;
  std::optional<uint64_t> cached;
  std::optional<uint64_t> swap_total;
  std::optional<uint64_t> swap_free;
};
Result<Meminfo> ParseMeminfo(std::string_view text);

// One interface's line of /proc/net/dev (the counters coolflow uses of its 16).
struct NetDevCounters {
  std::string interface;
  uint64_t rx_bytes = 0;
  uint64_t rx_packets = 0;
  uint64_t rx_errors = 0;
  uint64_t rx_dropped = 0;
  uint64_t tx_bytes = 0;
  uint64_t tx_packets = 0;
  uint64_t tx_errors = 0;
  uint64_t tx_dropped = 0;
};
// Every interface in file order, after the two header lines.
Result<std::vector<NetDevCounters>> ParseNetDev(std::string_view text);

// /proc/uptime: "9899.30 7934.39"; the first field, seconds since boot.
Result<double> ParseUptime(std::string_view text);

}  // namespace coolflow::agent
