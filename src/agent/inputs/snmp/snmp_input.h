// The SNMP input: polls the resource state of many boxes (servers, switches running
// net-snmp's snmpd) at once, with one GET per box per poll, and turns what came into
// `resource` readings: the seed's 14 items, sysUpTime, and the rates derived from the
// counters (CPU busy share, network bytes per second).
//
//   SnmpInputConfig config;
//   config.targets.push_back({.box = "srv-01", .address = "10.0.0.11:161",
//                             .community = "...", .interface = "eth0"});
//   auto input = MakeSnmpInput(config);            // validates; no network traffic yet
//   if (!input.ok()) ...                           // the message names the target
//   (*input)->Poll(now, steady_now + 800ms, result);
//
// What a box must offer (snmpd.conf): read access (a community or a v3 authPriv user) to
// UCD-SNMP-MIB (.1.3.6.1.4.1.2021: systemStats, laTable, memory, dskTable) and IF-MIB
// (.1.3.6.1.2.1.2 and .31), and a `disk <path>` line for every disk_path polled: the disk
// figure is UCD-SNMP-MIB's dskPercent (see snmp_items.h for why not hrStorage).
//
// Process-wide effects: the first MakeSnmpInput initialises net-snmp once for the process
// with no MIB files (numeric OIDs only: MIBDIRS and MIBS are emptied), no configuration or
// persistent files read or written, and net-snmp's own diagnostics on stderr. net-snmp
// keeps v3 users (and their localized keys) in one process-wide table keyed by engine ID
// and user name, so two targets that name the same address and user must use the same
// protocols and passwords (MakeSnmpInput refuses them otherwise); between two inputs, the
// last to discover the agent's engine wins.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "agent/input.h"
#include "common/status.h"

namespace coolflow::agent::snmp {

enum class SnmpVersion { kV2c, kV3 };

// One box to poll.
struct SnmpTarget {
  // The box id the readings carry (reading::ValidateBoxId); unique among the targets.
  std::string box;
  // "<IPv4>[:port]" or "[<IPv6>][:port]", UDP, port 161 when omitted. Host names are refused:
  // net-snmp would resolve them, blocking, every time a session opens.
  std::string address;
  SnmpVersion version = SnmpVersion::kV2c;
  // v2c: the community (a secret: never logged).
  std::string community;
  // v3 (authPriv only): the USM user, 1-32 bytes; the authentication protocol, one of
  // MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512 (snmpget's -a spelling); the privacy
  // protocol, one of DES, AES, AES-192, AES-256 (snmpget's -x spelling); the passwords,
  // at least 8 characters each as net-snmp requires (secrets: never logged).
  std::string user;
  std::string auth_protocol = "SHA";
  std::string auth_password;
  std::string priv_protocol = "AES";
  std::string priv_password;
  // The network interface whose 64-bit octet counters are polled, by its ifName (or
  // ifDescr when no ifName matches), e.g. "eth0" or "lo".
  std::string interface;
  // The mount point whose dskPercent is polled; snmpd.conf needs `disk <disk_path>`.
  std::string disk_path = "/";
};

struct SnmpInputConfig {
  std::vector<SnmpTarget> targets;
  // How long net-snmp waits for an answer before it sends the request again, and how many
  // times it sends it again. Independently of these, a poll ends at the deadline its caller
  // gives: a box that has not answered by then is reported and the others are not held up.
  std::chrono::milliseconds timeout{1'000};
  int retries = 1;
};

// Limits MakeSnmpInput enforces.
inline constexpr size_t kMaxSnmpTargets = 256;
inline constexpr int kMaxSnmpRetries = 10;
inline constexpr std::chrono::milliseconds kMaxSnmpTimeout{60'000};

// Checks `config` without touching the network or net-snmp. InvalidArgument names the
// target and field at fault: "targets[2] (box srv-03): priv_password is shorter than 8
// characters". Never quotes a community or password.
Status ValidateSnmpInputConfig(const SnmpInputConfig& config);

// Validates `config` (as above), initialises net-snmp once for the process and returns the
// input. Sessions open on the first Poll; nothing is sent before it.
//
// What Poll produces for each box (measurement "resource", box = the target's box, tag
// `ip` = the target's host address, time = `now`), named and measured as in the metric
// catalog (src/reading/units.cc):
//   cpu_user, cpu_system, cpu_idle    ticks, uint64 (Counter32 as reported: they wrap)
//   load1, load5, load15              double
//   memory_total, memory_available,   KiB, double (memAvailReal: free memory as snmpd
//   memory_buffers, memory_cached,      reports it; memBuffer and memCached beside it)
//   swap_available
//   disk_used_percent                 %, double (dskPercent of disk_path)
//   net_in_octets, net_out_octets     bytes, uint64 (ifHCInOctets/ifHCOutOctets)
//   uptime                            seconds, double (sysUpTime: since snmpd started)
//   cpu_percent                       %, double: (user + system) share of the
//                                       user + system + idle ticks since the last poll
//   net_in_rate, net_out_rate         bytes/s, double, since the last poll
// The rates need two polls in a row that both answered; see counter_rates.h for restarts
// and wraps. Every reading passes reading::Validate; a value that would not (a negative
// size, a percentage above 100) is dropped and reported instead.
//
// Errors (PollResult::errors, source = the box): a box that did not answer by the deadline
// or within net-snmp's retries ("no answer within 300 ms"), a v3 report (authentication
// failure, unknown user, ...), an item the box does not have ("memory_cached
// (.1.3.6.1.4.1.2021.4.15.0): noSuchObject"), an interface or disk path that is not there.
// The items that did come are still reported.
Result<std::unique_ptr<agent::Input>> MakeSnmpInput(const SnmpInputConfig& config);

}  // namespace coolflow::agent::snmp
