// The SnmpdServer fixture's own contract: a real snmpd that answers, shows its dskTable,
// hides excluded subtrees, stops answering when frozen, and leaves nothing behind.
#include "support/snmpd_server.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace coolflow::testing {
namespace {

constexpr const char* kSysUpTime = ".1.3.6.1.2.1.1.3.0";
constexpr const char* kMemCached = ".1.3.6.1.4.1.2021.4.15.0";
constexpr const char* kDskPathColumn = ".1.3.6.1.4.1.2021.9.1.2";

TEST(SnmpdServerTest, AnswersFreezesThawsAndCleansUp) {
  SnmpdServer::Options options;
  options.excluded_subtrees = {".1.3.6.1.4.1.2021.4.15"};
  std::filesystem::path dir;
  {
    auto server = SnmpdServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    dir = (*server)->dir();
    EXPECT_TRUE(std::filesystem::exists(dir / "snmpd.conf"));
    EXPECT_EQ((*server)->address(), "127.0.0.1:" + std::to_string((*server)->port()));

    auto values = (*server)->Get({kSysUpTime, kMemCached});
    ASSERT_TRUE(values.ok()) << values.status().ToString();
    EXPECT_GE(std::stoll(values->at(kSysUpTime)), 0);
    EXPECT_EQ(values->at(kMemCached), "No Such Object available on this agent at this OID");

    auto disks = (*server)->Walk(kDskPathColumn);
    ASSERT_TRUE(disks.ok()) << disks.status().ToString();
    ASSERT_EQ(disks->size(), 1u);
    EXPECT_EQ(disks->begin()->second, "/");

    (*server)->Freeze();
    EXPECT_FALSE((*server)->Get({kSysUpTime}).ok());
    (*server)->Thaw();
    auto again = (*server)->Get({kSysUpTime});
    EXPECT_TRUE(again.ok()) << again.status().ToString() << "\n" << (*server)->LogTail();
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace coolflow::testing
