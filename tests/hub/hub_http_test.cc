// The hub's HTTP API over a real socket, driven with libcurl as InfluxDB clients drive
// InfluxDB: /write with its parameters, gzip, partial writes and refusals; /ping, /query,
// /metrics; tokens and roles.
#include "hub/hub_http.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "gzip_util.h"
#include "http_call.h"
#include "support/server_process.h"
#include "web/authenticator.h"
#include "web/password.h"
#include "web/users.h"

namespace coolflow::hub {
namespace {

constexpr TimeNs kNow = 1'764'000'000LL * kNanosPerSecond;

class HubHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = coolflow::testing::MakeTempDir("hub-http");
    ASSERT_TRUE(dir.ok());
    dir_ = *dir;
    HubConfig config;
    config.source = "hub.yaml";
    config.store.dir = (dir_ / "store").string();
    config.http.port = 0;
    auto hub = Hub::Create(config, clock_);
    ASSERT_TRUE(hub.ok()) << hub.status().ToString();
    hub_ = std::move(*hub);
    ASSERT_TRUE(hub_->Start().ok());

    auto writer = web::NewApiToken();
    auto viewer = web::NewApiToken();
    ASSERT_TRUE(writer.ok() && viewer.ok());
    writer_token_ = writer->token;
    viewer_token_ = viewer->token;
    std::vector<web::UserRecord> users = {
        {"telegraf", web::Role::kOperator, "", {{"write", writer->sha256_hex}}},
        {"screen", web::Role::kViewer, "", {{"read", viewer->sha256_hex}}},
    };
    web::HttpServer::Options options;
    options.authenticator = std::make_shared<web::Authenticator>(users);
    server_ = std::make_unique<web::HttpServer>(options);
    ASSERT_TRUE(RegisterHubRoutes(*server_, *hub_, clock_).ok());
    ASSERT_TRUE(server_->Start().ok());
    base_ = fmt::format("http://127.0.0.1:{}", server_->port());
  }
  void TearDown() override {
    server_->Stop();
    hub_->Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Reply Write(const std::string& query, const std::string& body,
              std::vector<std::string> headers = {}) {
    headers.push_back("Authorization: Token " + writer_token_);
    return Call("POST", base_ + "/write" + query, body, headers);
  }
  size_t Points(const std::string& box) {
    auto result = hub_->store().Range({"temp", "", {{"box", box}}}, 0, kNow + kNanosPerDay);
    size_t n = 0;
    if (result.ok()) {
      for (const auto& series : *result)
        n += series.points.size();
    }
    return n;
  }

  ManualClock clock_{kNow};
  std::filesystem::path dir_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<web::HttpServer> server_;
  std::string base_;
  std::string writer_token_;
  std::string viewer_token_;
};

TEST_F(HubHttpTest, WritesLineProtocolAsInfluxDbDoes) {
  const Reply ok = Write("?db=senics&precision=s",
                         "temp,box=pi-1,rack=r01 temperature=23.5,humidity=41 1764000000\n"
                         "temp,box=pi-1,rack=r01 temperature=23.6,humidity=41 1764000010\n");
  EXPECT_EQ(ok.status, 204) << ok.body;
  EXPECT_NE(ok.headers.find("X-Influxdb-Version"), std::string::npos);
  EXPECT_EQ(Points("pi-1"), 4u);

  const Reply partial = Write("?db=senics&precision=s",
                              "temp,box=pi-2 temperature=22.0 1764000000\n"
                              "temp,box=pi-2 temperature= 1764000010\n");
  EXPECT_EQ(partial.status, 400);
  EXPECT_NE(partial.body.find("partial write: line 2"), std::string::npos) << partial.body;
  EXPECT_NE(partial.body.find("dropped=1"), std::string::npos) << partial.body;
  EXPECT_EQ(Points("pi-2"), 1u) << "the good line is kept";

  const Reply zipped =
      Write("?db=senics&precision=ms", Gzip("temp,box=pi-3 temperature=21.0 1764000000000\n"),
            {"Content-Encoding: gzip"});
  EXPECT_EQ(zipped.status, 204) << zipped.body;
  EXPECT_EQ(Points("pi-3"), 1u);
}

TEST_F(HubHttpTest, RefusesBadWritesWithInfluxDbsAnswers) {
  EXPECT_EQ(Write("", "temp,box=a t=1").body, R"({"error":"database is required"})");
  EXPECT_EQ(Write("?db=x&precision=weeks", "temp,box=a t=1").status, 400);
  const Reply junk = Write("?db=x", "this is not line protocol");
  EXPECT_EQ(junk.status, 400);
  EXPECT_NE(junk.body.find("unable to parse"), std::string::npos) << junk.body;
  EXPECT_EQ(Write("?db=x", "not gzip", {"Content-Encoding: gzip"}).status, 400);
  // Secrets never in URLs: InfluxDB's u/p query parameters are refused.
  const Reply in_url =
      Call("POST", base_ + "/write?db=x&u=telegraf&p=" + writer_token_, "temp,box=a t=1", {});
  EXPECT_EQ(in_url.status, 401);
  EXPECT_EQ(in_url.body.find(writer_token_), std::string::npos);
  // Writing changes the room's record: a viewer may not, nobody anonymous may.
  EXPECT_EQ(Call("POST", base_ + "/write?db=x", "temp,box=a t=1", {}).status, 401);
  EXPECT_EQ(Call("POST", base_ + "/write?db=x", "temp,box=a t=1",
                 {"Authorization: Token " + viewer_token_})
                .status,
            403);
  EXPECT_EQ(Points("a"), 0u);
}

TEST_F(HubHttpTest, AnswersPingQueryAndMetrics) {
  const Reply ping = Call("GET", base_ + "/ping", "", {});
  EXPECT_EQ(ping.status, 204);
  EXPECT_NE(ping.headers.find("X-Influxdb-Version"), std::string::npos);
  const std::vector<std::string> auth = {"Authorization: Token " + writer_token_};
  EXPECT_EQ(Call("POST", base_ + "/query?q=CREATE+DATABASE+%22telegraf%22", "", auth).status, 200);
  EXPECT_EQ(Call("POST", base_ + "/query", "q=CREATE DATABASE telegraf",
                 {auth[0], "Content-Type: application/x-www-form-urlencoded"})
                .status,
            200);
  EXPECT_EQ(Call("POST", base_ + "/query?q=SELECT+*+FROM+temp", "", auth).status, 400);
  ASSERT_EQ(Write("?db=x", "temp,box=pi-9 temperature=20 1764000000000000000\n").status, 204);
  const Reply metrics = Call("GET", base_ + "/metrics", "", {});
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("coolflow_hub_readings_stored_total 1"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("coolflow_web_"), std::string::npos);
  EXPECT_EQ(Call("GET", base_ + "/healthz", "", {}).body, "ok\n");
}

TEST_F(HubHttpTest, ReadsTheStoreBackForViewers) {
  ASSERT_EQ(Write("?db=x&precision=s",
                  "temp,box=pi-1,rack=r01 temperature=23.5 1764000000\n"
                  "temp,box=pi-1,rack=r01 temperature=23.7 1764000010\n"
                  "temp,box=pi-2,rack=r02 temperature=25.1 1764000010\n")
                .status,
            204);
  const std::vector<std::string> viewer = {"Authorization: Token " + viewer_token_};
  const Reply last =
      Call("GET", base_ + "/api/store/last?measurement=temp&field=temperature", "", viewer);
  EXPECT_EQ(last.status, 200) << last.body;
  EXPECT_NE(last.body.find(R"("points":[[1764000010000000000,23.7]])"), std::string::npos)
      << last.body;
  EXPECT_NE(last.body.find(R"("points":2})"), std::string::npos) << last.body;
  const Reply range = Call("GET",
                           base_ + "/api/store/range?measurement=temp&tag=rack:r01&from=" +
                               "2025-11-24T16:00:00Z&to=1764000020000000000",
                           "", viewer);
  EXPECT_EQ(range.status, 200) << range.body;
  EXPECT_NE(range.body.find(R"([[1764000000000000000,23.5],[1764000010000000000,23.7]])"),
            std::string::npos)
      << range.body;
  EXPECT_EQ(
      Call("GET", base_ + "/api/store/range?measurement=temp&from=0&limit=1", "", viewer).status,
      413);
  EXPECT_EQ(Call("GET", base_ + "/api/store/last", "", viewer).body,
            R"({"error":"measurement is required"})");
  EXPECT_EQ(Call("GET", base_ + "/api/store/last?measurement=temp&tag=rack", "", viewer).status,
            400);
  EXPECT_EQ(Call("GET", base_ + "/api/store/last?measurement=temp", "", {}).status, 401);
}

}  // namespace
}  // namespace coolflow::hub
