// THE crash test: a child process appends to a WAL on the real file system and reports each
// acknowledged seq through a pipe; the test SIGKILLs it at a random moment (after a random
// number of acknowledgements, fixed seed), reopens the WAL and checks that every acknowledged
// record is there, in order and intact, and that replay never fails. 30 lives in one
// directory, so later lives recover what earlier kills left.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <tuple>

#include "store/wal/wal.h"
#include "wal_crash_payload.h"

extern char** environ;

namespace coolflow::store::wal {
namespace {

constexpr int kLives = 30;
constexpr uint64_t kSeed = 20251124;

struct Ack {
  int life = 0;
  int thread = 0;
  int n = 0;
};

// Reads the pipe until `want` more acks arrived (or EOF when want is 0 / the child died),
// parsing complete lines into `acks`. Returns false on EOF.
bool ReadAcks(int fd, std::string& pending, std::map<uint64_t, Ack>& acks, size_t want) {
  size_t got = 0;
  char buffer[4096];
  while (want == 0 || got < want) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    pending.append(buffer, static_cast<size_t>(n));
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      std::istringstream line(pending.substr(0, newline));
      pending.erase(0, newline + 1);
      uint64_t seq = 0;
      Ack ack;
      line >> seq >> ack.life >> ack.thread >> ack.n;
      EXPECT_FALSE(line.fail()) << "bad ack line";
      EXPECT_FALSE(acks.contains(seq)) << "seq " << seq << " acknowledged twice";
      acks[seq] = ack;
      ++got;
    }
  }
  return true;
}

TEST(WalCrashTest, SigkillNeverLosesAnAcknowledgedRecord) {
  const std::string dir = ::testing::TempDir() + "wal_crash_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::mt19937_64 random(kSeed);
  std::map<uint64_t, Ack> acks;  // every seq ever acknowledged
  for (int life = 0; life < kLives; ++life) {
    SCOPED_TRACE(::testing::Message() << "life " << life);
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    const std::string child = WAL_CRASH_CHILD;
    const std::string life_arg = std::to_string(life);
    char* argv[] = {const_cast<char*>(child.c_str()), const_cast<char*>(dir.c_str()),
                    const_cast<char*>(life_arg.c_str()), nullptr};
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, child.c_str(), &actions, nullptr, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);

    // Let it acknowledge a random number of records, then kill it mid-stream.
    const size_t kill_after = 1 + random() % 200;
    std::string pending;
    const bool alive = ReadAcks(pipe_fds[0], pending, acks, kill_after);
    ::kill(pid, SIGKILL);
    ReadAcks(pipe_fds[0], pending, acks, 0);  // what it acknowledged before dying
    ::close(pipe_fds[0]);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(alive) << "the child died by itself (status " << wstatus << ")";
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << wstatus;

    // Reopen and check every acknowledged record.
    auto wal = Wal::Open(dir, WalOptions{}, PosixFileSystem::Instance());
    ASSERT_TRUE(wal.ok()) << wal.status().ToString();
    uint64_t expected = 1;
    size_t acked_seen = 0;
    const Status replay = (*wal)->Replay(0, [&](uint64_t seq, std::string_view payload) {
      EXPECT_EQ(seq, expected++);
      if (auto it = acks.find(seq); it != acks.end()) {
        const Ack& ack = it->second;
        EXPECT_EQ(payload, testing::CrashPayload(ack.life, ack.thread, ack.n)) << "seq " << seq;
        ++acked_seen;
      }
      return Status::Ok();
    });
    ASSERT_TRUE(replay.ok()) << replay.ToString();
    ASSERT_EQ(acked_seen, acks.size()) << "acknowledged records are missing";
    ASSERT_FALSE(acks.empty());
    EXPECT_GE((*wal)->last_seq(), acks.rbegin()->first);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace coolflow::store::wal
