// The LIRC actuator against a real lircd (Debian's lirc) whose `file` driver records every
// transmission; tests/support/lircd_server.h decodes the recording back to remote and key.
#include "agent/actuators/lirc/lirc_actuator.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "agent/actuators/lirc/lircd_client.h"
#include "support/lircd_server.h"

namespace coolflow::agent {
namespace {

using testing::LircdServer;
using Keys = std::vector<std::string>;

std::unique_ptr<LircdServer> StartLircd(LircdServer::Options options = {}) {
  auto server = LircdServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(*server) : nullptr;
}

std::unique_ptr<Actuator> MakeActuator(const LircOptions& options) {
  auto actuator = MakeLircActuator(options);
  EXPECT_TRUE(actuator.ok()) << actuator.status().ToString();
  return actuator.ok() ? std::move(*actuator) : nullptr;
}

LircOptions OptionsFor(const LircdServer& lircd) {
  LircOptions options;
  options.socket = lircd.socket();
  options.initial.setpoint_c = 26;
  return options;
}

Command SetpointCommand(double setpoint_c) {
  Command command;
  command.id = "cmd-1";
  command.device = "ac1";
  command.setpoint_c = setpoint_c;
  return command;
}

Keys Transmitted(const LircdServer& lircd) {
  auto keys = lircd.Transmitted();
  EXPECT_TRUE(keys.ok()) << keys.status().ToString();
  return keys.ok() ? *keys : Keys{};
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs the real `irsend -d <socket> SEND_ONCE <remote> <key>` to its end. Returns how it
// ended ("status 0"), or why it could not be run.
std::string RunIrsend(LircdServer& lircd, const std::string& remote, const std::string& key) {
  auto irsend = testing::FindProgram("irsend", "lirc");
  if (!irsend.ok()) return irsend.status().ToString();
  auto run = testing::ServerProcess::Spawn(
      {*irsend, "-d", lircd.socket(), "SEND_ONCE", remote, key}, lircd.dir() / "irsend.log");
  if (!run.ok()) return run.status().ToString();
  // WaitUntil reports the exit it waits for as Unavailable; only a timeout matters here.
  Status done = testing::WaitUntil([&] { return (*run)->Exited(); }, std::chrono::seconds(10),
                                   **run, "irsend");
  if (!(*run)->Exited()) return done.ToString();
  const std::string how = (*run)->exit_description();
  return how == "status 0" ? how : how + ": " + (*run)->LogTail();
}

// The test: a setpoint command reaches lircd as the right remote and key.
TEST(LircActuator, SetpointCommandReachesLircdAsTheRightRemoteAndKey) {
  auto lircd = StartLircd();
  ASSERT_NE(lircd, nullptr);
  auto ac = MakeActuator(OptionsFor(*lircd));
  ASSERT_NE(ac, nullptr);

  Status applied = ac->Apply(SetpointCommand(24));
  ASSERT_TRUE(applied.ok()) << applied.ToString() << "\n" << lircd->LogTail();
  EXPECT_EQ(Transmitted(*lircd), (Keys{"ServerRoom_AC1 POWER_ON", "ServerRoom_AC1 SET_24"}));
  AcState expected;
  expected.setpoint_c = 24;
  EXPECT_EQ(ac->ac_state(), expected);
}

// What the actuator transmits is byte for byte what `irsend SEND_ONCE` makes lircd
// transmit for the same remote and keys: the same naming, the same codes.
TEST(LircActuator, TransmitsExactlyWhatIrsendWould) {
  auto lircd = StartLircd();
  ASSERT_NE(lircd, nullptr);
  auto ac = MakeActuator(OptionsFor(*lircd));
  ASSERT_NE(ac, nullptr);
  const std::filesystem::path recording = lircd->dir() / "transmitted.txt";

  ASSERT_TRUE(ac->Apply(SetpointCommand(24)).ok());
  const std::string by_actuator = ReadAll(recording);
  ASSERT_FALSE(by_actuator.empty());

  for (const char* key : {"POWER_ON", "SET_24"}) {
    EXPECT_EQ(RunIrsend(*lircd, "ServerRoom_AC1", key), "status 0");
  }
  const std::string both = ReadAll(recording);
  ASSERT_EQ(both.size(), 2 * by_actuator.size()) << both;
  EXPECT_EQ(both.substr(by_actuator.size()), by_actuator);
}

TEST(LircActuator, PowerOffSendsOnlyPowerOffAndPowerOnSendsTheWholeState) {
  auto lircd = StartLircd();
  ASSERT_NE(lircd, nullptr);
  auto ac = MakeActuator(OptionsFor(*lircd));
  ASSERT_NE(ac, nullptr);

  Command off;
  off.power = false;
  ASSERT_TRUE(ac->Apply(off).ok());
  EXPECT_EQ(Transmitted(*lircd), Keys{"ServerRoom_AC1 POWER_OFF"});
  EXPECT_FALSE(ac->ac_state()->power);

  // A setpoint while off is remembered; the unit stays off, and is told so again.
  ASSERT_TRUE(ac->Apply(SetpointCommand(20)).ok());
  Command on;
  on.power = true;
  ASSERT_TRUE(ac->Apply(on).ok());
  EXPECT_EQ(Transmitted(*lircd), (Keys{"ServerRoom_AC1 POWER_OFF", "ServerRoom_AC1 POWER_OFF",
                                       "ServerRoom_AC1 POWER_ON", "ServerRoom_AC1 SET_20"}));
  EXPECT_EQ(ac->ac_state()->setpoint_c, 20);
  EXPECT_TRUE(ac->ac_state()->power);
}

// Infrared is open loop: a repeated or empty command sends the whole state again.
TEST(LircActuator, EveryCommandResendsTheFullState) {
  auto lircd = StartLircd();
  ASSERT_NE(lircd, nullptr);
  auto ac = MakeActuator(OptionsFor(*lircd));
  ASSERT_NE(ac, nullptr);

  ASSERT_TRUE(ac->Apply(SetpointCommand(22)).ok());
  ASSERT_TRUE(ac->Apply(SetpointCommand(22)).ok());
  Command mode_unchanged;
  mode_unchanged.mode = "cool";
  ASSERT_TRUE(ac->Apply(mode_unchanged).ok());
  const Keys state = {"ServerRoom_AC1 POWER_ON", "ServerRoom_AC1 SET_22"};
  Keys expected;
  for (int i = 0; i < 3; ++i)
    expected.insert(expected.end(), state.begin(), state.end());
  EXPECT_EQ(Transmitted(*lircd), expected);
}

TEST(LircActuator, ModeAndFanKeysFollowTheSetpointWhenTemplated) {
  LircdServer::Options server_options;
  LircdServer::Remote remote = LircdServer::SeedAcRemote();
  for (const char* key : {"MODE_COOL", "MODE_HEAT", "FAN_AUTO", "FAN_HIGH"})
    remote.keys.push_back(key);
  server_options.remotes = {remote};
  auto lircd = StartLircd(server_options);
  ASSERT_NE(lircd, nullptr);
  LircOptions options = OptionsFor(*lircd);
  options.keys.mode = "MODE_{MODE}";
  options.keys.fan = "FAN_{FAN}";
  auto ac = MakeActuator(options);
  ASSERT_NE(ac, nullptr);

  Command command = SetpointCommand(21);
  command.mode = "heat";
  command.fan = "high";
  ASSERT_TRUE(ac->Apply(command).ok());
  EXPECT_EQ(Transmitted(*lircd), (Keys{"ServerRoom_AC1 POWER_ON", "ServerRoom_AC1 SET_21",
                                       "ServerRoom_AC1 MODE_HEAT", "ServerRoom_AC1 FAN_HIGH"}));
  EXPECT_EQ(ac->ac_state()->mode, "heat");
  EXPECT_EQ(ac->ac_state()->fan, "high");
}

// A remote whose every key carries the whole state, and no separate power-on key.
TEST(LircActuator, FullStateKeysAreOneKeyPerCommand) {
  LircdServer::Options server_options;
  server_options.remotes = {{"Wall_AC", {"OFF", "COOL_22_AUTO", "COOL_22_HIGH", "COOL_23_HIGH"}}};
  auto lircd = StartLircd(server_options);
  ASSERT_NE(lircd, nullptr);
  LircOptions options = OptionsFor(*lircd);
  options.remote = "Wall_AC";
  options.keys.power_on = "";
  options.keys.power_off = "OFF";
  options.keys.setpoint = "COOL_{setpoint}_{FAN}";
  options.initial.setpoint_c = 22;
  auto ac = MakeActuator(options);
  ASSERT_NE(ac, nullptr);

  Command high;
  high.fan = "high";
  ASSERT_TRUE(ac->Apply(high).ok());
  ASSERT_TRUE(ac->Apply(SetpointCommand(23)).ok());
  Command off;
  off.power = false;
  ASSERT_TRUE(ac->Apply(off).ok());
  EXPECT_EQ(Transmitted(*lircd),
            (Keys{"Wall_AC COOL_22_HIGH", "Wall_AC COOL_23_HIGH", "Wall_AC OFF"}));
}

// A setpoint the remote has no key for is refused before anything is sent: no POWER_ON.
TEST(LircActuator, KeyMissingFromLircdConfigIsRefusedAndNothingIsSent) {
  auto lircd = StartLircd();
  ASSERT_NE(lircd, nullptr);
  LircOptions options = OptionsFor(*lircd);
  options.max_setpoint_c = 31;  // allowed by the limits, but lircd.conf stops at SET_30
  auto ac = MakeActuator(options);
  ASSERT_NE(ac, nullptr);

  Status refused = ac->Apply(SetpointCommand(31));
  EXPECT_EQ(refused.code(), StatusCode::kNotFound) << refused.ToString();
  EXPECT_NE(refused.message().find("SET_31"), std::string::npos) << refused.ToString();
  EXPECT_NE(refused.message().find("ServerRoom_AC1"), std::string::npos) << refused.ToString();
  EXPECT_NE(refused.message().find("nothing was sent"), std::string::npos) << refused.ToString();
  EXPECT_EQ(Transmitted(*lircd), Keys{});
  EXPECT_EQ(ac->ac_state()->setpoint_c, 26);  // unchanged

  ASSERT_TRUE(ac->Apply(SetpointCommand(30)).ok());  // and the actuator still works
  EXPECT_EQ(Transmitted(*lircd), (Keys{"ServerRoom_AC1 POWER_ON", "ServerRoom_AC1 SET_30"}));
}

TEST(LircActuator, RemoteMissingFromLircdConfigIsNamed) {
  auto lircd = StartLircd();
  ASSERT_NE(lircd, nullptr);
  LircOptions options = OptionsFor(*lircd);
  options.remote = "ServerRoom_AC2";
  auto ac = MakeActuator(options);
  ASSERT_NE(ac, nullptr);

  Status refused = ac->Apply(SetpointCommand(24));
  EXPECT_EQ(refused.code(), StatusCode::kNotFound) << refused.ToString();
  EXPECT_NE(refused.message().find("ServerRoom_AC2"), std::string::npos) << refused.ToString();
  EXPECT_EQ(Transmitted(*lircd), Keys{});
}

TEST(LircActuator, OutOfRangeAndFractionalSetpointsAreRefusedAndNothingIsSent) {
  auto lircd = StartLircd();
  ASSERT_NE(lircd, nullptr);
  auto ac = MakeActuator(OptionsFor(*lircd));
  ASSERT_NE(ac, nullptr);

  for (double setpoint : {17.0, 31.0, -1.0}) {
    Status refused = ac->Apply(SetpointCommand(setpoint));
    EXPECT_EQ(refused.code(), StatusCode::kOutOfRange) << refused.ToString();
    EXPECT_NE(refused.message().find("18..30"), std::string::npos) << refused.ToString();
  }
  Status fractional = ac->Apply(SetpointCommand(24.5));
  EXPECT_EQ(fractional.code(), StatusCode::kInvalidArgument) << fractional.ToString();
  EXPECT_NE(fractional.message().find("not a whole degree"), std::string::npos)
      << fractional.ToString();

  // Also while switching off: a state accepted now must be sendable at the next power-on.
  Command off = SetpointCommand(24.5);
  off.power = false;
  EXPECT_EQ(ac->Apply(off).code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(Transmitted(*lircd), Keys{});
  EXPECT_EQ(ac->ac_state()->setpoint_c, 26);
}

TEST(LircActuator, RefusesWhatTheRemoteCannotExpress) {
  auto lircd = StartLircd();
  ASSERT_NE(lircd, nullptr);
  auto ac = MakeActuator(OptionsFor(*lircd));
  ASSERT_NE(ac, nullptr);

  Command heat;
  heat.mode = "heat";
  Status refused = ac->Apply(heat);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused.ToString();
  EXPECT_NE(refused.message().find("keys.mode"), std::string::npos) << refused.ToString();

  Command fan_speed;
  fan_speed.fan = "high";
  EXPECT_EQ(ac->Apply(fan_speed).code(), StatusCode::kInvalidArgument);

  Command percent;
  percent.fan_percent = 50;
  Status not_a_fan = ac->Apply(percent);
  EXPECT_EQ(not_a_fan.code(), StatusCode::kInvalidArgument) << not_a_fan.ToString();
  EXPECT_NE(not_a_fan.message().find("fan_percent"), std::string::npos) << not_a_fan.ToString();

  EXPECT_EQ(Transmitted(*lircd), Keys{});
}

TEST(LircActuator, LircdNotRunningIsUnavailableNamingTheSocket) {
  auto dir = testing::MakeTempDir("lirc-absent");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  LircOptions options;
  options.socket = (*dir / "lircd").string();
  auto ac = MakeActuator(options);
  ASSERT_NE(ac, nullptr);

  Status absent = ac->Apply(SetpointCommand(24));
  EXPECT_EQ(absent.code(), StatusCode::kUnavailable) << absent.ToString();
  EXPECT_NE(absent.message().find("lircd not running at " + options.socket), std::string::npos)
      << absent.ToString();
  EXPECT_EQ(ac->ac_state()->setpoint_c, AcState{}.setpoint_c);  // unchanged
  std::filesystem::remove_all(*dir);
}

// A crashed lircd leaves its socket file behind; nothing listens on it.
TEST(LircActuator, CrashedLircdIsUnavailable) {
  auto lircd = StartLircd();
  ASSERT_NE(lircd, nullptr);
  auto ac = MakeActuator(OptionsFor(*lircd));
  ASSERT_NE(ac, nullptr);
  ASSERT_TRUE(ac->Apply(SetpointCommand(24)).ok());

  lircd->Kill();
  ASSERT_TRUE(std::filesystem::exists(lircd->socket()));
  Status gone = ac->Apply(SetpointCommand(25));
  EXPECT_EQ(gone.code(), StatusCode::kUnavailable) << gone.ToString();
  EXPECT_NE(gone.message().find("lircd not running at " + lircd->socket()), std::string::npos)
      << gone.ToString();
  EXPECT_EQ(ac->ac_state()->setpoint_c, 24);  // the last state fully sent
}

// A hung lircd (stopped) costs one timeout, not the agent's command thread.
TEST(LircActuator, HungLircdTimesOut) {
  auto lircd = StartLircd();
  ASSERT_NE(lircd, nullptr);
  LircOptions options = OptionsFor(*lircd);
  options.timeout = std::chrono::milliseconds(300);
  auto ac = MakeActuator(options);
  ASSERT_NE(ac, nullptr);

  lircd->process().Signal(SIGSTOP);
  Status hung = ac->Apply(SetpointCommand(24));
  lircd->process().Signal(SIGCONT);
  EXPECT_EQ(hung.code(), StatusCode::kDeadlineExceeded) << hung.ToString();
  EXPECT_NE(hung.message().find(lircd->socket()), std::string::npos) << hung.ToString();
}

TEST(LircActuator, MakeRefusesBadOptionsNamingTheField) {
  auto refused_for = [](const LircOptions& options) {
    auto actuator = MakeLircActuator(options);
    return actuator.ok() ? std::string("accepted") : actuator.status().message();
  };
  LircOptions options;
  EXPECT_EQ(refused_for(options), "accepted");

  options.remote = "Server Room";
  EXPECT_NE(refused_for(options).find("remote"), std::string::npos) << refused_for(options);
  options = {};
  options.socket = "";
  EXPECT_NE(refused_for(options).find("socket"), std::string::npos) << refused_for(options);
  options = {};
  options.keys.setpoint = "SET_{temperature}";
  EXPECT_NE(refused_for(options).find("keys.setpoint"), std::string::npos) << refused_for(options);
  options = {};
  options.min_setpoint_c = 30;
  options.max_setpoint_c = 18;
  EXPECT_NE(refused_for(options).find("min <= max"), std::string::npos) << refused_for(options);
  options = {};
  options.initial.setpoint_c = 35;
  EXPECT_NE(refused_for(options).find("initial.setpoint_c"), std::string::npos)
      << refused_for(options);
  options = {};
  options.initial.setpoint_c = 24.5;
  EXPECT_NE(refused_for(options).find("initial state"), std::string::npos) << refused_for(options);
  options = {};
  options.timeout = std::chrono::milliseconds(0);
  EXPECT_NE(refused_for(options).find("timeout"), std::string::npos) << refused_for(options);
}

// lircd(8): after a config reload it broadcasts BEGIN / SIGHUP / END to every client, "just
// after you have sent a command"; the client must not take it for the reply.
TEST(LircdConnection, SkipsTheSighupBroadcastAndReadsReplies) {
  auto lircd = StartLircd();
  ASSERT_NE(lircd, nullptr);
  auto connection = LircdConnection::Connect(lircd->socket());
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);

  lircd->process().Signal(SIGHUP);
  // The broadcast follows the config's second reading, which lircd logs.
  const std::filesystem::path log = lircd->dir() / "lircd.log";
  Status reloaded = testing::WaitUntil(
      [&] {
        const std::string text = ReadAll(log);
        const std::string used = "Using remote: ServerRoom_AC1";
        const size_t first = text.find(used);
        return first != std::string::npos && text.find(used, first + 1) != std::string::npos;
      },
      std::chrono::seconds(10), lircd->process(), "lircd reloading its config");
  ASSERT_TRUE(reloaded.ok()) << reloaded.ToString();

  auto listed = (*connection)->Run("LIST ServerRoom_AC1 SET_24", deadline);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_TRUE(listed->success);
  ASSERT_EQ(listed->data.size(), 1u);
  EXPECT_NE(listed->data[0].find("SET_24"), std::string::npos) << listed->data[0];

  auto refused = (*connection)->Run("SEND_ONCE ServerRoom_AC1 NO_SUCH_KEY", deadline);
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_FALSE(refused->success);
  EXPECT_EQ(refused->data, std::vector<std::string>{"unknown command: \"NO_SUCH_KEY\""});
}

// The fixture's own contract: irsend against it is recorded and decoded, in order.
TEST(LircdServerFixture, DecodesWhatIrsendTransmits) {
  auto lircd = StartLircd();
  ASSERT_NE(lircd, nullptr);
  EXPECT_EQ(Transmitted(*lircd), Keys{});
  for (const char* key : {"SET_18", "POWER_OFF", "SET_30"}) {
    EXPECT_EQ(RunIrsend(*lircd, "ServerRoom_AC1", key), "status 0");
  }
  EXPECT_EQ(Transmitted(*lircd),
            (Keys{"ServerRoom_AC1 SET_18", "ServerRoom_AC1 POWER_OFF", "ServerRoom_AC1 SET_30"}));
}

}  // namespace
}  // namespace coolflow::agent
