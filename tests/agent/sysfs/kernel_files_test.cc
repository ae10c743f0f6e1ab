// What the host and sysfs inputs share (agent/inputs/kernel/): reading a small kernel file with
// its errno kept (kernel_file.h), on files in a temporary directory and on this machine's
// /proc, and the text helpers their parsers use (kernel_text.h). Named Sysfs* and built into
// the sysfs input's test binary; the host input's tests use them through a fake /proc.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <string>

#include "agent/inputs/kernel/kernel_file.h"
#include "agent/inputs/kernel/kernel_text.h"
#include "support/server_process.h"

namespace coolflow::agent::kernel {
namespace {

namespace fs = std::filesystem;

constexpr size_t kSmall = 16;
constexpr size_t kLarge = 1 << 20;

TEST(SysfsKernelFile, ReadsUpToTheLimitAndNoFurther) {
  auto temp = testing::MakeTempDir("kernel-file");
  ASSERT_TRUE(temp.ok()) << temp.status().ToString();
  const fs::path dir = *temp;
  ASSERT_TRUE(testing::WriteFile(dir / "exact", std::string(kSmall, 'x')).ok());
  ASSERT_TRUE(testing::WriteFile(dir / "over", std::string(kSmall + 1, 'x')).ok());
  ASSERT_TRUE(testing::WriteFile(dir / "empty", "").ok());
  // Several read() chunks of 4 KiB, not a multiple of one.
  std::string big;
  for (size_t i = 0; big.size() < 3 * 4096 + 7; ++i)
    big += std::to_string(i) + '\n';
  ASSERT_TRUE(testing::WriteFile(dir / "big", big).ok());

  FileText exact = ReadFile(dir / "exact", kSmall);
  EXPECT_EQ(exact.error, 0);
  EXPECT_EQ(exact.text, std::string(kSmall, 'x'));

  FileText over = ReadFile(dir / "over", kSmall);
  EXPECT_EQ(over.error, EFBIG);
  EXPECT_EQ(over.text, "");

  FileText empty = ReadFile(dir / "empty", kSmall);
  EXPECT_EQ(empty.error, 0);
  EXPECT_EQ(empty.text, "");

  FileText whole = ReadFile(dir / "big", kLarge);
  EXPECT_EQ(whole.error, 0);
  EXPECT_EQ(whole.text, big);
  EXPECT_EQ(ReadFile(dir / "big", big.size()).text, big);
  EXPECT_EQ(ReadFile(dir / "big", big.size() - 1).error, EFBIG);
  fs::remove_all(dir);
}

TEST(SysfsKernelFile, KeepsTheErrnoOfAFailedOpenOrRead) {
  auto temp = testing::MakeTempDir("kernel-file");
  ASSERT_TRUE(temp.ok()) << temp.status().ToString();
  const fs::path dir = *temp;
  FileText missing = ReadFile(dir / "missing", kSmall);
  EXPECT_EQ(missing.error, ENOENT);
  EXPECT_EQ(missing.text, "");
  FileText directory = ReadFile(dir, kSmall);  // open() works, read() fails
  EXPECT_EQ(directory.error, EISDIR);
  EXPECT_EQ(DescribeErrno("read", directory.error), "read failed: EISDIR (Is a directory)");
  EXPECT_EQ(ErrnoName(ETIMEDOUT), "ETIMEDOUT");
  EXPECT_EQ(ErrnoName(12345), "errno 12345");
  fs::remove_all(dir);
}

// /proc files have size 0 in stat(2) and are produced as they are read.
TEST(SysfsKernelFile, ReadsTheRealProc) {
  FileText uptime = ReadFile("/proc/uptime", kLarge);
  ASSERT_EQ(uptime.error, 0) << ErrnoName(uptime.error);
  EXPECT_FALSE(uptime.text.empty());
  EXPECT_EQ(uptime.text.back(), '\n');
}

TEST(SysfsKernelText, TextHelpers) {
  EXPECT_EQ(TrimBlanks(" \t 42 \t"), "42");
  EXPECT_EQ(TrimBlanks("\t \t"), "");
  EXPECT_EQ(TrimBlanks("a b"), "a b");
  EXPECT_TRUE(IsBlank(' '));
  EXPECT_TRUE(IsBlank('\t'));
  EXPECT_FALSE(IsBlank('\n'));

  EXPECT_EQ(Quote("23125"), "'23125'");
  EXPECT_EQ(Quote("23125\n"), "'23125\\x0a'");  // the newline kept, escaped
  EXPECT_EQ(Quote(""), "''");
  EXPECT_EQ(Quote(std::string_view("\0a\x7f", 3)), "'\\x00a\\x7f'");
  EXPECT_EQ(Quote(std::string(64, 'x')), "'" + std::string(64, 'x') + "'");
  EXPECT_EQ(Quote(std::string(65, 'x')), "'" + std::string(64, 'x') + "'...");
}

}  // namespace
}  // namespace coolflow::agent::kernel
