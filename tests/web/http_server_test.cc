// The HTTP server end to end on loopback: routing, keep-alive and pipelining, deferred
// answers, every limit and malformed input, static files, metrics and Stop.
#include "web/http_server.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "fmt/format.h"
#include "test_client.h"

namespace coolflow::web {
namespace {

using testing::Curl;
using testing::CurlRequest;
using testing::HttpReply;
using testing::LogCapture;
using testing::RawConnection;

std::string Get(const std::string& path, const std::string& extra = "") {
  return fmt::format("GET {} HTTP/1.1\r\nHost: t\r\n{}\r\n", path, extra);
}

// Responders handed over by a deferred handler, waited for by the test.
class ResponderQueue {
 public:
  void Push(Responder r, std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    items_.emplace_back(std::move(r), std::move(body));
    cv_.notify_all();
  }
  std::pair<Responder, std::string> Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !items_.empty(); });
    auto item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Responder, std::string>> items_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override { options_.logger = log_.logger; }

  // Registers the routes most tests use and starts the server.
  void StartServer() {
    server_ = std::make_unique<HttpServer>(options_);
    const RouteOptions open{.min_role = Role::kAnonymous};
    ASSERT_TRUE(server_
                    ->HandleSync(Method::kGet, "/hello", open,
                                 [](const Request&) { return Response::Text("hello\n"); })
                    .ok());
    ASSERT_TRUE(server_
                    ->HandleSync(Method::kPost, "/hello", open,
                                 [](const Request& r) { return Response::Text("got " + r.body); })
                    .ok());
    ASSERT_TRUE(server_
                    ->HandleSync(Method::kGet, "/api/racks/*", open,
                                 [](const Request& r) {
                                   std::string q;
                                   for (const auto& [k, v] : r.query)
                                     q += "[" + k + "=" + v + "]";
                                   return Response::Text("racks:" + r.path_rest + q);
                                 })
                    .ok());
    ASSERT_TRUE(
        server_
            ->HandleSync(Method::kGet, "/api/racks/special/*", open,
                         [](const Request& r) { return Response::Text("special:" + r.path_rest); })
            .ok());
    ASSERT_TRUE(server_
                    ->HandleSync(Method::kGet, "/api/racks/exact", open,
                                 [](const Request&) { return Response::Text("exact"); })
                    .ok());
    ASSERT_TRUE(server_
                    ->Handle(Method::kPost, "/write",
                             {.min_role = Role::kAnonymous, .max_body_bytes = 8 << 20},
                             [this](Request& r, Responder done) {
                               deferred_.Push(std::move(done), std::move(r.body));
                             })
                    .ok());
    ASSERT_TRUE(server_
                    ->HandleSync(Method::kGet, "/count", open,
                                 [this](const Request&) {
                                   ++count_calls_;
                                   return Response::Text("counted");
                                 })
                    .ok());
    ASSERT_TRUE(server_->Handle(Method::kGet, "/forgetful", open, [](Request&, Responder) {}).ok());
    ASSERT_TRUE(
        server_
            ->HandleSync(Method::kGet, "/throws", open,
                         [](const Request&) -> Response { throw std::runtime_error("boom"); })
            .ok());
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }

  std::string Url(const std::string& path) const {
    return fmt::format("http://127.0.0.1:{}{}", port_, path);
  }

  // Sends `request` on a new connection and reads one reply.
  HttpReply RawRequest(const std::string& request) {
    RawConnection c(port_);
    EXPECT_TRUE(c.Send(request));
    return c.ReadReply();
  }

  HttpServer::Options options_;
  LogCapture log_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  ResponderQueue deferred_;
  std::atomic<int> count_calls_{0};
};

TEST_F(HttpServerTest, RoutesExactPrefixAndLongestPrefix) {
  StartServer();
  EXPECT_EQ(Curl({.url = Url("/hello")}).body, "hello\n");
  EXPECT_EQ(Curl({.url = Url("/api/racks/r1/temp?from=-1h&x=a%20b+c")}).body,
            "racks:r1/temp[from=-1h][x=a b c]");
  EXPECT_EQ(Curl({.url = Url("/api/racks/special/s1")}).body, "special:s1");
  EXPECT_EQ(Curl({.url = Url("/api/racks/exact")}).body, "exact");
  EXPECT_EQ(Curl({.url = Url("/api/racks/%72%31")}).body, "racks:r1");
  const HttpReply post = Curl({.method = "POST", .url = Url("/hello"), .body = "abc"});
  EXPECT_EQ(post.status, 200);
  EXPECT_EQ(post.body, "got abc");
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  StartServer();
  const HttpReply missing = Curl({.url = Url("/nope")});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"error":"no such path"})");
  EXPECT_EQ(missing.Header("content-type"), "application/json");
  const HttpReply wrong = Curl({.method = "DELETE", .url = Url("/hello")});
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.Header("allow"), "GET, HEAD, POST");
  EXPECT_NE(wrong.body.find("\"error\""), std::string::npos);
  const HttpReply options = RawRequest("OPTIONS /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(options.status, 405);
  EXPECT_EQ(server_->metrics().bad_requests("not_found"), 1u);
  EXPECT_EQ(server_->metrics().bad_requests("method_not_allowed"), 2u);
}

