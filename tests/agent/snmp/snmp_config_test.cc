// The SNMP input's configuration checks, without a peer: every refusal names the target and
// the field, and none quotes a secret.
#include "agent/inputs/snmp/snmp_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "agent/inputs/snmp/snmp_input.h"

namespace coolflow::agent::snmp {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kCommunity = "s3cret-community";
constexpr const char* kAuthPassword = "auth-s3cret-pass";
constexpr const char* kPrivPassword = "priv-s3cret-pass";

SnmpTarget V2c(std::string box, std::string address = "127.0.0.1:1161") {
  SnmpTarget t;
  t.box = std::move(box);
  t.address = std::move(address);
  t.version = SnmpVersion::kV2c;
  t.community = kCommunity;
  t.interface = "lo";
  return t;
}

SnmpTarget V3(std::string box, std::string address = "127.0.0.1:1161") {
  SnmpTarget t = V2c(std::move(box), std::move(address));
  t.version = SnmpVersion::kV3;
  t.community.clear();
  t.user = "poller";
  t.auth_protocol = "SHA-256";
  t.auth_password = kAuthPassword;
  t.priv_protocol = "AES";
  t.priv_password = kPrivPassword;
  return t;
}

SnmpInputConfig Config(std::vector<SnmpTarget> targets) {
  SnmpInputConfig config;
  config.targets = std::move(targets);
  config.timeout = std::chrono::milliseconds(300);
  config.retries = 1;
  return config;
}

// The refusal message for `config`; fails the test when the config is accepted.
std::string Refusal(const SnmpInputConfig& config) {
  const Status s = ValidateSnmpInputConfig(config);
  EXPECT_FALSE(s.ok()) << "accepted";
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), Not(HasSubstr(kCommunity)));
  EXPECT_THAT(s.message(), Not(HasSubstr(kAuthPassword)));
  EXPECT_THAT(s.message(), Not(HasSubstr(kPrivPassword)));
  return s.message();
}

TEST(SnmpConfigTest, AcceptsV2cAndV3Targets) {
  SnmpTarget ipv6 = V2c("srv-03", "[::1]:161");
  SnmpTarget default_port = V3("srv-04", "10.0.0.4");
  default_port.auth_protocol = "SHA-512";
  default_port.priv_protocol = "AES-256";
  const Status s = ValidateSnmpInputConfig(
      Config({V2c("srv-01"), V3("srv-02", "127.0.0.1:1162"), ipv6, default_port}));
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(SnmpConfigTest, ParsesAddresses) {
  auto v4 = ParseSnmpAddress("192.168.1.20:1161");
  ASSERT_TRUE(v4.ok()) << v4.status().ToString();
  EXPECT_EQ(v4->host, "192.168.1.20");
  EXPECT_EQ(v4->port, 1161);
  EXPECT_EQ(v4->peername, "udp:192.168.1.20:1161");

  auto bare = ParseSnmpAddress("10.1.2.3");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->port, kDefaultSnmpPort);

  auto v6 = ParseSnmpAddress("[::1]:10161");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->peername, "udp6:[::1]:10161");
}

TEST(SnmpConfigTest, RefusesBadAddressesNamingTheTarget) {
  struct Case {
    const char* address;
    const char* why;
  };
  const Case cases[] = {
      {"", "address is empty"},
      {"snmp.example.org:161", "is not an IPv4 address (host names are not resolved"},
      {"127.0.0.1:0", "port '0' is not a number from 1 to 65535"},
      {"127.0.0.1:70000", "port '70000'"},
      {"127.0.0.1:16x", "port '16x'"},
      {"127.0.0.1:", "port ''"},
      {"::1", "in brackets"},
      {"[::1", "'[' without ']'"},
      {"[::1]x", "expected ':<port>' after ']'"},
      {"[127.0.0.1]:161", "is not an IPv6 address"},
      {"300.1.1.1", "is not an IPv4 address"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.address);
    const std::string message =
        Refusal(Config({V2c("srv-01"), V2c("srv-02"), V2c("srv-03", c.address)}));
    EXPECT_THAT(message, HasSubstr("targets[2] (box srv-03): "));
    EXPECT_THAT(message, HasSubstr(c.why));
  }
}

