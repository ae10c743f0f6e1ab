#include "agent/inputs/snmp/box_poller.h"

#include <net-snmp/library/large_fd_set.h>
#include <net-snmp/library/snmpusm.h>
#include <strings.h>

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

#include "fmt/format.h"
#include "reading/validate.h"

namespace coolflow::agent::snmp {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

// GETBULK rows asked per column and request, and requests per walk: enough for a host
// with 512 interfaces (containers' veths) before the walk gives up.
constexpr long kWalkRepetitions = 32;
constexpr int kMaxWalkRequests = 16;
// How many names a "not found" error lists.
constexpr size_t kMaxNamesListed = 8;
constexpr double kTicksPerSecond = 100.0;
constexpr uint64_t kLow32Bits = 0xFFFFFFFFu;
constexpr int kCounter64HighShift = 32;

struct ProtocolOid {
  std::string_view name;
  const oid* protocol;
  size_t length;
};

// net-snmp's protocol OIDs, by the names snmp_config.h lists; nullopt for a protocol this
// build of net-snmp left out.
std::optional<ProtocolOid> AuthProtocol(std::string_view name) {
  static const ProtocolOid kTable[] = {
#ifndef NETSNMP_DISABLE_MD5
      {"MD5", usmHMACMD5AuthProtocol, OID_LENGTH(usmHMACMD5AuthProtocol)},
#endif
      {"SHA", usmHMACSHA1AuthProtocol, OID_LENGTH(usmHMACSHA1AuthProtocol)},
      {"SHA-224", usmHMAC128SHA224AuthProtocol, OID_LENGTH(usmHMAC128SHA224AuthProtocol)},
      {"SHA-256", usmHMAC192SHA256AuthProtocol, OID_LENGTH(usmHMAC192SHA256AuthProtocol)},
      {"SHA-384", usmHMAC256SHA384AuthProtocol, OID_LENGTH(usmHMAC256SHA384AuthProtocol)},
      {"SHA-512", usmHMAC384SHA512AuthProtocol, OID_LENGTH(usmHMAC384SHA512AuthProtocol)},
  };
  for (const auto& entry : kTable) {
    if (entry.name == name) return entry;
  }
  return std::nullopt;
}

std::optional<ProtocolOid> PrivProtocol(std::string_view name) {
  static const ProtocolOid kTable[] = {
#ifndef NETSNMP_DISABLE_DES
      {"DES", usmDESPrivProtocol, OID_LENGTH(usmDESPrivProtocol)},
#endif
      {"AES", usmAESPrivProtocol, OID_LENGTH(usmAESPrivProtocol)},
#ifdef NETSNMP_DRAFT_BLUMENTHAL_AES_04
      {"AES-192", usmAES192PrivProtocol, OID_LENGTH(usmAES192PrivProtocol)},
      {"AES-256", usmAES256PrivProtocol, OID_LENGTH(usmAES256PrivProtocol)},
#endif
  };
  for (const auto& entry : kTable) {
    if (entry.name == name) return entry;
  }
  return std::nullopt;
}

Oid MustParseOid(std::string_view text) {
  Oid out;
  [[maybe_unused]] const bool ok = ParseOid(text, out);
  assert(ok && "the OID tables hold valid OIDs");
  return out;
}

long long ElapsedMs(SteadyTime from, SteadyTime to) {
  return duration_cast<milliseconds>(to - from).count();
}

std::string JoinNames(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    out += fmt::format("'{}'", name);
  }
  return out;
}

std::string OctetString(const netsnmp_variable_list& var) {
  if (var.val.string == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(var.val.string), var.val_len);
}

bool IsException(u_char type) {
  return type == SNMP_NOSUCHOBJECT || type == SNMP_NOSUCHINSTANCE || type == SNMP_ENDOFMIBVIEW;
}

// Whether `name` sorts after `cursor` (a walk must move forward).
bool After(const oid* name, size_t length, const Oid& cursor) {
  return snmp_oid_compare(name, length, cursor.data(), cursor.size()) > 0;
}

// Wipes key material: a plain memset before the end of life may be optimised away.
void Wipe(u_char* data, size_t size) {
  ::explicit_bzero(data, size);
}

}  // namespace

