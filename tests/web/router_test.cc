#include "web/router.h"

#include <gtest/gtest.h>

namespace coolflow::web {
namespace {

Route Make(Method method, std::string path, bool prefix = false) {
  Route r;
  r.method = method;
  r.path = std::move(path);
  r.prefix = prefix;
  return r;
}

TEST(RouterTest, ExactBeatsPrefixAndLongerPrefixBeatsShorter) {
  Router router;
  ASSERT_TRUE(router.Add(Make(Method::kGet, "/", true)).ok());
  ASSERT_TRUE(router.Add(Make(Method::kGet, "/api/", true)).ok());
  ASSERT_TRUE(router.Add(Make(Method::kGet, "/api/racks/", true)).ok());
  ASSERT_TRUE(router.Add(Make(Method::kGet, "/api/racks/all")).ok());
  EXPECT_EQ(router.Find("GET", "/api/racks/all").route->label, "GET /api/racks/all");
  EXPECT_EQ(router.Find("GET", "/api/racks/r1").route->label, "GET /api/racks/*");
  EXPECT_EQ(router.Find("GET", "/api/other").route->label, "GET /api/*");
  EXPECT_EQ(router.Find("GET", "/index.html").route->label, "GET /*");
  EXPECT_EQ(router.Find("HEAD", "/api/racks/all").route->label, "GET /api/racks/all");
}

TEST(RouterTest, MethodNotAllowedListsTheMethods) {
  Router router;
  ASSERT_TRUE(router.Add(Make(Method::kGet, "/x")).ok());
  ASSERT_TRUE(router.Add(Make(Method::kPut, "/x")).ok());
  const RouteMatch m = router.Find("POST", "/x");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, HEAD, PUT");
  EXPECT_EQ(router.Find("BREW", "/x").kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(router.Find("GET", "/y").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router.Find("GET", "/x/").kind, RouteMatch::Kind::kNotFound);
}

TEST(RouterTest, RefusesBadAndDuplicateRoutes) {
  Router router;
  EXPECT_EQ(router.Add(Make(Method::kGet, "x")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.Add(Make(Method::kGet, "/p", true)).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(router.Add(Make(Method::kGet, "/a")).ok());
  EXPECT_EQ(router.Add(Make(Method::kGet, "/a")).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(router.Add(Make(Method::kPost, "/a")).ok());
  EXPECT_TRUE(router.Add(Make(Method::kGet, "/a/", true)).ok());
}

}  // namespace
}  // namespace coolflow::web
