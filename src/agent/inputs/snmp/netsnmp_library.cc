#include "agent/inputs/snmp/netsnmp_library.h"

#include <clocale>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <string>

#include "fmt/format.h"

namespace coolflow::agent::snmp {
namespace {

// The application name net-snmp files its (unread) configuration under.
constexpr const char* kAppName = "coolflow";

// net-snmp creates <persistent dir>/cert_indexes at initialisation (for its TLS transports,
// which coolflow does not use) and would save state there at shutdown. A path that is not a
// directory and cannot become one keeps it from writing anything anywhere.
constexpr const char* kNoPersistentDir = "/dev/null";

}  // namespace

Mutex g_net_snmp_mutex;

namespace {

// Settings both levels share, made once before either. Called with g_net_snmp_mutex held.
void ConfigureNetSnmp() COOLFLOW_REQUIRES(g_net_snmp_mutex) {
  // Keep net-snmp small and quiet: no snmp.conf, no persistent files, no hosts files,
  // no SIGALRM, no MIB files. With no MIB directory nothing can be parsed (memory stays
  // flat whatever MIBs the box has installed); with an empty module list net-snmp does
  // not look for its default modules and complain about each one missing.
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_LOAD_HOST_FILES, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
  netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, kNoPersistentDir);
  // The transport registry files its configuration tokens under the application's name.
  netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_APPTYPE, kAppName);
  netsnmp_set_mib_directory("");
  ::setenv("MIBS", "", /*overwrite=*/1);
  // Log to stderr without first announcing that no log handler was set up.
  snmp_enable_stderrlog();
}

}  // namespace

void InitNetSnmpOnce(NetSnmpUse use) {
  static std::once_flag configured;
  static std::once_flag transports;
  static std::once_flag full;
  std::call_once(configured, [] {
    MutexLock lock(g_net_snmp_mutex);
    ConfigureNetSnmp();
  });
  if (use == NetSnmpUse::kCommunity) {
    // SNMPv2c needs only the UDP transport: the request ids are seeded by snmp_sess_init,
    // the community travels in clear. init_snmp would also set up the v3 user-based
    // security model, whose post-configuration step draws random salts from OpenSSL, and
    // loading OpenSSL's default provider for that maps in about 2 MB of libcrypto that a
    // v2c-only agent never uses (bench/agent_footprint).
    std::call_once(transports, [] {
      MutexLock lock(g_net_snmp_mutex);
      init_snmp_transport();
    });
    return;
  }
  std::call_once(full, [] {
    MutexLock lock(g_net_snmp_mutex);
    // init_snmp sets LC_CTYPE from the environment; the process keeps the one it had. It
    // may come after the v2c level (a v3 input made after a v2c-only one): setting up the
    // transports twice is harmless (tests/agent/snmp, V3InputAfterAV2cOnlyInputBothPoll).
    const char* ctype = std::setlocale(LC_CTYPE, nullptr);
    const std::string saved_ctype = ctype != nullptr ? ctype : "C";
    init_snmp(kAppName);
    std::setlocale(LC_CTYPE, saved_ctype.c_str());
  });
}

bool ParseOid(std::string_view text, Oid& out) {
  out.clear();
  if (!text.empty() && text.front() == '.') text.remove_prefix(1);
  if (text.empty()) return false;
  oid value = 0;
  bool have_digit = false;
  for (const char c : text) {
    if (c == '.') {
      if (!have_digit) return false;
      out.push_back(value);
      value = 0;
      have_digit = false;
      continue;
    }
    if (c < '0' || c > '9') return false;
    constexpr oid kMaxSubId = 0xFFFFFFFFu;  // sub-identifiers are 32 bits on the wire
    value = value * 10 + static_cast<oid>(c - '0');
    if (value > kMaxSubId) return false;
    have_digit = true;
  }
  if (!have_digit) return false;
  out.push_back(value);
  return out.size() <= MAX_OID_LEN;
}

std::string OidText(const oid* name, size_t length) {
  std::string text;
  for (size_t i = 0; i < length; ++i) {
    fmt::format_to(std::back_inserter(text), ".{}", name[i]);
  }
  return text;
}

bool OidInSubtree(const oid* name, size_t length, const Oid& prefix) {
  if (length <= prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (name[i] != prefix[i]) return false;
  }
  return true;
}

bool OidEquals(const oid* name, size_t length, const Oid& expected) {
  if (length != expected.size()) return false;
  for (size_t i = 0; i < length; ++i) {
    if (name[i] != expected[i]) return false;
  }
  return true;
}

std::string_view AsnTypeName(u_char type) {
  switch (type) {
    case ASN_INTEGER:
      return "INTEGER";
    case ASN_OCTET_STR:
      return "STRING";
    case ASN_NULL:
      return "NULL";
    case ASN_OBJECT_ID:
      return "OID";
    case ASN_IPADDRESS:
      return "IpAddress";
    case ASN_COUNTER:
      return "Counter32";
    case ASN_GAUGE:
      return "Gauge32";
    case ASN_TIMETICKS:
      return "Timeticks";
    case ASN_OPAQUE:
      return "Opaque";
    case ASN_COUNTER64:
      return "Counter64";
    case SNMP_NOSUCHOBJECT:
      return "noSuchObject";
    case SNMP_NOSUCHINSTANCE:
      return "noSuchInstance";
    case SNMP_ENDOFMIBVIEW:
      return "endOfMibView";
    default:
      return "an unknown type";
  }
}

}  // namespace coolflow::agent::snmp
