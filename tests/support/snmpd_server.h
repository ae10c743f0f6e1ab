// A real net-snmp agent for tests: Debian's `snmpd` started on a free loopback UDP port in
// a fresh temporary directory, with one SNMPv2c community and SNMPv3 authPriv users that may
// read everything (or all but some subtrees), and `disk` lines for the dskTable; plus
// net-snmp's own command-line
// tools (`snmpget`, `snmpwalk`) to read what the agent says, as a second opinion.
//
//   auto server = SnmpdServer::Start();
//   ASSERT_TRUE(server.ok()) << server.status().ToString();
//   auto values = (*server)->Get({".1.3.6.1.2.1.1.3.0"});  // {".1.3.6.1.2.1.1.3.0": "1234"}
//   (*server)->Freeze();   // SIGSTOP: the agent stops answering
//   (*server)->Thaw();     // SIGCONT
//
// snmpd runs in the foreground (-f), reads only the generated configuration (-C -c), logs
// to its log file (-Lo), keeps its persistent state (v3 users, engine boots) in the
// temporary directory (SNMP_PERSISTENT_DIR) and loads no MIB files. It never drops
// privileges (no -u), so it works as root in CI, and it opens no SMUX or AgentX socket.
// The tools run with the same isolation (no snmp.conf, no MIB files, state in the
// temporary directory).
//
// Thread safety: one SnmpdServer is used by one thread at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "support/server_process.h"

namespace coolflow::testing {

class SnmpdServer {
 public:
  // An SNMPv3 user with authentication and privacy (createUser/rouser ... authpriv).
  struct V3User {
    std::string name;
    std::string auth_protocol;  // MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512
    std::string auth_password;  // at least 8 characters
    std::string priv_protocol;  // DES, AES (AES-192/AES-256 need snmpd's Blumenthal support)
    std::string priv_password;  // at least 8 characters
  };

  struct Options {
    // Programs to run; bare names are looked up on PATH (and sbin).
    std::string snmpd = "snmpd";
    std::string snmpget = "snmpget";
    std::string snmpwalk = "snmpwalk";
    // The read-only SNMPv2c community, allowed from 127.0.0.1.
    std::string community = "coolflow-test";
    std::vector<V3User> v3_users = {
        {"coolflow", "SHA", "coolflow-auth-pass", "AES", "coolflow-priv-pass"}};
    // One `disk <path>` line each: the rows of UCD-SNMP-MIB's dskTable.
    std::vector<std::string> disks = {"/"};
    // Subtrees (numeric OIDs) hidden from the community and the users: a GET of them
    // answers noSuchObject.
    std::vector<std::string> excluded_subtrees;
    // Text snmpd builds its engine ID from (snmpd.conf `engineID`, letters and digits), so
    // it survives a Restart; empty: snmpd picks a new random one at each start, so a
    // Restart also changes it, as a reinstalled agent's would.
    std::string engine_id;
    // How long to wait for the first answer to a GET after the process starts.
    std::chrono::milliseconds startup_timeout{20'000};
  };

  // Starts snmpd as described above and returns once it answers a v2c GET of sysUpTime.
  // Fails with NotFound when snmpd or snmpget is not installed (Debian packages snmpd and
  // snmp; ./x deps installs them), Unavailable when snmpd keeps exiting at startup,
  // DeadlineExceeded when it does not answer in time; the message carries its log's tail.
  // snmpd gets SIGKILL if the calling thread exits first: start it from a thread that
  // outlives the SnmpdServer.
  static Result<std::unique_ptr<SnmpdServer>> Start(const Options& options);
  static Result<std::unique_ptr<SnmpdServer>> Start() { return Start(Options{}); }

  // Kills snmpd, waits for it and removes the temporary directory.
  ~SnmpdServer();
  SnmpdServer(const SnmpdServer&) = delete;
  SnmpdServer& operator=(const SnmpdServer&) = delete;

  uint16_t port() const { return port_; }
  // "127.0.0.1:<port>", as SNMP tools and coolflow's SNMP targets write it.
  const std::string& address() const { return address_; }
  const Options& options() const { return options_; }
  // The temporary directory: snmpd.conf, snmpd.log, persist/ (snmpd), client/ (the tools).
  const std::filesystem::path& dir() const { return dir_; }
  pid_t pid() const;
  std::string LogTail() const;

  // snmpget -v2c with the community, numeric OIDs (-On), bare values (-Oq -Ot -Oe -OU):
  // maps each OID (".1.3.6.1.2.1.1.3.0") to its value as snmpget prints it (quotes around
  // strings removed; "No Such Object available on this agent at this OID" and the like as
  // printed). Fails when snmpget fails (no answer within 1 s, 2 tries) or prints an
  // unexpected line.
  Result<std::map<std::string, std::string>> Get(const std::vector<std::string>& oids);
  // snmpwalk -v2c of the subtree `oid`, same output as Get.
  Result<std::map<std::string, std::string>> Walk(std::string_view oid);

  // SIGSTOP: snmpd stops answering (packets queue in its socket); Thaw (SIGCONT) resumes it.
  void Freeze();
  void Thaw();

  // Stops snmpd (SIGTERM, so it saves its state) and starts it again on the same port with
  // the same configuration and persistent directory: to a poller, a reboot (sysUpTime
  // starts again from 0; with an empty engine_id the engine ID changes too). Returns once
  // it answers again.
  Status Restart();
  // Restart with `options`' community, users, disks, excluded subtrees and engine ID in
  // place of the current ones (its program names and startup timeout are ignored): an agent
  // whose snmpd.conf changed, e.g. with its dskTable rows renumbered.
  Status Reconfigure(const Options& options);

 private:
  SnmpdServer() = default;
  Status Launch();
  // Runs snmpget/snmpwalk against the server; `quick`: one 200 ms try (readiness probes).
  Result<std::map<std::string, std::string>> RunTool(const std::string& program,
                                                     const std::vector<std::string>& args,
                                                     bool quick);

  Options options_;
  std::string snmpd_;
  std::string snmpget_;
  std::string snmpwalk_;
  std::filesystem::path dir_;
  uint16_t port_ = 0;
  std::string address_;
  std::unique_ptr<ServerProcess> process_;
};

}  // namespace coolflow::testing
