// The SNMP input against real snmpd agents (tests/support/snmpd_server.h): what it reads
// matches what net-snmp's own snmpget reads, v2c and v3 authPriv; wrong credentials, missing
// rows and hidden items are reported by box and item; a box that stops answering is
// reported by the deadline while the others keep their readings; rates come from the
// second poll and pause after a restart.
#include "agent/inputs/snmp/snmp_input.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "agent/inputs/snmp/snmp_items.h"
#include "reading/validate.h"
#include "support/snmpd_server.h"

namespace coolflow::agent::snmp {
namespace {

using ::coolflow::testing::SnmpdServer;
using std::chrono::milliseconds;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using SteadyClock = std::chrono::steady_clock;

constexpr milliseconds kTimeout{300};
constexpr milliseconds kPollBudget{5'000};  // deadline of a poll where everyone answers
constexpr const char* kSysUpTime = ".1.3.6.1.2.1.1.3.0";
constexpr const char* kCpuIdle = ".1.3.6.1.4.1.2021.11.53.0";

// The 15 polled metrics, and the 3 derived ones.
std::set<std::string> ItemMetrics() {
  std::set<std::string> metrics;
  for (const ItemSpec& spec : kItems)
    metrics.emplace(spec.metric);
  return metrics;
}
const std::set<std::string> kRateMetrics = {"cpu_percent", "net_in_rate", "net_out_rate"};

SnmpTarget V2cTarget(const SnmpdServer& server, std::string box) {
  SnmpTarget t;
  t.box = std::move(box);
  t.address = server.address();
  t.version = SnmpVersion::kV2c;
  t.community = server.options().community;
  t.interface = "lo";
  return t;
}

SnmpTarget V3Target(const SnmpdServer& server, std::string box, size_t user = 0) {
  const SnmpdServer::V3User& u = server.options().v3_users.at(user);
  SnmpTarget t;
  t.box = std::move(box);
  t.address = server.address();
  t.version = SnmpVersion::kV3;
  t.user = u.name;
  t.auth_protocol = u.auth_protocol;
  t.auth_password = u.auth_password;
  t.priv_protocol = u.priv_protocol;
  t.priv_password = u.priv_password;
  t.interface = "lo";
  return t;
}

std::unique_ptr<agent::Input> MakeInput(std::vector<SnmpTarget> targets,
                                        milliseconds timeout = kTimeout, int retries = 1) {
  SnmpInputConfig config;
  config.targets = std::move(targets);
  config.timeout = timeout;
  config.retries = retries;
  auto input = MakeSnmpInput(config);
  EXPECT_TRUE(input.ok()) << input.status().ToString();
  return input.ok() ? std::move(*input) : nullptr;
}

struct Poll {
  PollResult result;
  TimeNs now = 0;
  SteadyClock::duration took{};
};

Poll PollOnce(agent::Input& input, milliseconds budget = kPollBudget) {
  Poll poll;
  poll.now = SystemClock::Instance().Now();
  const auto start = SteadyClock::now();
  input.Poll(poll.now, start + budget, poll.result);
  poll.took = SteadyClock::now() - start;
  return poll;
}

// The readings of `box` by metric (each metric once).
std::map<std::string, reading::Reading> Readings(const PollResult& result, const std::string& box) {
  std::map<std::string, reading::Reading> by_metric;
  for (const reading::Reading& r : result.readings) {
    if (r.box != box) continue;
    EXPECT_TRUE(by_metric.emplace(r.metric, r).second) << "metric twice: " << r.metric;
  }
  return by_metric;
}

std::set<std::string> Metrics(const std::map<std::string, reading::Reading>& readings) {
  std::set<std::string> metrics;
  for (const auto& [metric, r] : readings)
    metrics.insert(metric);
  return metrics;
}

std::vector<std::string> ErrorsOf(const PollResult& result, const std::string& box) {
  std::vector<std::string> whys;
  for (const InputError& e : result.errors) {
    if (e.source == box) whys.push_back(e.why);
  }
  return whys;
}

std::string Describe(const PollResult& result) {
  std::string text;
  for (const InputError& e : result.errors)
    text += e.source + ": " + e.why + "\n";
  return text;
}

double AsDouble(const reading::Reading& r) {
  EXPECT_TRUE(std::holds_alternative<double>(r.value)) << r.metric << " is not a double";
  return reading::ValueAsDouble(r.value);
}

uint64_t AsCounter(const reading::Reading& r) {
  EXPECT_TRUE(std::holds_alternative<uint64_t>(r.value)) << r.metric << " is not a uint64";
  const auto* v = std::get_if<uint64_t>(&r.value);
  return v != nullptr ? *v : 0;
}

// The row index whose value in `column` (walked with snmpwalk) is `name`.
std::string RowOf(SnmpdServer& server, const std::string& column, const std::string& name) {
  auto rows = server.Walk(column);
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  if (!rows.ok()) return "";
  for (const auto& [oid, value] : *rows) {
    if (value == name) return oid.substr(column.size() + 1);
  }
  ADD_FAILURE() << "no row named " << name << " in " << column;
  return "";
}

// Checks what every reading of `box` must be, whatever its value.
void ExpectWellFormed(const std::map<std::string, reading::Reading>& readings,
                      const std::string& box, TimeNs now) {
  for (const auto& [metric, r] : readings) {
    SCOPED_TRACE(metric);
    EXPECT_EQ(r.box, box);
    EXPECT_EQ(r.measurement, "resource");
    EXPECT_EQ(r.tags, (reading::TagSet{{"ip", "127.0.0.1"}}));
    EXPECT_EQ(r.time, now);
    EXPECT_EQ(r.seq, 0u);
    const reading::MetricInfo* info = reading::FindMetric(metric);
    ASSERT_NE(info, nullptr) << "not in the catalog";
    EXPECT_EQ(r.unit, info->unit);
    const auto violation = reading::Validate(r, now, reading::ValidationOptions{});
    EXPECT_FALSE(violation) << violation->item << ": " << violation->message;
  }
}

// Compares one v2c poll of `box` with what snmpget reads right after it.
void ExpectMatchesSnmpget(SnmpdServer& server, const PollResult& result, const std::string& box,
                          const std::string& disk_row, const std::string& if_row) {
  const auto readings = Readings(result, box);
  std::vector<std::string> oids;
  std::map<std::string, std::string> metric_oid;
  for (const ItemSpec& spec : kItems) {
    std::string oid = "." + std::string(spec.oid);
    if (spec.row == ItemRow::kDisk) oid += "." + disk_row;
    if (spec.row == ItemRow::kInterface) oid += "." + if_row;
    oids.push_back(oid);
    metric_oid[std::string(spec.metric)] = oid;
  }
  auto snmpget = server.Get(oids);
  ASSERT_TRUE(snmpget.ok()) << snmpget.status().ToString();
  auto theirs = [&](const std::string& metric) {
    return std::stod(snmpget->at(metric_oid.at(metric)));
  };
  auto ours = [&](const std::string& metric) -> const reading::Reading& {
    return readings.at(metric);
  };
  // Stable between the two requests: exactly equal.
  EXPECT_EQ(AsDouble(ours("memory_total")), theirs("memory_total"));
  EXPECT_EQ(AsDouble(ours("disk_used_percent")), theirs("disk_used_percent"));
  // Counters and the uptime only grow between our GET and snmpget's, and not by much.
  EXPECT_LE(AsDouble(ours("uptime")), theirs("uptime") / 100.0);
  EXPECT_GT(AsDouble(ours("uptime")), theirs("uptime") / 100.0 - 10.0);
  for (const char* counter :
       {"cpu_user", "cpu_system", "cpu_idle", "net_in_octets", "net_out_octets"}) {
    SCOPED_TRACE(counter);
    const uint64_t mine = AsCounter(ours(counter));
    const uint64_t snmpget_value = std::stoull(snmpget->at(metric_oid.at(counter)));
    EXPECT_LE(mine, snmpget_value);
  }
  // Gauges that move: the same within a sane margin (load x 100 as an INTEGER).
  constexpr double kLoadMargin = 0.5;
  for (const char* load : {"load1", "load5", "load15"}) {
    EXPECT_NEAR(AsDouble(ours(load)), theirs(load) / 100.0, kLoadMargin) << load;
  }
  const double memory_margin = theirs("memory_total") / 10.0;
  for (const char* memory :
       {"memory_available", "memory_buffers", "memory_cached", "swap_available"}) {
    EXPECT_NEAR(AsDouble(ours(memory)), theirs(memory), memory_margin) << memory;
  }
}

TEST(SnmpInputTest, V2cPollGivesThe15ValuesSnmpgetReads) {
  auto server = SnmpdServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto input = MakeInput({V2cTarget(**server, "srv-01")});
  ASSERT_NE(input, nullptr);

  const Poll poll = PollOnce(*input);
  EXPECT_TRUE(poll.result.errors.empty()) << Describe(poll.result);
  const auto readings = Readings(poll.result, "srv-01");
  EXPECT_EQ(Metrics(readings), ItemMetrics());  // no rate yet: one poll only
  ExpectWellFormed(readings, "srv-01", poll.now);

  const std::string disk_row = RowOf(**server, ".1.3.6.1.4.1.2021.9.1.2", "/");
  const std::string if_row = RowOf(**server, ".1.3.6.1.2.1.31.1.1.1.1", "lo");
  ExpectMatchesSnmpget(**server, poll.result, "srv-01", disk_row, if_row);
}

TEST(SnmpInputTest, V3AuthPrivPollGivesThe15Values) {
  SnmpdServer::Options options;
  options.v3_users.push_back(
      {"strong", "SHA-512", "strong-auth-pass", "AES-256", "strong-priv-pass"});
  auto server = SnmpdServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto input =
      MakeInput({V3Target(**server, "srv-sha-aes", 0), V3Target(**server, "srv-sha512-aes256", 1)});
  ASSERT_NE(input, nullptr);

  for (int round = 1; round <= 2; ++round) {
    SCOPED_TRACE(round);
    const Poll poll = PollOnce(*input);
    EXPECT_TRUE(poll.result.errors.empty()) << Describe(poll.result);
    for (const std::string box : {"srv-sha-aes", "srv-sha512-aes256"}) {
      SCOPED_TRACE(box);
      const auto readings = Readings(poll.result, box);
      std::set<std::string> got = Metrics(readings);
      for (const auto& rate : kRateMetrics)
        got.erase(rate);  // see the rates test
      EXPECT_EQ(got, ItemMetrics());
      ExpectWellFormed(readings, box, poll.now);
      auto snmpget = (*server)->Get({".1.3.6.1.4.1.2021.4.5.0"});
      ASSERT_TRUE(snmpget.ok()) << snmpget.status().ToString();
      EXPECT_EQ(AsDouble(readings.at("memory_total")),
                std::stod(snmpget->at(".1.3.6.1.4.1.2021.4.5.0")));
    }
  }
}

// net-snmp is initialised as far as the inputs need it (netsnmp_library.h): a v2c-only input
// sets up the transports alone, and a v3 input made later in the same process must still get
// the user-based security model, with the v2c input polling on beside it.
TEST(SnmpInputTest, V3InputAfterAV2cOnlyInputBothPoll) {
  SnmpdServer::Options options;
  options.v3_users.push_back(
      {"strong", "SHA-512", "strong-auth-pass", "AES-256", "strong-priv-pass"});
  auto server = SnmpdServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto community = MakeInput({V2cTarget(**server, "srv-v2c")});
  ASSERT_NE(community, nullptr);
  const Poll first = PollOnce(*community);
  EXPECT_TRUE(first.result.errors.empty()) << Describe(first.result);
  EXPECT_EQ(Metrics(Readings(first.result, "srv-v2c")), ItemMetrics());

  auto user_based = MakeInput({V3Target(**server, "srv-v3", 1)});
  ASSERT_NE(user_based, nullptr);
  for (agent::Input* input : {user_based.get(), community.get()}) {
    const Poll poll = PollOnce(*input);
    EXPECT_TRUE(poll.result.errors.empty()) << Describe(poll.result);
    EXPECT_FALSE(poll.result.readings.empty());
  }
}

TEST(SnmpInputTest, WrongCredentialsAreReportedByBoxWithNoReadings) {
  auto server = SnmpdServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  SnmpTarget bad_community = V2cTarget(**server, "srv-bad-community");
  bad_community.community = "not-the-community";
  SnmpTarget bad_auth = V3Target(**server, "srv-bad-auth");
  bad_auth.auth_password = "not-the-auth-password";
  auto input = MakeInput({V2cTarget(**server, "srv-good"), bad_community, bad_auth}, kTimeout, 0);
  ASSERT_NE(input, nullptr);

  const Poll poll = PollOnce(*input);
  EXPECT_EQ(Metrics(Readings(poll.result, "srv-good")), ItemMetrics()) << Describe(poll.result);
  EXPECT_TRUE(ErrorsOf(poll.result, "srv-good").empty()) << Describe(poll.result);
  EXPECT_TRUE(Readings(poll.result, "srv-bad-community").empty());
  EXPECT_TRUE(Readings(poll.result, "srv-bad-auth").empty());
  EXPECT_THAT(ErrorsOf(poll.result, "srv-bad-community"),
              ElementsAre(AllOf(HasSubstr("no answer within"),
                                HasSubstr("a v2c agent also ignores a wrong community"))));
  EXPECT_THAT(
      ErrorsOf(poll.result, "srv-bad-auth"),
      ElementsAre(AllOf(HasSubstr("SNMPv3 request refused"), HasSubstr("Authentication failure"))));
  const std::string all = Describe(poll.result);
  for (const std::string& secret :
       {std::string("not-the-community"), std::string("not-the-auth-password"),
        (*server)->options().community, (*server)->options().v3_users[0].priv_password}) {
    EXPECT_THAT(all, Not(HasSubstr(secret)));
  }

  // A wrong privacy password: the agent cannot decrypt the request and stays silent, though
  // it answers the engine discovery.
  SnmpTarget bad_priv = V3Target(**server, "srv-bad-priv");
  bad_priv.priv_password = "not-the-priv-password";
  auto priv_input = MakeInput({bad_priv}, kTimeout, 0);
  ASSERT_NE(priv_input, nullptr);
  const Poll priv_poll = PollOnce(*priv_input);
  EXPECT_TRUE(Readings(priv_poll.result, "srv-bad-priv").empty());
  EXPECT_THAT(ErrorsOf(priv_poll.result, "srv-bad-priv"),
              ElementsAre(AllOf(HasSubstr("no answer within"),
                                HasSubstr("it also drops requests made with a wrong "
                                          "priv_password"))))
      << Describe(priv_poll.result);
  EXPECT_THAT(Describe(priv_poll.result), Not(HasSubstr("not-the-priv-password")));
}

TEST(SnmpInputTest, MissingRowsAndHiddenItemsAreReportedAndTheRestCome) {
  SnmpdServer::Options options;
  options.excluded_subtrees = {".1.3.6.1.4.1.2021.4.15"};  // memCached
  auto server = SnmpdServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  SnmpTarget target = V2cTarget(**server, "srv-01");
  target.interface = "nosuch0";
  target.disk_path = "/no/such/disk";
  auto input = MakeInput({target});
  ASSERT_NE(input, nullptr);

  const Poll poll = PollOnce(*input);
  std::set<std::string> expected = ItemMetrics();
  for (const char* absent :
       {"memory_cached", "disk_used_percent", "net_in_octets", "net_out_octets"}) {
    expected.erase(absent);
  }
  const auto readings = Readings(poll.result, "srv-01");
  EXPECT_EQ(Metrics(readings), expected);
  ExpectWellFormed(readings, "srv-01", poll.now);
  EXPECT_THAT(
      ErrorsOf(poll.result, "srv-01"),
      ::testing::UnorderedElementsAre(
          "memory_cached (.1.3.6.1.4.1.2021.4.15.0): noSuchObject",
          "disk_used_percent: dskTable has no row for '/no/such/disk' (snmpd.conf needs `disk "
          "/no/such/disk`); rows: '/'",
          AllOf(HasSubstr("net_in_octets, net_out_octets: no interface named 'nosuch0' in "
                          "ifName or ifDescr; interfaces: 'lo'"))));
}

TEST(SnmpInputTest, RenumberedDiskRowIsFoundAgainWithinThePoll) {
  SnmpdServer::Options options;
  options.disks = {"/dev", "/"};  // "/" is dskTable row 2
  options.engine_id = "coolflowengine";
  auto server = SnmpdServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto input = MakeInput({V2cTarget(**server, "srv-01"), V3Target(**server, "srv-01-v3")});
  ASSERT_NE(input, nullptr);
  const Poll before = PollOnce(*input);
  EXPECT_TRUE(before.result.errors.empty()) << Describe(before.result);

  // Now "/" is row 1 and row 2 is gone: the GET's dskPath check sees it, and the poll finds
  // the row again and asks again.
  options.disks = {"/"};
  ASSERT_TRUE((*server)->Reconfigure(options).ok());
  const Poll after = PollOnce(*input);
  EXPECT_TRUE(after.result.errors.empty()) << Describe(after.result);
  auto snmpget = (*server)->Get({".1.3.6.1.4.1.2021.9.1.9.1"});
  ASSERT_TRUE(snmpget.ok()) << snmpget.status().ToString();
  for (const std::string box : {"srv-01", "srv-01-v3"}) {
    const auto readings = Readings(after.result, box);
    std::set<std::string> got = Metrics(readings);
    for (const auto& rate : kRateMetrics)
      got.erase(rate);  // see the rates test
    EXPECT_EQ(got, ItemMetrics()) << box;
    ASSERT_TRUE(readings.contains("disk_used_percent")) << box;
    EXPECT_EQ(AsDouble(readings.at("disk_used_percent")),
              std::stod(snmpget->at(".1.3.6.1.4.1.2021.9.1.9.1")));
  }
}

TEST(SnmpInputTest, BoxThatStopsAnsweringIsReportedByTheDeadlineAndOthersKeepTheirReadings) {
  auto frozen = SnmpdServer::Start();
  ASSERT_TRUE(frozen.ok()) << frozen.status().ToString();
  auto healthy = SnmpdServer::Start();
  ASSERT_TRUE(healthy.ok()) << healthy.status().ToString();
  // net-snmp would wait 5 s for an answer: only the poll's deadline can end the wait early.
  constexpr milliseconds kLongTimeout{5'000};
  constexpr milliseconds kDeadline{800};
  auto input = MakeInput({V2cTarget(**frozen, "frozen-v2c"), V3Target(**frozen, "frozen-v3"),
                          V2cTarget(**healthy, "healthy-v2c"), V3Target(**healthy, "healthy-v3")},
                         kLongTimeout, 0);
  ASSERT_NE(input, nullptr);
  const std::vector<std::string> healthy_boxes = {"healthy-v2c", "healthy-v3"};
  const std::vector<std::string> frozen_boxes = {"frozen-v2c", "frozen-v3"};

  const Poll first = PollOnce(*input);
  EXPECT_TRUE(first.result.errors.empty()) << Describe(first.result);
  for (const auto& box : frozen_boxes) {
    EXPECT_EQ(Metrics(Readings(first.result, box)), ItemMetrics()) << box;
  }

  (*frozen)->Freeze();
  for (int round = 1; round <= 2; ++round) {
    SCOPED_TRACE(round);
    const Poll poll = PollOnce(*input, kDeadline);
    // Back by the deadline, not after net-snmp's 5 s (a generous margin for slow CI).
    EXPECT_LT(poll.took, kLongTimeout - milliseconds(1'000));
    for (const auto& box : frozen_boxes) {
      EXPECT_TRUE(Readings(poll.result, box).empty()) << box;
      EXPECT_THAT(ErrorsOf(poll.result, box), ElementsAre(HasSubstr("no answer within"))) << box;
    }
    for (const auto& box : healthy_boxes) {
      EXPECT_TRUE(ErrorsOf(poll.result, box).empty()) << Describe(poll.result);
      std::set<std::string> got = Metrics(Readings(poll.result, box));
      for (const auto& rate : kRateMetrics)
        got.erase(rate);  // see the rates test
      EXPECT_EQ(got, ItemMetrics()) << box;
    }
  }

  // Thawed, the box answers again (v3 with a fresh engine discovery).
  (*frozen)->Thaw();
  const Poll back = PollOnce(*input);
  EXPECT_TRUE(back.result.errors.empty()) << Describe(back.result);
  for (const auto& box : frozen_boxes) {
    std::set<std::string> got = Metrics(Readings(back.result, box));
    for (const auto& rate : kRateMetrics)
      got.erase(rate);
    EXPECT_EQ(got, ItemMetrics()) << box;
  }
}

// Polls `server` with snmpget until `done` holds for its values, or gives up after `limit`.
bool WaitForAgent(SnmpdServer& server, const std::vector<std::string>& oids,
                  const std::function<bool(const std::map<std::string, std::string>&)>& done,
                  milliseconds limit) {
  const auto give_up = SteadyClock::now() + limit;
  while (SteadyClock::now() < give_up) {
    auto values = server.Get(oids);
    if (values.ok() && done(*values)) return true;
    std::this_thread::sleep_for(milliseconds(200));
  }
  return false;
}

// Two polls give rates; a restarted agent (sysUpTime back to 0) gives every item but no rate,
// and the poll after gives rates again. `engine_id` empty: the agent comes back with a new
// engine ID, as a reinstalled box would, and the v3 session must discover it again.
void ExpectRatesAcrossARestart(const std::string& engine_id) {
  SnmpdServer::Options options;
  options.engine_id = engine_id;
  auto server = SnmpdServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto input = MakeInput({V2cTarget(**server, "srv-v2c"), V3Target(**server, "srv-v3")});
  ASSERT_NE(input, nullptr);
  const std::vector<std::string> boxes = {"srv-v2c", "srv-v3"};

  const Poll first = PollOnce(*input);
  EXPECT_TRUE(first.result.errors.empty()) << Describe(first.result);
  const uint64_t idle_before = AsCounter(Readings(first.result, "srv-v2c").at("cpu_idle"));
  // snmpd refreshes its CPU figures every 5 s: wait for a refresh (and 3 s of uptime, so
  // the restarted agent's sysUpTime is surely below it).
  ASSERT_TRUE(WaitForAgent(
      **server, {kCpuIdle, kSysUpTime},
      [&](const auto& values) {
        return std::stoull(values.at(kCpuIdle)) != idle_before &&
               std::stoull(values.at(kSysUpTime)) >= 300;
      },
      milliseconds(15'000)));

  const Poll second = PollOnce(*input);
  EXPECT_TRUE(second.result.errors.empty()) << Describe(second.result);
  for (const auto& box : boxes) {
    SCOPED_TRACE(box);
    const auto readings = Readings(second.result, box);
    std::set<std::string> expected = ItemMetrics();
    expected.insert(kRateMetrics.begin(), kRateMetrics.end());
    EXPECT_EQ(Metrics(readings), expected);
    ExpectWellFormed(readings, box, second.now);
    const double cpu = AsDouble(readings.at("cpu_percent"));
    EXPECT_GE(cpu, 0.0);
    EXPECT_LE(cpu, 100.0);
    EXPECT_GE(AsDouble(readings.at("net_in_rate")), 0.0);
  }

  ASSERT_TRUE((*server)->Restart().ok());
  const Poll restarted = PollOnce(*input);
  EXPECT_TRUE(restarted.result.errors.empty()) << Describe(restarted.result);
  for (const auto& box : boxes) {
    // Every item, but no rate: sysUpTime went back.
    EXPECT_EQ(Metrics(Readings(restarted.result, box)), ItemMetrics()) << box;
  }

  // Let the agent's clock tick (10 ms) so that the next poll has time to divide by.
  const double uptime = AsDouble(Readings(restarted.result, "srv-v2c").at("uptime"));
  ASSERT_TRUE(WaitForAgent(
      **server, {kSysUpTime},
      [&](const auto& values) { return std::stod(values.at(kSysUpTime)) > uptime * 100 + 1; },
      milliseconds(5'000)));
  const Poll after = PollOnce(*input);
  EXPECT_TRUE(after.result.errors.empty()) << Describe(after.result);
  for (const auto& box : boxes) {
    const auto readings = Readings(after.result, box);
    EXPECT_TRUE(readings.contains("net_in_rate")) << box;
    EXPECT_TRUE(readings.contains("net_out_rate")) << box;
  }
}

TEST(SnmpInputTest, RatesComeFromTheSecondPollAndPauseAfterARestart) {
  ExpectRatesAcrossARestart("coolflowengine");
}

TEST(SnmpInputTest, RatesPauseAfterARestartWithANewEngineId) {
  ExpectRatesAcrossARestart("");
}

}  // namespace
}  // namespace coolflow::agent::snmp