BoxPoller::BoxPoller(const SnmpTarget& target, SnmpEndpoint endpoint,
                     std::chrono::milliseconds timeout, int retries)
    : target_(target),
      endpoint_(std::move(endpoint)),
      timeout_us_(static_cast<long>(duration_cast<microseconds>(timeout).count())),
      retries_(retries) {
  for (const ItemSpec& spec : kItems) {
    item_oids_[static_cast<size_t>(spec.item)] = MustParseOid(spec.oid);
  }
  columns_[0] = {ColumnId::kDskPath, MustParseOid(kDskPathColumn), {}, false};
  columns_[1] = {ColumnId::kIfName, MustParseOid(kIfNameColumn), {}, false};
  columns_[2] = {ColumnId::kIfDescr, MustParseOid(kIfDescrColumn), {}, false};
  disk_row_.name_column = columns_[0].prefix;
  errors_.reserve(kItemCount);
}

Result<std::unique_ptr<BoxPoller>> BoxPoller::Create(const SnmpTarget& target,
                                                     std::chrono::milliseconds timeout,
                                                     int retries) {
  auto endpoint = ParseSnmpAddress(target.address);
  if (!endpoint.ok()) return endpoint.status();
  std::unique_ptr<BoxPoller> poller(
      new BoxPoller(target, std::move(*endpoint), timeout, retries));  // private constructor
  if (target.version != SnmpVersion::kV3) return poller;

  const auto auth = AuthProtocol(target.auth_protocol);
  if (!auth) {
    return InvalidArgument(fmt::format(
        "auth_protocol {} is not supported by this build of net-snmp", target.auth_protocol));
  }
  if (!PrivProtocol(target.priv_protocol)) {
    return InvalidArgument(fmt::format(
        "priv_protocol {} is not supported by this build of net-snmp", target.priv_protocol));
  }
  // The master keys (Ku) from the passwords, as snmpget derives them; net-snmp localizes
  // them to the agent's engine ID once it is known. Both use the authentication hash.
  auto derive = [&](const std::string& password, u_char* key, size_t capacity, size_t& length) {
    length = capacity;
    return generate_Ku(auth->protocol, static_cast<u_int>(auth->length),
                       reinterpret_cast<const u_char*>(password.data()), password.size(), key,
                       &length) == SNMPERR_SUCCESS;
  };
  bool auth_derived = false;
  bool priv_derived = false;
  {
    MutexLock lock(g_net_snmp_mutex);
    auth_derived = derive(target.auth_password, poller->auth_key_.data(), poller->auth_key_.size(),
                          poller->auth_key_length_);
    priv_derived = derive(target.priv_password, poller->priv_key_.data(), poller->priv_key_.size(),
                          poller->priv_key_length_);
  }
  if (!auth_derived) {
    return Internal(
        fmt::format("net-snmp could not derive the {} authentication key", target.auth_protocol));
  }
  if (!priv_derived) {
    return Internal(
        fmt::format("net-snmp could not derive the {} privacy key", target.priv_protocol));
  }
  return poller;
}

BoxPoller::~BoxPoller() {
  {
    MutexLock lock(g_net_snmp_mutex);
    CloseSession();
  }
  Wipe(auth_key_.data(), auth_key_.size());
  Wipe(priv_key_.data(), priv_key_.size());
  Wipe(reinterpret_cast<u_char*>(target_.community.data()), target_.community.size());
  Wipe(reinterpret_cast<u_char*>(target_.auth_password.data()), target_.auth_password.size());
  Wipe(reinterpret_cast<u_char*>(target_.priv_password.data()), target_.priv_password.size());
}