TEST_F(HttpServerTest, HeadAnswersWithoutBody) {
  StartServer();
  RawConnection c(port_);
  ASSERT_TRUE(c.Send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/hello")));
  const HttpReply head = c.ReadReply(/*head_request=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-length"), "6");
  // The next reply follows at once: the HEAD reply carried no body bytes.
  const HttpReply get = c.ReadReply();
  EXPECT_EQ(get.body, "hello\n");
  // A refused HEAD carries no body either.
  ASSERT_TRUE(c.Send("HEAD /nope HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/hello")));
  EXPECT_EQ(c.ReadReply(/*head_request=*/true).status, 404);
  EXPECT_EQ(c.ReadReply().body, "hello\n");
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  RawConnection c(port_);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.Send(Get("/hello")));
    const HttpReply r = c.ReadReply();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello\n");
  }
  EXPECT_EQ(server_->metrics().connections_total.load(), 1u);
  EXPECT_EQ(server_->metrics().requests("GET /hello", 200), 5u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  RawConnection c(port_);
  ASSERT_TRUE(c.Send(Get("/api/racks/a") + Get("/hello") +
                     "POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nxyz" +
                     Get("/api/racks/b", "Connection: close\r\n")));
  EXPECT_EQ(c.ReadReply().body, "racks:a");
  EXPECT_EQ(c.ReadReply().body, "hello\n");
  EXPECT_EQ(c.ReadReply().body, "got xyz");
  const HttpReply last = c.ReadReply();
  EXPECT_EQ(last.body, "racks:b");
  EXPECT_EQ(last.Header("connection"), "close");
  EXPECT_TRUE(c.ReadEof());
}

TEST_F(HttpServerTest, DeferredAnswerFromAnotherThreadHoldsBackTheNextRequest) {
  StartServer();
  RawConnection c(port_);
  ASSERT_TRUE(
      c.Send("POST /write HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nbatch" + Get("/count")));
  auto [responder, body] = deferred_.Pop();
  EXPECT_EQ(body, "batch");
  // The pipelined /count is not read until /write is answered.
  EXPECT_EQ(count_calls_.load(), 0);
  std::thread store([r = responder] { r.Send(Response::Text("", 204)); });
  store.join();
  EXPECT_EQ(c.ReadReply().status, 204);
  EXPECT_EQ(c.ReadReply().body, "counted");
  EXPECT_EQ(count_calls_.load(), 1);
}

TEST_F(HttpServerTest, AForgottenResponderAnswers500AndAThrowingHandler500) {
  StartServer();
  const HttpReply forgotten = Curl({.url = Url("/forgetful")});
  EXPECT_EQ(forgotten.status, 500);
  EXPECT_EQ(forgotten.body, R"({"error":"the handler did not answer"})");
  const HttpReply threw = Curl({.url = Url("/throws")});
  EXPECT_EQ(threw.status, 500);
  EXPECT_EQ(threw.body, R"({"error":"internal error"})");
}

TEST_F(HttpServerTest, LargeBodyWithCurlAndExpectContinue) {
  StartServer();
  const std::string big(5 << 20, 'x');  // curl sends Expect: 100-continue for this
  std::thread answer([this] {
    auto [responder, body] = deferred_.Pop();
    responder.Send(Response::Text(std::to_string(body.size())));
  });
  const HttpReply r = Curl({.method = "POST", .url = Url("/write"), .body = big});
  answer.join();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::to_string(big.size()));
}

TEST_F(HttpServerTest, HeaderTooLargeIs431) {
  options_.limits.max_header_bytes = 1024;
  StartServer();
  RawConnection c(port_);
  ASSERT_TRUE(
      c.Send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n"));
  const HttpReply r = c.ReadReply();
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.body, R"({"error":"request header too large"})");
  EXPECT_EQ(r.Header("connection"), "close");
  EXPECT_TRUE(c.ReadEof());
  EXPECT_EQ(server_->metrics().bad_requests("header_too_large"), 1u);
}

