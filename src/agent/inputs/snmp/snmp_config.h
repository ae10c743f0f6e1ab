// Pieces of the SNMP input's configuration that need parsing: a target's address and the
// names of the v3 protocols. Internal to the SNMP input; ValidateSnmpInputConfig
// (snmp_input.h) is the public entry.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coolflow::agent::snmp {

inline constexpr uint16_t kDefaultSnmpPort = 161;

// Where a box's agent listens.
struct SnmpEndpoint {
  std::string host;  // "10.0.0.11" or "::1": the reading's `ip` tag
  uint16_t port = 0;
  std::string peername;  // net-snmp's spelling: "udp:10.0.0.11:161", "udp6:[::1]:161"
};

// Parses "<IPv4>[:port]" or "[<IPv6>][:port]". InvalidArgument says what is wrong with it.
Result<SnmpEndpoint> ParseSnmpAddress(std::string_view address);

// The v3 protocols net-snmp 5.9 offers, spelled as snmpget's -a and -x options spell them.
inline constexpr std::array<std::string_view, 6> kAuthProtocols = {"MD5",     "SHA",     "SHA-224",
                                                                   "SHA-256", "SHA-384", "SHA-512"};
inline constexpr std::array<std::string_view, 4> kPrivProtocols = {"DES", "AES", "AES-192",
                                                                   "AES-256"};

// Limits of the USM (RFC 3414) and of net-snmp.
inline constexpr size_t kMaxUserLength = 32;     // SnmpAdminString (SIZE(1..32))
inline constexpr size_t kMinPasswordLength = 8;  // net-snmp's USM_LENGTH_P_MIN
inline constexpr size_t kMaxCommunityLength = 255;
inline constexpr size_t kMaxInterfaceLength = 255;  // ifName/ifDescr: DisplayString
inline constexpr size_t kMaxDiskPathLength = 255;   // dskPath: DisplayString

}  // namespace coolflow::agent::snmp
