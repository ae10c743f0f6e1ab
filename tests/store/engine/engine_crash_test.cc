// THE engine crash test: a child process appends batches through the whole engine (WAL,
// memtable, flushes, compactions) on the real file system and reports each acknowledged
// batch through a pipe; the test SIGKILLs it at a random moment (fixed seed), reopens the
// engine and checks that every acknowledged point is there with its value and that no read
// fails. 20 lives in one directory, so later lives recover what earlier kills left.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include "engine_crash_points.h"
#include "store/engine/engine.h"

extern char** environ;

namespace coolflow::store::engine {
namespace {

constexpr int kLives = 20;
constexpr uint64_t kSeed = 20261124;

using Ack = std::tuple<int, int, int>;  // life, thread, n

// Reads acknowledgement lines until `want` more arrived (want 0: until EOF). False on EOF.
bool ReadAcks(int fd, std::string& pending, std::set<Ack>& acks, size_t want) {
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
      int life = 0, thread = 0, batch = 0;
      line >> life >> thread >> batch;
      EXPECT_FALSE(line.fail()) << "bad ack line";
      acks.insert({life, thread, batch});
      ++got;
    }
  }
  return true;
}

TEST(EngineCrashTest, SigkillNeverLosesAnAcknowledgedPoint) {
  const std::string dir = ::testing::TempDir() + "engine_crash_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::mt19937_64 random(kSeed);
  std::set<Ack> acks;
  for (int life = 0; life < kLives; ++life) {
    SCOPED_TRACE(::testing::Message() << "life " << life);
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    const std::string child = ENGINE_CRASH_CHILD;
    const std::string life_arg = std::to_string(life);
    char* argv[] = {const_cast<char*>(child.c_str()), const_cast<char*>(dir.c_str()),
                    const_cast<char*>(life_arg.c_str()), nullptr};
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, child.c_str(), &actions, nullptr, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);

    const size_t kill_after = 1 + random() % 300;
    std::string pending;
    const bool alive = ReadAcks(pipe_fds[0], pending, acks, kill_after);
    ::kill(pid, SIGKILL);
    ReadAcks(pipe_fds[0], pending, acks, 0);
    ::close(pipe_fds[0]);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(alive) << "the child died by itself (status " << wstatus << ")";
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << wstatus;

    // Reopen (no background work: the check sees a still picture) and check every point.
    EngineOptions options;
    options.background = false;
    options.partition = kNanosPerHour;
    auto engine = Engine::Open(dir, options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    for (int thread = 0; thread < 2; ++thread) {
      const std::string box = "b" + std::to_string(thread);
      auto range =
          (*engine)->Range({"crash", "v", {{"box", box}}}, std::numeric_limits<TimeNs>::min(),
                           std::numeric_limits<TimeNs>::max());
      ASSERT_TRUE(range.ok()) << range.status().ToString();
      std::map<TimeNs, double> stored;
      for (const SeriesPoints& s : *range) {
        for (const Point& p : s.points)
          stored[p.time] = std::get<double>(p.value);
      }
      size_t checked = 0;
      for (const auto& [l, t, n] : acks) {
        if (t != thread) continue;
        for (int i = 0; i < testing::kPointsPerBatch; ++i) {
          auto it = stored.find(testing::CrashTime(l, n, i));
          ASSERT_NE(it, stored.end()) << "acknowledged batch " << l << "/" << t << "/" << n
                                      << " point " << i << " is missing";
          ASSERT_EQ(it->second, testing::CrashValue(l, t, n, i));
          ++checked;
        }
      }
      EXPECT_GT(checked, 0u);
      // Every aggregate over the whole span reads too.
      auto buckets = (*engine)->Aggregate({{"crash", "v", {{"box", box}}},
                                           testing::kCrashT0,
                                           testing::kCrashT0 + 400 * kNanosPerDay,
                                           kNanosPerHour,
                                           AggregateFunction::kCount,
                                           {}});
      ASSERT_TRUE(buckets.ok()) << buckets.status().ToString();
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace coolflow::store::engine