TEST_F(HttpServerTest, BodyOverTheRouteLimitIs413) {
  options_.limits.max_body_bytes = 1000;
  StartServer();
  // Declared too large: refused before the body is read.
  HttpReply declared =
      RawRequest("POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n");
  EXPECT_EQ(declared.status, 413);
  EXPECT_NE(declared.body.find("over this route's limit of 1000"), std::string::npos);
  // Chunked: refused when the chunks pass the limit.
  std::string chunked = "POST /hello HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i)
    chunked += "1f4\r\n" + std::string(500, 'a') + "\r\n";
  chunked += "0\r\n\r\n";
  HttpReply streamed = RawRequest(chunked);
  EXPECT_EQ(streamed.status, 413);
  // A route with its own larger limit takes what the default refuses.
  std::thread answer([this] {
    auto [responder, body] = deferred_.Pop();
    responder.Send(Response::Text(std::to_string(body.size())));
  });
  HttpReply bigger = Curl({.method = "POST", .url = Url("/write"), .body = std::string(4000, 'b')});
  answer.join();
  EXPECT_EQ(bigger.body, "4000");
  EXPECT_EQ(server_->metrics().bad_requests("body_too_large"), 2u);
  // And it has a limit too.
  HttpReply over = RawRequest("POST /write HTTP/1.1\r\nHost: t\r\nContent-Length: 9000000\r\n\r\n");
  EXPECT_EQ(over.status, 413);
}

TEST_F(HttpServerTest, SlowRequestHeadIs408AndIdleConnectionIsClosed) {
  options_.limits.header_timeout = 200 * kNanosPerMilli;
  options_.limits.idle_timeout = 200 * kNanosPerMilli;
  StartServer();
  RawConnection slow(port_);
  ASSERT_TRUE(slow.Send("GET /hello HTTP/1.1\r\nHost: t\r\n"));  // never finished
  const HttpReply r = slow.ReadReply();
  EXPECT_EQ(r.status, 408);
  EXPECT_EQ(r.body, R"({"error":"request head not received in time"})");
  EXPECT_TRUE(slow.ReadEof());
  RawConnection idle(port_);
  EXPECT_TRUE(idle.ReadEof());  // closed without a word
  EXPECT_EQ(server_->metrics().bad_requests("timeout"), 1u);
}

TEST_F(HttpServerTest, SlowBodyIs408) {
  options_.limits.body_timeout = 200 * kNanosPerMilli;
  StartServer();
  RawConnection c(port_);
  ASSERT_TRUE(c.Send("POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"));
  const HttpReply r = c.ReadReply();
  EXPECT_EQ(r.status, 408);
  EXPECT_EQ(r.body, R"({"error":"request body not received in time"})");
}

TEST_F(HttpServerTest, MaxConnectionsRefusesWith503) {
  options_.limits.max_connections = 2;
  StartServer();
  RawConnection a(port_);
  RawConnection b(port_);
  // Each is served once, so both are registered before the third arrives.
  ASSERT_TRUE(a.Send(Get("/hello")));
  ASSERT_EQ(a.ReadReply().status, 200);
  ASSERT_TRUE(b.Send(Get("/hello")));
  ASSERT_EQ(b.ReadReply().status, 200);
  RawConnection c(port_);
  const HttpReply refused = c.ReadReply();
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.body, "{\"error\": \"too many connections\"}\r\n");
  EXPECT_EQ(server_->metrics().connections_refused.load(), 1u);
  EXPECT_EQ(server_->metrics().bad_requests("too_many_connections"), 1u);
}

struct Malformed {
  std::string name;
  std::string request;
  int status;
  std::string error_part;  // a piece of the {"error": ...} message
  std::string reason;      // the bad_requests label
};