bool BoxPoller::OpenSession() {
  netsnmp_session config;
  snmp_sess_init(&config);
  // snmp_sess_open copies everything it keeps; these point into this object meanwhile.
  config.peername = endpoint_.peername.data();
  config.timeout = timeout_us_;
  config.retries = retries_;
  if (target_.version == SnmpVersion::kV2c) {
    config.version = SNMP_VERSION_2c;
    config.community = reinterpret_cast<u_char*>(target_.community.data());
    config.community_len = target_.community.size();
  } else {
    const auto auth = AuthProtocol(target_.auth_protocol);
    const auto priv = PrivProtocol(target_.priv_protocol);
    config.version = SNMP_VERSION_3;
    config.securityModel = SNMP_SEC_MODEL_USM;
    config.securityLevel = SNMP_SEC_LEVEL_AUTHPRIV;
    config.securityName = target_.user.data();
    config.securityNameLen = target_.user.size();
    config.securityAuthProto = const_cast<oid*>(auth->protocol);
    config.securityAuthProtoLen = auth->length;
    std::memcpy(config.securityAuthKey, auth_key_.data(), auth_key_length_);
    config.securityAuthKeyLen = auth_key_length_;
    config.securityPrivProto = const_cast<oid*>(priv->protocol);
    config.securityPrivProtoLen = priv->length;
    std::memcpy(config.securityPrivKey, priv_key_.data(), priv_key_length_);
    config.securityPrivKeyLen = priv_key_length_;
    // Discovery happens in the poll, asynchronously (see box_poller.h): snmp_sess_open
    // must not probe, blocking, for the engine ID.
    config.flags |= SNMP_FLAGS_DONT_PROBE;
  }
  session_ = snmp_sess_open(&config);
  Wipe(config.securityAuthKey, sizeof(config.securityAuthKey));
  Wipe(config.securityPrivKey, sizeof(config.securityPrivKey));
  engine_known_ = false;
  if (session_ != nullptr) {
    // The open session has lost the flag; without it the first v3 send would run net-snmp's
    // synchronous engine probe, holding up every box for up to a whole timeout.
    if (netsnmp_session* session = snmp_sess_session(session_)) {
      session->flags |= SNMP_FLAGS_DONT_PROBE;
    }
    return true;
  }
  char* text = nullptr;
  int library_error = 0;
  int system_error = 0;
  snmp_error(&config, &library_error, &system_error, &text);
  Fail(fmt::format("cannot open a session to {}: {}", endpoint_.peername,
                   text != nullptr ? text : "unknown error"));
  std::free(text);
  return false;
}

void BoxPoller::CloseSession() {
  if (session_ == nullptr) return;
  // Closing runs the callbacks of requests still in flight; they must find nothing to do.
  awaiting_ = false;
  void* session = std::exchange(session_, nullptr);
  snmp_sess_close(session);
  engine_known_ = false;
}

std::string BoxPoller::SessionError() {
  if (session_ == nullptr) return "no session";
  char* text = nullptr;
  int library_error = 0;
  int system_error = 0;
  snmp_sess_error(session_, &library_error, &system_error, &text);
  std::string out = text != nullptr ? text : "unknown error";
  std::free(text);
  return out;
}

void BoxPoller::Fail(std::string why) {
  errors_.push_back({target_.box, std::move(why)});
}

void BoxPoller::Start(SteadyTime now) {
  phase_ = Phase::kDone;
  started_ = now;
  awaiting_ = false;
  outcome_ = Outcome::kNone;
  errors_.clear();
  answered_ = false;
  redone_ = false;
  reprobed_ = false;
  values_.fill(std::nullopt);
  if (session_ == nullptr && !OpenSession()) return;
  if (target_.version == SnmpVersion::kV3 && !engine_known_) {
    SendProbe();
    return;
  }
  SendRowsOrGet();
}

int BoxPoller::socket() const {
  if (!waiting() || session_ == nullptr) return -1;
  const netsnmp_transport* transport = snmp_sess_transport(session_);
  return transport != nullptr ? transport->sock : -1;
}

SteadyTime BoxPoller::NextTimer(SteadyTime now) {
  if (!waiting() || session_ == nullptr) return SteadyTime::max();
  netsnmp_large_fd_set fds;
  netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
  int fd_count = 0;
  int block = 1;
  timeval wait{};
  snmp_sess_select_info2(session_, &fd_count, &fds, &wait, &block);
  netsnmp_large_fd_set_cleanup(&fds);
  if (block != 0) return SteadyTime::max();
  return now + std::chrono::seconds(wait.tv_sec) + microseconds(wait.tv_usec);
}