TEST(SnmpConfigTest, RefusesBadTargets) {
  struct Case {
    std::string name;
    SnmpTarget target;
    const char* why;
  };
  std::vector<Case> cases;
  auto add = [&](std::string name, SnmpTarget t, const char* why) {
    cases.push_back({std::move(name), std::move(t), why});
  };
  {
    SnmpTarget t = V2c("");
    add("empty box", t, "targets[0] (box ''): box id is empty");
  }
  {
    SnmpTarget t = V2c("bad box");
    add("box with a space", t, "outside [A-Za-z0-9_.-]");
  }
  {
    SnmpTarget t = V2c("srv-01");
    t.community.clear();
    add("no community", t, "community is empty");
  }
  {
    SnmpTarget t = V2c("srv-01");
    t.community = std::string(300, 'c');
    add("long community", t, "community is longer than 255 bytes");
  }
  {
    SnmpTarget t = V2c("srv-01");
    t.interface.clear();
    add("no interface", t, "interface is empty");
  }
  {
    SnmpTarget t = V2c("srv-01");
    t.disk_path = "var";
    add("relative disk", t, "disk_path 'var' must be an absolute path");
  }
  {
    SnmpTarget t = V3("srv-01");
    t.user.clear();
    add("no user", t, "user is empty");
  }
  {
    SnmpTarget t = V3("srv-01");
    t.user = std::string(33, 'u');
    add("long user", t, "user must be 1-32 bytes");
  }
  {
    SnmpTarget t = V3("srv-01");
    t.auth_protocol = "SHA1";
    add("bad auth protocol", t, "auth_protocol 'SHA1' is not one of MD5, SHA, SHA-224");
  }
  {
    SnmpTarget t = V3("srv-01");
    t.priv_protocol = "3DES";
    add("bad priv protocol", t, "priv_protocol '3DES' is not one of DES, AES, AES-192, AES-256");
  }
  {
    SnmpTarget t = V3("srv-01");
    t.auth_password.clear();
    add("no auth password", t, "auth_password is missing (net-snmp needs at least 8");
  }
  {
    SnmpTarget t = V3("srv-01");
    t.priv_password = "short";
    add("short priv password", t, "priv_password is too short (net-snmp needs at least 8");
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string message = Refusal(Config({c.target}));
    EXPECT_THAT(message, HasSubstr(c.why));
    if (!c.target.box.empty()) {
      EXPECT_THAT(message, HasSubstr("targets[0] (box "));
    }
  }
}

TEST(SnmpConfigTest, RefusesDuplicateBoxes) {
  const std::string message =
      Refusal(Config({V2c("srv-01"), V2c("srv-02"), V2c("srv-01", "127.0.0.1:2161")}));
  EXPECT_THAT(message,
              HasSubstr("targets[2] (box srv-01): box 'srv-01' is already polled by targets[0]"));
}

TEST(SnmpConfigTest, RefusesOneV3UserWithTwoKeySets) {
  SnmpTarget other = V3("srv-02");
  other.priv_password = "another-priv-pass";
  const std::string message = Refusal(Config({V3("srv-01"), other}));
  EXPECT_THAT(message, HasSubstr("targets[1] (box srv-02): user 'poller' at 127.0.0.1:1161 is "
                                 "also used by targets[0]"));
  EXPECT_THAT(message, Not(HasSubstr("another-priv-pass")));
  // The same user with the same keys, or at another address, is fine.
  EXPECT_TRUE(ValidateSnmpInputConfig(Config({V3("srv-01"), V3("srv-02")})).ok());
  other.address = "127.0.0.1:1162";
  EXPECT_TRUE(ValidateSnmpInputConfig(Config({V3("srv-01"), other})).ok());
}

TEST(SnmpConfigTest, RefusesBadTimingAndEmptyTargets) {
  EXPECT_THAT(Refusal(Config({})), HasSubstr("targets: no target to poll"));
  SnmpInputConfig config = Config({V2c("srv-01")});
  config.timeout = std::chrono::milliseconds(0);
  EXPECT_THAT(Refusal(config), HasSubstr("timeout: 0 ms is not between 1 and 60000 ms"));
  config.timeout = std::chrono::milliseconds(300);
  config.retries = -1;
  EXPECT_THAT(Refusal(config), HasSubstr("retries: -1 is not between 0 and 10"));
  config.retries = 11;
  EXPECT_THAT(Refusal(config), HasSubstr("retries: 11"));
}

TEST(SnmpConfigTest, MakeSnmpInputValidatesAndSendsNothing) {
  auto bad = MakeSnmpInput(Config({V2c("srv-01", "nowhere")}));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("targets[0] (box srv-01): address 'nowhere'"));
  // A good config builds an input; sessions open only when it is polled.
  auto good = MakeSnmpInput(Config({V2c("srv-01"), V3("srv-02")}));
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_NE(*good, nullptr);
}

}  // namespace
}  // namespace coolflow::agent::snmp