TEST_F(HttpServerTest, MalformedRequestsGet400WithAReason) {
  StartServer();
  const std::vector<Malformed> cases = {
      {"garbage", "this is not http\r\n\r\n", 400, "malformed request", "malformed"},
      {"binary", std::string("\x00\x01\x02\xff\r\n\r\n", 8), 400, "malformed", "malformed"},
      {"no version", "GET /hello\r\n\r\n", 400, "malformed", "malformed"},
      {"bad version", "GET /hello HTTP/9.9\r\nHost: t\r\n\r\n", 400, "malformed", "malformed"},
      {"http2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, "malformed", "malformed"},
      {"bad header", "GET /hello HTTP/1.1\r\nNo colon here\r\n\r\n", 400, "malformed", "malformed"},
      {"bad content length", "POST /hello HTTP/1.1\r\nContent-Length: ten\r\n\r\n", 400,
       "malformed", "malformed"},
      {"two content lengths",
       "POST /hello HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, "malformed",
       "malformed"},
      {"bad chunk", "POST /hello HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n", 400,
       "malformed", "malformed"},
      {"absolute target", "GET http://evil/hello HTTP/1.1\r\nHost: t\r\n\r\n", 400,
       "must be a path", "bad_target"},
      {"bad escape", "GET /hel%zzlo HTTP/1.1\r\nHost: t\r\n\r\n", 400, "%-escape", "bad_target"},
      {"encoded nul", "GET /hello%00 HTTP/1.1\r\nHost: t\r\n\r\n", 400, "NUL", "bad_target"},
  };
  for (const Malformed& m : cases) {
    SCOPED_TRACE(m.name);
    const uint64_t before = server_->metrics().bad_requests(m.reason);
    RawConnection c(port_);
    ASSERT_TRUE(c.Send(m.request));
    const HttpReply r = c.ReadReply();
    EXPECT_EQ(r.status, m.status);
    EXPECT_EQ(r.Header("content-type"), "application/json");
    EXPECT_TRUE(r.body.starts_with("{\"error\":\"")) << r.body;
    EXPECT_NE(r.body.find(m.error_part), std::string::npos) << r.body;
    EXPECT_EQ(server_->metrics().bad_requests(m.reason), before + 1);
  }
  // The server is still fine.
  EXPECT_EQ(Curl({.url = Url("/hello")}).status, 200);
}

TEST_F(HttpServerTest, ARequestCutShortIsCountedAndTheServerCarriesOn) {
  StartServer();
  {
    RawConnection c(port_);
    ASSERT_TRUE(c.Send("POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc"));
    c.ShutdownWrite();
    EXPECT_EQ(c.ReadReply().status, 400);
  }
  {
    RawConnection c(port_);
    ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHo"));
    c.ShutdownWrite();
    EXPECT_EQ(c.ReadReply().status, 400);
  }
  EXPECT_EQ(server_->metrics().bad_requests("incomplete"), 2u);
  EXPECT_EQ(Curl({.url = Url("/hello")}).status, 200);
}

class StaticFilesServerTest : public HttpServerTest {
 protected:
  void SetUp() override {
    HttpServerTest::SetUp();
    base_ = std::filesystem::temp_directory_path() /
            fmt::format("web-static-{}-{}", ::getpid(),
                        ::testing::UnitTest::GetInstance()->random_seed());
    std::filesystem::remove_all(base_);
    root_ = base_ / "www";
    std::filesystem::create_directories(root_ / "assets");
    std::filesystem::create_directories(root_ / "docs");
    Write(root_ / "index.html", "<html>app</html>");
    Write(root_ / "assets" / "app.js", "console.log(1)");
    Write(root_ / "assets" / "style.css", "body{}");
    Write(root_ / "docs" / "index.html", "<html>docs</html>");
    Write(base_ / "secret.txt", "top secret");
    std::filesystem::create_symlink(base_ / "secret.txt", root_ / "escape.txt");
    std::filesystem::create_directory_symlink(base_, root_ / "escape-dir");
  }
  void TearDown() override { std::filesystem::remove_all(base_); }
  static void Write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p) << text;
  }
  void StartStatic() {
    server_ = std::make_unique<HttpServer>(options_);
    ASSERT_TRUE(server_
                    ->HandleSync(Method::kGet, "/api/*", {.min_role = Role::kAnonymous},
                                 [](const Request&) { return Response::Json("{}"); })
                    .ok());
    ASSERT_TRUE(server_->ServeStatic("/", root_).ok());
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
  }
  std::filesystem::path base_;
  std::filesystem::path root_;
};