void BoxPoller::Service(bool readable, SteadyTime now) {
  if (!waiting() || session_ == nullptr) return;
  if (readable) {
    const int fd = socket();
    netsnmp_large_fd_set fds;
    netsnmp_large_fd_set_init(&fds, fd + 1);
    NETSNMP_LARGE_FD_SET(fd, &fds);
    snmp_sess_read2(session_, &fds);
    netsnmp_large_fd_set_cleanup(&fds);
  }
  if (session_ != nullptr) snmp_sess_timeout(session_);
  if (outcome_ != Outcome::kNone) Advance(now);
}

std::string_view BoxPoller::TimeoutHint(Phase phase) const {
  if (target_.version == SnmpVersion::kV2c) {
    return " (a v2c agent also ignores a wrong community)";
  }
  if (phase != Phase::kDiscoverEngine && reprobed_) {
    // It answered the discovery just before: it is up, and drops what it cannot decrypt.
    return " (the agent answered engine discovery; it also drops requests made with a wrong "
           "priv_password)";
  }
  return "";
}

void BoxPoller::Abandon(SteadyTime now) {
  if (!waiting()) return;
  const Phase phase = phase_;
  CloseSession();
  phase_ = Phase::kDone;
  Fail(fmt::format("no answer within {} ms{}", ElapsedMs(started_, now), TimeoutHint(phase)));
}

void BoxPoller::Send(netsnmp_pdu* pdu, Phase phase) {
  phase_ = phase;
  awaiting_ = true;
  outcome_ = Outcome::kNone;
  if (snmp_sess_async_send(session_, pdu, &BoxPoller::OnPdu, this) != 0) return;
  snmp_free_pdu(pdu);  // not taken on failure
  awaiting_ = false;
  phase_ = Phase::kDone;
  Fail(fmt::format("cannot send to {}: {}", endpoint_.peername, SessionError()));
  CloseSession();
}

void BoxPoller::SendProbe() {
  // An empty noAuthNoPriv GET as net-snmp's own engine ID probe builds it: whatever the
  // agent thinks of the (empty) user, its Report carries its engine ID, boots and time.
  netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GET);
  pdu->version = SNMP_VERSION_3;
  pdu->securityModel = SNMP_SEC_MODEL_USM;
  pdu->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
  pdu->securityName = ::strdup("");
  pdu->securityNameLen = 0;
  Send(pdu, Phase::kDiscoverEngine);
}

void BoxPoller::SendRowsOrGet() {
  if (!disk_row_.index || !interface_row_.index) {
    walk_requests_ = 0;
    walk_failed_ = false;
    descr_match_.reset();
    seen_disks_.clear();
    seen_interfaces_.clear();
    const bool need_disk = !disk_row_.index;
    const bool need_interface = !interface_row_.index;
    for (Column& column : columns_) {
      column.cursor = column.prefix;
      column.active = column.id == ColumnId::kDskPath ? need_disk : need_interface;
    }
    SendWalk();
    return;
  }
  SendGet();
}

void BoxPoller::SendWalk() {
  ++walk_requests_;
  netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
  pdu->non_repeaters = 0;
  pdu->max_repetitions = kWalkRepetitions;
  walk_request_columns_.clear();
  for (const Column& column : columns_) {
    if (!column.active) continue;
    snmp_add_null_var(pdu, column.cursor.data(), column.cursor.size());
    walk_request_columns_.push_back(column.id);
  }
  Send(pdu, Phase::kWalk);
}

void BoxPoller::PlanGet() {
  get_oids_.clear();
  get_slots_.clear();
  for (const ItemSpec& spec : kItems) {
    const Oid& base = item_oids_[static_cast<size_t>(spec.item)];
    switch (spec.row) {
      case ItemRow::kScalar:
        get_oids_.push_back(base);
        get_slots_.push_back({SlotKind::kItem, spec.item});
        break;
      case ItemRow::kDisk:
        if (!disk_row_.index) break;
        get_oids_.push_back(base);
        get_oids_.back().push_back(*disk_row_.index);
        get_slots_.push_back({SlotKind::kItem, spec.item});
        break;
      case ItemRow::kInterface:
        if (!interface_row_.index) break;
        get_oids_.push_back(base);
        get_oids_.back().push_back(*interface_row_.index);
        get_slots_.push_back({SlotKind::kItem, spec.item});
        break;
    }
  }
  if (disk_row_.index) {
    get_oids_.push_back(disk_row_.name_column);
    get_oids_.back().push_back(*disk_row_.index);
    get_slots_.push_back({SlotKind::kDiskCheck, Item::kDiskUsedPercent});
  }
  if (interface_row_.index) {
    get_oids_.push_back(interface_row_.name_column);
    get_oids_.back().push_back(*interface_row_.index);
    get_slots_.push_back({SlotKind::kInterfaceCheck, Item::kNetInOctets});
  }
  get_planned_ = true;
}

