#include "common/files.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace coolflow {
namespace {

std::string Write(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(Files, ReadsAWholeFile) {
  const std::string path = Write("whole.txt", std::string("a\nb\0c", 5));
  auto text = ReadTextFile(path);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, std::string("a\nb\0c", 5));
  EXPECT_EQ(ReadTextFile(path + ".missing").status().message(), path + ".missing: no such file");
  EXPECT_EQ(ReadTextFile(::testing::TempDir()).status().code(), StatusCode::kNotFound);
}

TEST(Files, ASecretIsItsFirstLineAndNeverInAnError) {
  auto secret = ReadSecretFile(Write("secret", "hunter2\r\nsecond line\n"));
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_EQ(*secret, "hunter2");
  const std::string empty = Write("empty-secret", "\nhunter2\n");
  EXPECT_EQ(ReadSecretFile(empty).status().message(), empty + ": empty");
  const Status missing = ReadSecretFile(empty + ".missing").status();
  EXPECT_EQ(missing.code(), StatusCode::kIOError);
  EXPECT_EQ(missing.message().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace coolflow
