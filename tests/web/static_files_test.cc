#include "web/static_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace coolflow::web {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("web-static-unit-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_ / "www" / "sub");
    std::ofstream(base_ / "www" / "index.html") << "root";
    std::ofstream(base_ / "www" / "sub" / "data.json") << "{}";
    std::ofstream(base_ / "outside.txt") << "outside";
    fs::create_symlink(base_ / "outside.txt", base_ / "www" / "link.txt");
    fs::create_symlink(base_ / "www" / "sub" / "data.json", base_ / "www" / "inner.json");
  }
  void TearDown() override { fs::remove_all(base_); }
  fs::path base_;
};

TEST_F(StaticFilesTest, ResolvesInsideTheRootOnly) {
  Result<StaticFiles> files = StaticFiles::Open(base_ / "www");
  ASSERT_TRUE(files.ok());
  Request r;
  EXPECT_EQ(files->Serve(r, "").body, "root");
  EXPECT_EQ(files->Serve(r, "sub/data.json").content_type, "application/json");
  EXPECT_EQ(files->Serve(r, "./sub//data.json").body, "{}");
  EXPECT_EQ(files->Serve(r, "inner.json").body, "{}");  // a symlink inside the root is fine
  EXPECT_EQ(files->Serve(r, "link.txt").status, 404);
  EXPECT_EQ(files->Serve(r, "../outside.txt").status, 400);
  EXPECT_EQ(files->Serve(r, "sub/../../outside.txt").status, 400);
  EXPECT_EQ(files->Serve(r, "sub\\..\\x").status, 400);
  EXPECT_EQ(files->Serve(r, "nothing").status, 404);
}

TEST_F(StaticFilesTest, ContentTypes) {
  EXPECT_EQ(StaticFiles::ContentType("a.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(StaticFiles::ContentType("a.svg"), "image/svg+xml");
  EXPECT_EQ(StaticFiles::ContentType("a.woff2"), "font/woff2");
  EXPECT_EQ(StaticFiles::ContentType("Makefile"), "application/octet-stream");
}

TEST_F(StaticFilesTest, OpenRefusesAMissingRoot) {
  EXPECT_EQ(StaticFiles::Open(base_ / "nope").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace coolflow::web
