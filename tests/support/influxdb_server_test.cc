#include "support/influxdb_server.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace coolflow::testing {
namespace {

TEST(InfluxDbServer, StartsWritesQueriesAndCleansUp) {
  std::filesystem::path dir;
  std::string url;
  {
    auto server = InfluxDbServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    InfluxDbServer& influx = **server;
    dir = influx.dir();
    url = influx.url();
    EXPECT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
    EXPECT_TRUE(std::filesystem::exists(dir / "influxd.conf"));

    auto ping = influx.Get("/ping");
    ASSERT_TRUE(ping.ok()) << ping.status().ToString();
    EXPECT_EQ(ping->status, 204);

    ASSERT_TRUE(influx.CreateDatabase("fixture db").ok());
    auto written = influx.Write("fixture db", "m,t=a f=1.5,n=2i 3\n", Precision::kSeconds);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    EXPECT_EQ(written->status, 204) << written->body;

    auto rows = influx.Query("fixture db", "SELECT * FROM m");
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    const auto& series = (*rows)["results"][0]["series"][0];
    EXPECT_EQ(series["columns"], nlohmann::json({"time", "f", "n", "t"}));
    EXPECT_EQ(series["values"][0], nlohmann::json({3'000'000'000LL, 1.5, 2, "a"}));

    auto refused = influx.Write("fixture db", "m f=\n");
    ASSERT_TRUE(refused.ok()) << refused.status().ToString();
    EXPECT_EQ(refused->status, 400);
    EXPECT_NE(refused->body.find("missing field value"), std::string::npos) << refused->body;

    auto empty = influx.Write("fixture db", "");
    ASSERT_TRUE(empty.ok()) << empty.status().ToString();
    EXPECT_EQ(empty->status, 204) << empty->body;

    EXPECT_FALSE(influx.Query("fixture db", "SELECT FROM nothing").ok());
    EXPECT_TRUE(influx.DropDatabase("fixture db").ok());
  }
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
}

TEST(InfluxDbServer, ReportsAMissingProgram) {
  InfluxDbServer::Options options;
  options.influxd = "coolflow-no-such-influxd";
  auto server = InfluxDbServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kNotFound);
  EXPECT_NE(server.status().message().find("influxdb"), std::string::npos);
}

}  // namespace
}  // namespace coolflow::testing
