// One box's side of an SNMP poll: its net-snmp session, the row indexes found for its
// interface and disk, the requests of the poll in flight, and what came back. The SNMP input
// (snmp_input.cc) drives many of these at once from one wait loop. Internal.
//
// A poll is a short conversation, each step one request sent asynchronously:
//   1. v3 only, when the session has no engine ID yet: a discovery probe (an empty
//      noAuthNoPriv GET; the agent's Report carries its engine ID, from which net-snmp
//      localizes the user's keys). net-snmp's own probe in snmp_sess_open would block.
//      When a later request is refused with a Report (a new engine ID after a reinstall, or
//      a wrong password), the engine is discovered again and the request retried, once
//      per poll, before the refusal is reported.
//   2. When the interface's ifIndex or the disk's dskTable row is not known: GETBULK walks
//      of ifName (and ifDescr) and dskPath until the names are found or the columns end.
//   3. The GET: all items in one request, plus ifName/dskPath of the known rows, so every
//      GET proves the rows still hold the named interface and disk. When one does not (the
//      box renumbered its interfaces or changed its snmpd.conf), the rows are found again
//      and the GET repeated, once per poll.
// A steady poll is therefore one GET per box.
//
// Thread safety: a BoxPoller is used by one thread at a time. Every method that calls into
// net-snmp requires g_net_snmp_mutex (netsnmp_library.h); net-snmp's callbacks into the
// BoxPoller run inside those calls.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/input.h"
#include "agent/inputs/snmp/counter_rates.h"
#include "agent/inputs/snmp/netsnmp_library.h"
#include "agent/inputs/snmp/snmp_config.h"
#include "agent/inputs/snmp/snmp_input.h"
#include "agent/inputs/snmp/snmp_items.h"
#include "common/status.h"

namespace coolflow::agent::snmp {

using SteadyTime = std::chrono::steady_clock::time_point;

class BoxPoller {
 public:
  // `target` must have passed ValidateSnmpInputConfig. Derives the v3 master keys from the
  // passwords (net-snmp's generate_Ku, under g_net_snmp_mutex); nothing is sent.
  static Result<std::unique_ptr<BoxPoller>> Create(const SnmpTarget& target,
                                                   std::chrono::milliseconds timeout, int retries)
      COOLFLOW_EXCLUDES(g_net_snmp_mutex);

  // Closes the session (taking g_net_snmp_mutex) and wipes the keys and secrets.
  ~BoxPoller() COOLFLOW_EXCLUDES(g_net_snmp_mutex);
  BoxPoller(const BoxPoller&) = delete;
  BoxPoller& operator=(const BoxPoller&) = delete;

  const std::string& box() const { return target_.box; }

  // Begins a poll at `now`: forgets the last poll's outcome, opens the session when there
  // is none and sends the first request. A failure to do so is reported at once.
  void Start(SteadyTime now) COOLFLOW_REQUIRES(g_net_snmp_mutex);

  // Whether this poll still waits for an answer.
  bool waiting() const { return phase_ != Phase::kDone; }
  // The session's socket while waiting, else -1.
  int socket() const COOLFLOW_REQUIRES(g_net_snmp_mutex);
  // When net-snmp next wants to resend or give up a request (SteadyTime::max() when never).
  SteadyTime NextTimer(SteadyTime now) COOLFLOW_REQUIRES(g_net_snmp_mutex);

  // Reads the socket when `readable`, lets net-snmp resend or expire requests whose time
  // came, and takes the poll a step further when an answer (or the end of trying) came.
  void Service(bool readable, SteadyTime now) COOLFLOW_REQUIRES(g_net_snmp_mutex);

  // The poll's deadline came while waiting: reports the box as not answering and closes the
  // session, so no late answer or resend outlives the poll.
  void Abandon(SteadyTime now) COOLFLOW_REQUIRES(g_net_snmp_mutex);

  // Appends the poll's readings (stamped `now`) and errors to `result`; updates the rates.
  // Calls nothing in net-snmp.
  void Report(TimeNs now, PollResult& result);

