// Resource metrics of the box the agent runs on, from /proc and statvfs(3): the same metric
// names the SNMP input gives for the servers it polls (reading/units.cc, "The 14 SNMP items"),
// in measurement "resource", with the config's box and tags.
//
//   metric             from                                           value
//   cpu_user           /proc/stat cpu: user                           ticks of 1/100 s, counter
//   cpu_system         /proc/stat cpu: system                         ticks of 1/100 s, counter
//   cpu_idle           /proc/stat cpu: idle                           ticks of 1/100 s, counter
//   cpu_percent        busy share of the ticks between two polls      %, from the 2nd poll on
//   load1/5/15         /proc/loadavg                                  run-queue length
//   memory_total       /proc/meminfo MemTotal                         KiB
//   memory_available   /proc/meminfo MemAvailable                     KiB
//   memory_buffers     /proc/meminfo Buffers                          KiB
//   memory_cached      /proc/meminfo Cached                           KiB
//   swap_available     /proc/meminfo SwapFree                         KiB
//   disk_used_percent  statvfs(disk_path): used / (used + avail)      % (df's Use%, unrounded)
//   net_in_octets      /proc/net/dev receive bytes                    bytes, counter
//   net_out_octets     /proc/net/dev transmit bytes                   bytes, counter
//   net_in_rate        change of the above per second of uptime       bytes/s, from the 2nd poll
//   net_out_rate                                                      bytes/s, from the 2nd poll
//   uptime             /proc/uptime                                   s
//
// The cpu ticks are what net-snmp's ssCpuRawUser, ssCpuRawSystem and ssCpuRawIdle report on
// Linux (the /proc/stat fields as they are; USER_HZ is 100); memory_total, memory_buffers and
// swap_available are memTotalReal, memBuffer and memAvailSwap; uptime is hrSystemUptime (the
// box's, not snmpd's own sysUpTime). net-snmp 5.9 differs on two: its memAvailReal is
// MemFree and its memCached is Cached + SReclaimable (checked against snmpd; see
// tests/agent/host/host_snmpd_test.cc).
//
// Counters are uint64 values, the rest doubles. Each file is read and reported on its own:
// one that is missing or malformed costs its own metrics and an InputError naming it,
// nothing else. A counter that went backwards (a reboot, an interface re-created) gives no
// rate for that poll.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "agent/input.h"
#include "common/status.h"
#include "reading/reading.h"

namespace coolflow::agent {

struct HostInputConfig {
  std::string box;  // the agent box; the readings' box
  std::filesystem::path proc_root = "/proc";
  // The interface whose counters make net_*; empty: the sum over every interface but `lo`
  // (which counts bridged or container traffic twice: name the uplink when there is one).
  std::string interface;
  // A path on the file system disk_used_percent describes.
  std::filesystem::path disk_path = "/";
  // Tags of every reading (`box` and `time` are taken).
  reading::TagSet tags;
};

// Checks `config` without touching the filesystem; errors name the field.
Status ValidateHostInputConfig(const HostInputConfig& config);

// Fails only on an invalid config; unreadable files are poll errors.
Result<std::unique_ptr<Input>> MakeHostInput(const HostInputConfig& config);

}  // namespace coolflow::agent