void BoxPoller::SendGet() {
  if (!get_planned_) PlanGet();
  errors_before_get_ = errors_.size();
  disk_check_failed_ = false;
  interface_check_failed_ = false;
  values_.fill(std::nullopt);
  netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GET);
  for (const Oid& name : get_oids_)
    snmp_add_null_var(pdu, name.data(), name.size());
  Send(pdu, Phase::kGet);
}

int BoxPoller::OnPdu(int operation, netsnmp_session* /*session*/, int /*request_id*/,
                     netsnmp_pdu* pdu, void* magic) {
  // Runs inside snmp_sess_read2/snmp_sess_timeout/snmp_sess_close, which the BoxPoller
  // calls with g_net_snmp_mutex held; the analysis cannot follow C callbacks.
  static_cast<BoxPoller*>(magic)->HandlePdu(operation, pdu);
  return 1;  // net-snmp frees the PDU and forgets the request
}

void BoxPoller::HandlePdu(int operation, netsnmp_pdu* pdu) {
  // net-snmp tells when it sends a request again (after its timeout, or at once after a
  // notInTimeWindow report): the request is still in flight.
  if (operation == NETSNMP_CALLBACK_OP_RESEND) return;
  // A v3 report can come twice (as a security error, then as a message): the first wins.
  if (!awaiting_) return;
  awaiting_ = false;
  outcome_why_.clear();
  if (operation == NETSNMP_CALLBACK_OP_TIMED_OUT) {
    outcome_ = Outcome::kTimedOut;
    return;
  }
  const bool message = operation == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE ||
                       operation == NETSNMP_CALLBACK_OP_SEC_ERROR;
  if (!message || pdu == nullptr) {
    outcome_ = Outcome::kFailed;
    outcome_why_ = fmt::format("the request failed (net-snmp callback operation {})", operation);
    return;
  }
  if (pdu->command == SNMP_MSG_REPORT) {
    outcome_ = Outcome::kReport;
    outcome_why_ = snmp_api_errstring(snmpv3_get_report_type(pdu));
    return;
  }
  if (pdu->command != SNMP_MSG_RESPONSE || operation != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE) {
    outcome_ = Outcome::kFailed;
    outcome_why_ = fmt::format("unexpected answer (PDU type 0x{:02x})", pdu->command);
    return;
  }
  outcome_ = Outcome::kAnswer;
  switch (phase_) {
    case Phase::kWalk:
      ParseWalk(pdu);
      break;
    case Phase::kGet:
      ParseGet(pdu);
      break;
    case Phase::kDiscoverEngine:
    case Phase::kDone:
      break;
  }
}

