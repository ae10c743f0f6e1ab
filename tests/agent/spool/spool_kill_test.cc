// kill -9 of a process that holds a spool: a forked child appends (and acknowledges some of
// what it reads back) as fast as it can and reports each step through a pipe once the call
// returned; the parent SIGKILLs it at a random moment, reopens the spool, and checks that
// every record the child reported appended and not acknowledged is there, in order, once,
// intact, and that no sequence number was handed out twice.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "agent/spool/spool_test_util.h"

namespace coolflow::agent::testing {
namespace {

constexpr size_t kPayloadBytes = 300;  // about one SNMP resource reading in JSON
constexpr char kBox[] = "pi-1";
constexpr TimeNs kTickPerAppend = kNanosPerMilli;

// What the child tells the parent, one fixed-size write(2) each (atomic on a pipe).
struct Report {
  enum Kind : uint64_t { kAppended = 1, kAcknowledged = 2 };
  uint64_t kind = 0;
  uint64_t index = 0;  // which message (see KillMessage)
  uint64_t seq = 0;    // its sequence number
};

transport::Message KillMessage(uint64_t index, uint64_t seq) {
  std::string payload = fmt::format("{:012} {:012} ", index, seq);
  payload.resize(kPayloadBytes, static_cast<char>('a' + index % 26));
  return transport::Message{
      .topic = "coolflow/pi-1/resource", .key = kBox, .payload = std::move(payload)};
}

// The index and seq a KillMessage payload starts with.
bool ParseKillPayload(const std::string& payload, uint64_t& index, uint64_t& seq) {
  constexpr size_t kDigits = 12;
  if (payload.size() < 2 * (kDigits + 1)) return false;
  const char* p = payload.data();
  return std::from_chars(p, p + kDigits, index).ec == std::errc() &&
         std::from_chars(p + kDigits + 1, p + 2 * kDigits + 1, seq).ec == std::errc();
}

// The child: appends messages first_index, first_index + 1, ... until killed. Like the
// agent with a transport, after every second append it reads one record back and puts it
// "in flight"; once kInFlight are in flight it acknowledges a random one of them, so
// acknowledgements come out of order. Its clock moves kTickPerAppend per append, so the
// spool syncs and checkpoints every few appends and a kill lands during a checkpoint as
// readily as anywhere else.
[[noreturn]] void AppendUntilKilled(const SpoolOptions& options, uint64_t first_index,
                                    uint64_t seed, int report_fd) {
  constexpr size_t kInFlight = 8;
  const auto report = [&](const Report& r) {
    if (::write(report_fd, &r, sizeof(r)) != static_cast<ssize_t>(sizeof(r))) ::_exit(20);
  };
  std::mt19937_64 random(seed);
  ManualClock clock(kTestEpoch);
  auto spool = FileSpool::Open(options, clock);
  if (!spool.ok()) ::_exit(21);
  std::vector<SpoolRecord> in_flight;
  for (uint64_t index = first_index;; ++index) {
    clock.Advance(kTickPerAppend);
    const uint64_t seq = (*spool)->ReserveSeq(kBox, 1);
    if (!(*spool)->Append(KillMessage(index, seq)).ok()) ::_exit(22);
    report({.kind = Report::kAppended, .index = index, .seq = seq});
    if (index % 2 != 0) continue;
    auto record = (*spool)->Next();
    if (!record) ::_exit(23);
    in_flight.push_back(std::move(*record));
    if (in_flight.size() < kInFlight) continue;
    const size_t pick = random() % in_flight.size();
    const SpoolRecord done = std::move(in_flight[pick]);
    in_flight.erase(in_flight.begin() + static_cast<std::ptrdiff_t>(pick));
    uint64_t done_index = 0;
    uint64_t done_seq = 0;
    if (!ParseKillPayload(done.message.payload, done_index, done_seq)) ::_exit(24);
    (*spool)->Acknowledge(done.id);
    report({.kind = Report::kAcknowledged, .index = done_index, .seq = done_seq});
  }
}

// Reads one report, waiting at most until `deadline`; false at the end of the pipe.
bool ReadReport(int fd, Report& report, std::chrono::steady_clock::time_point deadline) {
  size_t done = 0;
  auto* bytes = reinterpret_cast<char*>(&report);
  while (done < sizeof(report)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd poll_fd{.fd = fd, .events = POLLIN, .revents = 0};
    if (left.count() <= 0 || ::poll(&poll_fd, 1, static_cast<int>(left.count())) == 0) {
      ADD_FAILURE() << "no report from the child before the deadline";
      return false;
    }
    const ssize_t n = ::read(fd, bytes + done, sizeof(report) - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

using SpoolKillTest = SpoolFixture;

TEST_F(SpoolKillTest, KillNineWhileAppendingLosesNothingSpooled) {
  constexpr int kRounds = 5;
  constexpr uint64_t kMaxReportsBeforeKill = 2000;
  options_.segment_bytes = 16 * 1024;  // rolls every ~50 records, so kills land near rolls too

  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 random(seed);

  uint64_t next_index = 1;
  uint64_t highest_seq = 0;
  std::set<uint64_t> seqs_seen;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    // Even rounds sync every 20 appends, so most kills land in an fsync or a checkpoint
    // write; odd rounds never sync on the interval, so kills land in plain appends.
    options_.sync_interval = round % 2 == 0 ? 20 * kTickPerAppend : kNanosPerMinute * 60;
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      AppendUntilKilled(options_, next_index, random(), fds[1]);
    }
    ::close(fds[1]);

    // Let it run for a random number of steps, then kill it mid-flight.
    const uint64_t kill_after = 1 + random() % kMaxReportsBeforeKill;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::map<uint64_t, uint64_t> appended;  // index -> seq
    std::set<uint64_t> acknowledged;
    uint64_t reports = 0;
    Report report;
    bool killed = false;
    while (ReadReport(fds[0], report, deadline)) {
      if (report.kind == Report::kAppended) appended.emplace(report.index, report.seq);
      if (report.kind == Report::kAcknowledged) acknowledged.insert(report.index);
      if (++reports == kill_after && !killed) {
        ::kill(pid, SIGKILL);
        killed = true;
      }
    }
    if (!killed) ::kill(pid, SIGKILL);
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child ended on its own (exit code "
        << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << ") after " << reports << " reports";
    ASSERT_FALSE(appended.empty());

    auto spool = OpenSpool();
    ASSERT_TRUE(spool);
    EXPECT_LE(spool->stats().torn, 1u) << "only the record being written can be torn";
    const auto records = Drain(*spool);
    std::set<uint64_t> present;
    uint64_t previous_id = 0;
    uint64_t previous_index = 0;
    for (const auto& record : records) {
      uint64_t index = 0;
      uint64_t seq = 0;
      ASSERT_TRUE(ParseKillPayload(record.message.payload, index, seq)) << "record " << record.id;
      EXPECT_EQ(record.message, KillMessage(index, seq)) << "record " << record.id;
      EXPECT_GT(record.id, previous_id);
      EXPECT_GT(index, previous_index) << "in append order, each once";
      previous_id = record.id;
      previous_index = index;
      present.insert(index);
      if (auto it = appended.find(index); it != appended.end()) {
        EXPECT_EQ(seq, it->second) << "message " << index;
      } else {
        // Appended, killed before it could report: only ever the last one.
        EXPECT_EQ(index, appended.rbegin()->first + 1) << "a record nobody appended";
      }
      EXPECT_TRUE(seqs_seen.insert(seq).second) << "sequence number " << seq << " twice";
    }
    uint64_t missing = 0;
    for (const auto& [index, seq] : appended) {
      if (!acknowledged.contains(index) && !present.contains(index)) ++missing;
      highest_seq = std::max(highest_seq, seq);
    }
    EXPECT_EQ(missing, 0u) << "of " << appended.size() << " appended, " << acknowledged.size()
                           << " acknowledged, " << records.size() << " recovered";

    // No number handed out before the kill comes again.
    const uint64_t seq = spool->ReserveSeq(kBox, 1);
    EXPECT_GT(seq, highest_seq);
    highest_seq = seq;
    seqs_seen.insert(seq);

    // Deliver everything, then the next round starts from a clean spool.
    for (const auto& record : records)
      spool->Acknowledge(record.id);
    ASSERT_TRUE(spool->Sync().ok());
    EXPECT_EQ(spool->stats().depth, 0u);
    next_index = std::max(previous_index, appended.rbegin()->first) + 1;
  }
}

}  // namespace
}  // namespace coolflow::agent::testing
