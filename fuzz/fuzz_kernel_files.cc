// Fuzzes the parsers of what the kernel writes: /proc/stat, /proc/loadavg, /proc/meminfo,
// /proc/net/dev, /proc/uptime (the host input) and sysfs single values and w1_slave (the
// sysfs input). The first byte picks the parser; the rest is the file.
// Properties: never crashes; what is accepted is sane (finite, non-negative loads and
// uptime; interface names without blanks or colons).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/inputs/host/proc_parse.h"
#include "agent/inputs/sysfs/sysfs_parse.h"
#include "fuzz_check.h"

namespace coolflow::fuzz {
namespace {

void CheckKernelFile(uint8_t selector, std::string_view text) {
  constexpr int kParsers = 7;
  switch (selector % kParsers) {
    case 0:
      (void)agent::ParseProcStat(text);
      break;
    case 1:
      if (auto load = agent::ParseLoadavg(text); load.ok()) {
        FUZZ_CHECK(std::isfinite(load->load1) && load->load1 >= 0);
        FUZZ_CHECK(std::isfinite(load->load15) && load->load15 >= 0);
      }
      break;
    case 2:
      (void)agent::ParseMeminfo(text);
      break;
    case 3:
      if (auto dev = agent::ParseNetDev(text); dev.ok()) {
        for (const agent::NetDevCounters& c : *dev) {
          FUZZ_CHECK(!c.interface.empty());
          FUZZ_CHECK(c.interface.find_first_of(" :\n") == std::string::npos);
        }
      }
      break;
    case 4:
      if (auto up = agent::ParseUptime(text); up.ok()) FUZZ_CHECK(std::isfinite(*up) && *up >= 0);
      break;
    case 5:
      if (auto v = agent::ParseSysfsNumber(text); v.ok()) FUZZ_CHECK(std::isfinite(*v));
      break;
    default:
      (void)agent::ParseW1Slave(text);
      break;
  }
  (void)agent::QuoteFileText(text);
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  coolflow::fuzz::CheckKernelFile(
      data[0], std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  return 0;
}