TEST_F(StaticFilesServerTest, ServesFilesWithTypesAndETags) {
  StartStatic();
  const HttpReply index = Curl({.url = Url("/")});
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<html>app</html>");
  EXPECT_EQ(index.Header("content-type"), "text/html; charset=utf-8");
  const HttpReply js = Curl({.url = Url("/assets/app.js")});
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(Curl({.url = Url("/assets/style.css")}).Header("content-type"),
            "text/css; charset=utf-8");
  EXPECT_EQ(Curl({.url = Url("/docs/")}).body, "<html>docs</html>");
  const std::string etag = js.Header("etag");
  ASSERT_FALSE(etag.empty());
  const HttpReply again =
      Curl({.url = Url("/assets/app.js"), .headers = {"If-None-Match: " + etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Curl({.url = Url("/assets/app.js"), .headers = {"If-None-Match: \"other\""}}).status,
            200);
  // Longer routes still win over "/".
  EXPECT_EQ(Curl({.url = Url("/api/x")}).body, "{}");
}

TEST_F(StaticFilesServerTest, SinglePageAppFallbackOnlyForBrowserRoutes) {
  StartStatic();
  const HttpReply route =
      Curl({.url = Url("/racks/r1"), .headers = {"Accept: text/html,application/xhtml+xml"}});
  EXPECT_EQ(route.status, 200);
  EXPECT_EQ(route.body, "<html>app</html>");
  EXPECT_EQ(Curl({.url = Url("/assets/missing.js"), .headers = {"Accept: text/html"}}).status, 404);
  EXPECT_EQ(Curl({.url = Url("/racks/r1"), .headers = {"Accept: application/json"}}).status, 404);
}

TEST_F(StaticFilesServerTest, TraversalAndSymlinkEscapesAreRefused) {
  StartStatic();
  const std::vector<std::string> attempts = {
      "/../secret.txt",
      "/assets/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/assets/..%2f..%2fsecret.txt",
      "/%2E%2E%2Fsecret.txt",
      "/escape.txt",
      "/escape-dir/secret.txt",
      "/assets/..\\..\\secret.txt",
      "/..",
  };
  for (const std::string& path : attempts) {
    SCOPED_TRACE(path);
    const HttpReply r = RawRequest(Get(path));
    EXPECT_TRUE(r.status == 400 || r.status == 404) << r.status;
    EXPECT_EQ(r.body.find("top secret"), std::string::npos);
    EXPECT_TRUE(r.body.starts_with("{\"error\":")) << r.body;
  }
}

TEST_F(HttpServerTest, MetricsRenderInPrometheusFormat) {
  StartServer();
  ASSERT_EQ(Curl({.url = Url("/hello")}).status, 200);
  ASSERT_EQ(Curl({.url = Url("/nope")}).status, 404);
  const std::string text = server_->RenderMetrics();
  EXPECT_NE(text.find("coolflow_web_requests_total{route=\"GET /hello\",status=\"200\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("coolflow_web_requests_total{route=\"unmatched\",status=\"404\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("coolflow_web_bad_requests_total{reason=\"not_found\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE coolflow_web_websocket_dropped_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("coolflow_web_connections_total 2\n"), std::string::npos);
}

TEST_F(HttpServerTest, StopLetsAnAnswerInFlightFinish) {
  StartServer();
  RawConnection c(port_);
  ASSERT_TRUE(c.Send("POST /write HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok"));
  auto [responder, body] = deferred_.Pop();
  RawConnection idle(port_);
  std::thread stopper([this] { server_->Stop(); });
  // The idle connection is closed at once; the busy one gets its answer, then closes.
  EXPECT_TRUE(idle.ReadEof());
  responder.Send(Response::Text("done"));
  const HttpReply r = c.ReadReply();
  EXPECT_EQ(r.body, "done");
  EXPECT_EQ(r.Header("connection"), "close");
  stopper.join();
  EXPECT_TRUE(c.ReadEof());
}

TEST_F(HttpServerTest, AResponderOutlivingTheServerIsHarmless) {
  options_.limits.drain_timeout = 50 * kNanosPerMilli;
  StartServer();
  RawConnection c(port_);
  ASSERT_TRUE(c.Send("POST /write HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok"));
  auto [responder, body] = deferred_.Pop();
  server_.reset();  // stops: the connection still waiting is closed after the drain timeout
  EXPECT_TRUE(c.ReadEof());
  responder.Send(Response::Text("too late"));  // ignored; the server's state goes with it
}

TEST_F(HttpServerTest, BindFailureIsAnError) {
  StartServer();
  HttpServer::Options clash = options_;
  clash.port = port_;
  HttpServer second(clash);
  // SO_REUSEADDR does not let two listeners share a port.
  const Status s = second.Start();
  EXPECT_EQ(s.code(), StatusCode::kIOError) << s.ToString();
  HttpServer::Options bad = options_;
  bad.host = "not-an-address";
  EXPECT_EQ(HttpServer(bad).Start().code(), StatusCode::kInvalidArgument);
}

TEST_F(HttpServerTest, RoutesAreCheckedWhenRegistered) {
  HttpServer server(options_);
  const auto h = [](const Request&) { return Response::Text(""); };
  EXPECT_TRUE(server.HandleSync(Method::kGet, "/a", {}, h).ok());
  EXPECT_EQ(server.HandleSync(Method::kGet, "/a", {}, h).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(server.HandleSync(Method::kGet, "relative", {}, h).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(server.ServeStatic("/", "/definitely/not/here").code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace coolflow::web