void BoxPoller::ParseWalk(netsnmp_pdu* pdu) {
  if (pdu->errstat != SNMP_ERR_NOERROR) {
    walk_failed_ = true;
    Fail(fmt::format("walk of the interface and disk tables failed: {}",
                     snmp_errstring(static_cast<int>(pdu->errstat))));
    for (Column& column : columns_)
      column.active = false;
    return;
  }
  const size_t width = walk_request_columns_.size();
  if (width == 0) return;
  size_t position = 0;
  for (const netsnmp_variable_list* var = pdu->variables; var != nullptr;
       var = var->next_variable, ++position) {
    const ColumnId id = walk_request_columns_[position % width];
    Column& column = columns_[static_cast<size_t>(id)];
    if (!column.active) continue;  // ended earlier in this answer
    // A column ends at its first varbind outside it (or not after the last one seen).
    if (IsException(var->type) || !OidInSubtree(var->name, var->name_length, column.prefix) ||
        !After(var->name, var->name_length, column.cursor)) {
      column.active = false;
      continue;
    }
    column.cursor.assign(var->name, var->name + var->name_length);
    // dskTable, ifTable and ifXTable rows have one index sub-identifier.
    if (var->type != ASN_OCTET_STR || var->name_length != column.prefix.size() + 1) continue;
    const oid index = var->name[var->name_length - 1];
    const std::string name = OctetString(*var);
    switch (id) {
      case ColumnId::kDskPath:
        if (name == target_.disk_path) {
          disk_row_.index = index;
          column.active = false;
        } else if (seen_disks_.size() < kMaxNamesListed) {
          seen_disks_.push_back(name);
        }
        break;
      case ColumnId::kIfName:
        if (name == target_.interface) {
          interface_row_.index = index;
          interface_row_.name_column = column.prefix;
          for (Column& other : columns_) {
            if (other.id != ColumnId::kDskPath) other.active = false;
          }
        } else if (seen_interfaces_.size() < kMaxNamesListed &&
                   std::find(seen_interfaces_.begin(), seen_interfaces_.end(), name) ==
                       seen_interfaces_.end()) {
          seen_interfaces_.push_back(name);
        }
        break;
      case ColumnId::kIfDescr:
        if (name == target_.interface && !descr_match_) {
          descr_match_ = index;
          column.active = false;
        }
        break;
    }
  }
}

void BoxPoller::FinishWalk() {
  get_planned_ = false;
  if (!interface_row_.index && descr_match_) {
    interface_row_.index = descr_match_;
    interface_row_.name_column = columns_[static_cast<size_t>(ColumnId::kIfDescr)].prefix;
  }
  if (walk_failed_) return;  // reported already
  const bool walk_ended = std::none_of(columns_.begin(), columns_.end(),
                                       [](const Column& column) { return column.active; });
  if (!walk_ended) {
    Fail(fmt::format("walk of the interface and disk tables did not end after {} requests",
                     walk_requests_));
    return;
  }
  if (!disk_row_.index) {
    Fail(
        fmt::format("disk_used_percent: dskTable has no row for '{}' (snmpd.conf needs `disk {}`); "
                    "rows: {}",
                    target_.disk_path, target_.disk_path, JoinNames(seen_disks_)));
  }
  if (!interface_row_.index) {
    Fail(
        fmt::format("net_in_octets, net_out_octets: no interface named '{}' in ifName or "
                    "ifDescr; interfaces: {}",
                    target_.interface, JoinNames(seen_interfaces_)));
  }
}

void BoxPoller::ParseItem(const ItemSpec& spec, const netsnmp_variable_list& var) {
  const size_t slot = static_cast<size_t>(spec.item);
  auto fail = [&](std::string_view why) {
    Fail(fmt::format("{} ({}): {}", spec.metric, OidText(var.name, var.name_length), why));
  };
  if (IsException(var.type)) {
    fail(AsnTypeName(var.type));
    return;
  }
  auto expect = [&](u_char type) {
    if (var.type == type && var.val.integer != nullptr) return true;
    fail(fmt::format("expected {}, got {}", AsnTypeName(type), AsnTypeName(var.type)));
    return false;
  };
  switch (spec.kind) {
    case ItemKind::kTimeTicks:
      if (!expect(ASN_TIMETICKS)) return;
      values_[slot] = static_cast<unsigned long>(*var.val.integer) & kLow32Bits;
      return;
    case ItemKind::kCounter32:
      if (!expect(ASN_COUNTER)) return;
      values_[slot] = static_cast<unsigned long>(*var.val.integer) & kLow32Bits;
      return;
    case ItemKind::kCounter64:
      if (!expect(ASN_COUNTER64)) return;
      values_[slot] = ((uint64_t{var.val.counter64->high} & kLow32Bits) << kCounter64HighShift) |
                      (uint64_t{var.val.counter64->low} & kLow32Bits);
      return;
    case ItemKind::kInteger: {
      if (!expect(ASN_INTEGER)) return;
      const long value = *var.val.integer;
      if (value < 0) {
        fail(fmt::format("{} is negative", value));
        return;
      }
      values_[slot] = static_cast<uint64_t>(value);
      return;
    }
  }
}