 private:
  enum class Phase : uint8_t { kDone, kDiscoverEngine, kWalk, kGet };
  enum class Outcome : uint8_t { kNone, kAnswer, kReport, kTimedOut, kFailed };
  // A known table row: its index and the column that names it (for the GET's check).
  struct Row {
    std::optional<oid> index;
    Oid name_column;
  };
  enum class ColumnId : uint8_t { kDskPath, kIfName, kIfDescr };
  struct Column {
    ColumnId id;
    Oid prefix;
    Oid cursor;  // the last OID seen; the next GETBULK continues after it
    bool active = false;
  };
  // What one varbind of the GET stands for.
  enum class SlotKind : uint8_t { kItem, kDiskCheck, kInterfaceCheck };
  struct Slot {
    SlotKind kind;
    Item item;
  };

  BoxPoller(const SnmpTarget& target, SnmpEndpoint endpoint, std::chrono::milliseconds timeout,
            int retries);

  // net-snmp's callback. It runs inside the library calls the BoxPoller makes with
  // g_net_snmp_mutex held, which the analysis cannot follow through C.
  static int OnPdu(int operation, netsnmp_session* session, int request_id, netsnmp_pdu* pdu,
                   void* magic) COOLFLOW_NO_THREAD_SAFETY_ANALYSIS;
  void HandlePdu(int operation, netsnmp_pdu* pdu) COOLFLOW_REQUIRES(g_net_snmp_mutex);
  void ParseWalk(netsnmp_pdu* pdu);
  void ParseGet(netsnmp_pdu* pdu);
  void ParseItem(const ItemSpec& spec, const netsnmp_variable_list& var);
  void Advance(SteadyTime now) COOLFLOW_REQUIRES(g_net_snmp_mutex);

  bool OpenSession() COOLFLOW_REQUIRES(g_net_snmp_mutex);
  void CloseSession() COOLFLOW_REQUIRES(g_net_snmp_mutex);
  // Sends `pdu` (taking it) for the next phase; on failure reports it and ends the poll.
  void Send(netsnmp_pdu* pdu, Phase phase) COOLFLOW_REQUIRES(g_net_snmp_mutex);
  void SendProbe() COOLFLOW_REQUIRES(g_net_snmp_mutex);
  // The walk when a row is unknown, else the GET.
  void SendRowsOrGet() COOLFLOW_REQUIRES(g_net_snmp_mutex);
  void SendWalk() COOLFLOW_REQUIRES(g_net_snmp_mutex);
  void SendGet() COOLFLOW_REQUIRES(g_net_snmp_mutex);
  void FinishWalk();
  void PlanGet();
  void Fail(std::string why);
  // What to add to "no answer within N ms" about why a box may stay silent.
  std::string_view TimeoutHint(Phase phase) const;
  std::string SessionError() COOLFLOW_REQUIRES(g_net_snmp_mutex);

  // Configuration.
  SnmpTarget target_;
  SnmpEndpoint endpoint_;
  long timeout_us_;
  int retries_;
  std::array<u_char, USM_AUTH_KU_LEN> auth_key_{};
  size_t auth_key_length_ = 0;
  std::array<u_char, USM_PRIV_KU_LEN> priv_key_{};
  size_t priv_key_length_ = 0;
  Oid dsk_percent_column_;
  std::array<Oid, kItemCount> item_oids_;  // complete for scalar items, the column else

  // Across polls.
  void* session_ = nullptr;  // snmp_sess_open's handle
  bool engine_known_ = false;
  Row disk_row_;
  Row interface_row_;
  CounterRates rates_;
  bool get_planned_ = false;
  std::vector<Oid> get_oids_;
  std::vector<Slot> get_slots_;

  // This poll.
  Phase phase_ = Phase::kDone;
  SteadyTime started_{};
  bool awaiting_ = false;  // a request of ours is in flight
  Outcome outcome_ = Outcome::kNone;
  std::string outcome_why_;
  std::vector<InputError> errors_;
  // Walk state. Indexed by ColumnId.
  std::array<Column, 3> columns_;
  std::vector<ColumnId> walk_request_columns_;
  int walk_requests_ = 0;
  std::optional<oid> descr_match_;
  std::vector<std::string> seen_disks_;
  std::vector<std::string> seen_interfaces_;
  bool walk_failed_ = false;
  // GET state.
  bool answered_ = false;
  bool redone_ = false;    // the rows were found again this poll
  bool reprobed_ = false;  // the v3 engine was discovered again this poll
  bool disk_check_failed_ = false;
  bool interface_check_failed_ = false;
  size_t errors_before_get_ = 0;
  std::array<std::optional<uint64_t>, kItemCount> values_{};
};

}  // namespace coolflow::agent::snmp
