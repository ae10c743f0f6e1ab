// The one place that knows net-snmp's process-wide state: its one-time initialisation and
// the lock every call into the library takes. Internal to the SNMP input.
//
// Thread safety: net-snmp keeps global state even behind its single-session API (the v3
// user table and key cache, engine time lists, request ids, snmp_errno, the transport
// registry), so every call into libnetsnmp - and every callback it makes, which runs inside
// such a call - happens with the process-wide mutex g_net_snmp_mutex held. The lock
// is held only around library calls, never while waiting for packets, so two SNMP inputs
// polled from two threads interleave instead of queueing behind each other's deadlines.
#pragma once

// clang-format off: net-snmp-config.h must come first.
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
// clang-format on

#include <string>
#include <string_view>
#include <vector>

#include "common/thread_annotations.h"

namespace coolflow::agent::snmp {

// The mutex that serialises calls into net-snmp: the one instance for the process. Hold it
// with MutexLock lock(g_net_snmp_mutex).
extern Mutex g_net_snmp_mutex;

// What the process asks of net-snmp: SNMPv2c only, or SNMPv3 as well.
enum class NetSnmpUse { kCommunity, kUserBased };

// Initialises net-snmp for this process as far as `use` needs, once per level (see
// snmp_input.h: no MIB files, no configuration or persistent files, the caller's LC_CTYPE
// kept). kCommunity sets up the transports alone; kUserBased runs init_snmp, which adds the
// v3 user-based security model and OpenSSL. Thread-safe; takes g_net_snmp_mutex itself.
void InitNetSnmpOnce(NetSnmpUse use) COOLFLOW_EXCLUDES(g_net_snmp_mutex);

// An OID as net-snmp holds it.
using Oid = std::vector<oid>;

// Parses a dotted numeric OID ("1.3.6.1.2.1.1.3.0", a leading dot allowed). Returns false,
// leaving `out` unspecified, when it is not one.
bool ParseOid(std::string_view text, Oid& out);

// ".1.3.6.1.2.1.1.3.0".
std::string OidText(const oid* name, size_t length);
inline std::string OidText(const Oid& name) {
  return OidText(name.data(), name.size());
}

// Whether `name` lies strictly inside the subtree `prefix`.
bool OidInSubtree(const oid* name, size_t length, const Oid& prefix);
// Whether `name` equals `expected`.
bool OidEquals(const oid* name, size_t length, const Oid& expected);

// The name of an ASN.1/SNMP value type as SNMP tools print it ("Counter32", "noSuchObject").
std::string_view AsnTypeName(u_char type);

}  // namespace coolflow::agent::snmp