void BoxPoller::ParseGet(netsnmp_pdu* pdu) {
  answered_ = true;
  if (pdu->errstat != SNMP_ERR_NOERROR) {
    answered_ = false;
    std::string where;
    if (pdu->errindex > 0 && static_cast<size_t>(pdu->errindex) <= get_slots_.size()) {
      const size_t at = static_cast<size_t>(pdu->errindex) - 1;
      where = fmt::format(" at {}", OidText(get_oids_[at]));
    }
    Fail(fmt::format("GET failed: {}{}", snmp_errstring(static_cast<int>(pdu->errstat)), where));
    return;
  }
  size_t position = 0;
  for (const netsnmp_variable_list* var = pdu->variables;
       var != nullptr && position < get_slots_.size(); var = var->next_variable, ++position) {
    const Slot& slot = get_slots_[position];
    const Oid& asked = get_oids_[position];
    const bool same_name = OidEquals(var->name, var->name_length, asked);
    if (slot.kind == SlotKind::kItem) {
      if (!same_name) {
        Fail(fmt::format("{} ({}): the answer carries {} in its place", Spec(slot.item).metric,
                         OidText(asked), OidText(var->name, var->name_length)));
        continue;
      }
      ParseItem(Spec(slot.item), *var);
      continue;
    }
    const std::string& expected =
        slot.kind == SlotKind::kDiskCheck ? target_.disk_path : target_.interface;
    const bool holds = same_name && var->type == ASN_OCTET_STR && OctetString(*var) == expected;
    if (slot.kind == SlotKind::kDiskCheck) {
      disk_check_failed_ = !holds;
    } else {
      interface_check_failed_ = !holds;
    }
  }
  for (; position < get_slots_.size(); ++position) {
    const Slot& slot = get_slots_[position];
    if (slot.kind != SlotKind::kItem) continue;
    Fail(fmt::format("{} ({}): missing from the answer", Spec(slot.item).metric,
                     OidText(get_oids_[position])));
  }
}

void BoxPoller::Advance(SteadyTime now) {
  const Outcome outcome = std::exchange(outcome_, Outcome::kNone);
  const Phase phase = std::exchange(phase_, Phase::kDone);
  switch (outcome) {
    case Outcome::kNone:
      phase_ = phase;
      return;
    case Outcome::kTimedOut:
      // A v3 agent that restarted with a new engine ID may drop requests made for the old
      // one without a word: discover the engine again, once per poll, before giving up.
      if (target_.version == SnmpVersion::kV3 && phase != Phase::kDiscoverEngine && !reprobed_) {
        reprobed_ = true;
        CloseSession();
        if (OpenSession()) SendProbe();
        return;
      }
      Fail(fmt::format("no answer within {} ms ({} {}){}", ElapsedMs(started_, now), retries_ + 1,
                       retries_ == 0 ? "try" : "tries", TimeoutHint(phase)));
      return;
    case Outcome::kFailed:
      Fail(std::move(outcome_why_));
      CloseSession();
      return;
    case Outcome::kReport:
      if (phase == Phase::kDiscoverEngine) break;  // the expected answer to a probe
      // The agent refused a v3 request: a wrong password or user, or an agent that came
      // back with a new engine ID. Discover the engine again, once per poll, and retry.
      CloseSession();
      if (!reprobed_) {
        reprobed_ = true;
        if (OpenSession()) SendProbe();
        return;
      }
      Fail(fmt::format("SNMPv3 request refused: {}", outcome_why_));
      return;
    case Outcome::kAnswer:
      break;
  }

  switch (phase) {
    case Phase::kDiscoverEngine: {
      netsnmp_session* session = snmp_sess_session(session_);
      if (session == nullptr || session->securityEngineIDLen == 0) {
        Fail("SNMPv3 engine ID discovery failed: the agent's answer carried no engine ID");
        CloseSession();
        return;
      }
      // net-snmp keeps one user entry (with keys localized to the engine) per engine ID and
      // user name for the whole process, and reuses an existing entry as it is. Replace it
      // with one made from this session's keys: the last discovery wins.
      if (usmUser* existing = usm_get_user(session->securityEngineID, session->securityEngineIDLen,
                                           session->securityName)) {
        usm_remove_user(existing);
        usm_free_user(existing);
      }
      session->flags &= ~static_cast<u_long>(SNMP_FLAGS_USER_CREATED);
      if (create_user_from_session(session) != SNMPERR_SUCCESS) {
        Fail(fmt::format("SNMPv3: net-snmp could not set up user '{}' for the agent's engine",
                         target_.user));
        CloseSession();
        return;
      }
      engine_known_ = true;
      SendRowsOrGet();
      return;
    }
    case Phase::kWalk: {
      const bool more = std::any_of(columns_.begin(), columns_.end(),
                                    [](const Column& column) { return column.active; });
      if (more && walk_requests_ < kMaxWalkRequests) {
        SendWalk();
        return;
      }
      FinishWalk();
      SendGet();
      return;
    }
    case Phase::kGet: {
      if (!disk_check_failed_ && !interface_check_failed_) return;
      // A row no longer names our disk or interface: its values belong to something else.
      if (disk_check_failed_) {
        values_[static_cast<size_t>(Item::kDiskUsedPercent)].reset();
        disk_row_.index.reset();
      }
      if (interface_check_failed_) {
        values_[static_cast<size_t>(Item::kNetInOctets)].reset();
        values_[static_cast<size_t>(Item::kNetOutOctets)].reset();
        interface_row_.index.reset();
        rates_.Forget();
      }
      get_planned_ = false;
      if (redone_) {
        Fail("the interface or disk rows moved again while being found; trying next poll");
        return;
      }
      redone_ = true;
      // Find the rows again and ask again; the first answer's errors would repeat.
      errors_.resize(errors_before_get_);
      answered_ = false;
      SendRowsOrGet();
      return;
    }
    case Phase::kDone:
      return;
  }
}

void BoxPoller::Report(TimeNs now, PollResult& result) {
  for (InputError& error : errors_)
    result.errors.push_back(std::move(error));
  errors_.clear();
  if (!answered_) return;

  // Value checks only: the poll's own time is the agent's business.
  reading::ValidationOptions options;
  options.max_future = 0;
  options.min_time = std::numeric_limits<TimeNs>::min();
  auto add = [&](std::string_view metric, reading::Value value) {
    reading::Reading r;
    r.box = target_.box;
    r.measurement = std::string(kResourceMeasurement);
    r.metric = std::string(metric);
    r.tags = {{std::string(kIpTag), endpoint_.host}};
    r.time = now;
    r.value = std::move(value);
    reading::FillCatalogUnit(r);
    if (auto violation = reading::Validate(r, now, options)) {
      result.errors.push_back({target_.box, fmt::format("{}: {}", metric, violation->message)});
      return;
    }
    result.readings.push_back(std::move(r));
  };

  for (const ItemSpec& spec : kItems) {
    const std::optional<uint64_t>& raw = values_[static_cast<size_t>(spec.item)];
    if (!raw) continue;
    switch (spec.kind) {
      case ItemKind::kTimeTicks:
        add(spec.metric, static_cast<double>(*raw) / kTicksPerSecond);
        break;
      case ItemKind::kCounter32:
      case ItemKind::kCounter64:
        add(spec.metric, *raw);
        break;
      case ItemKind::kInteger:
        add(spec.metric, static_cast<double>(*raw) * spec.scale);
        break;
    }
  }

  const auto& uptime = values_[static_cast<size_t>(Item::kUptime)];
  if (!uptime) return;
  CounterSample sample;
  sample.uptime_ticks = static_cast<uint32_t>(*uptime);
  sample.cpu_user = values_[static_cast<size_t>(Item::kCpuUser)];
  sample.cpu_system = values_[static_cast<size_t>(Item::kCpuSystem)];
  sample.cpu_idle = values_[static_cast<size_t>(Item::kCpuIdle)];
  sample.net_in = values_[static_cast<size_t>(Item::kNetInOctets)];
  sample.net_out = values_[static_cast<size_t>(Item::kNetOutOctets)];
  const DerivedRates rates = rates_.Update(sample);
  if (rates.cpu_percent) add(kCpuPercentMetric, *rates.cpu_percent);
  if (rates.net_in_rate) add(kNetInRateMetric, *rates.net_in_rate);
  if (rates.net_out_rate) add(kNetOutRateMetric, *rates.net_out_rate);
}

}  // namespace coolflow::agent::snmp
