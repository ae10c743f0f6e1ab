// The Grafana dashboards in packaging/grafana/ run against the real thing: every InfluxQL
// query of the InfluxDB dashboard against a real influxd holding readings as the hub writes
// them (store.kind: influxdb), and every metric of the Prometheus dashboard is one the hub's
// /metrics serves (checked in control_room_test).
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "common/time.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "support/influxdb_server.h"

namespace coolflow::hub {
namespace {

using nlohmann::json;

json LoadDashboard(const std::string& name) {
  std::ifstream in(std::string(COOLFLOW_SOURCE_DIR) + "/packaging/grafana/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

TEST(GrafanaDashboard, EveryInfluxQlQueryAnswersWithSeries) {
  auto server = coolflow::testing::InfluxDbServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  ASSERT_TRUE((*server)->CreateDatabase("coolflow").ok());
  // What the hub writes for the simulated room (docs/store-influxdb.md), over ten minutes.
  const int64_t now_s = static_cast<int64_t>(time(nullptr));
  std::string lines;
  for (int m = 10; m >= 0; --m) {
    const int64_t t = now_s - m * 60;
    for (int r = 1; r <= 3; ++r) {
      lines +=
          fmt::format("temp,box=pi-sim,rack=r0{0} temperature={1},humidity=45 {2}\n", r, 22 + r, t);
      lines += fmt::format("power,box=pi-sim,rack=r0{0} power={1} {2}\n", r, 900 + 10 * r, t);
      lines += fmt::format("resource,box=r0{0}-s01 load1=2.5,disk_used_percent=40 {1}\n", r, t);
    }
    lines += fmt::format("power,ac=ac1,box=pi-sim power=1200 {}\n", t);
  }
  auto written = (*server)->Write("coolflow", lines, Precision::kSeconds);
  ASSERT_TRUE(written.ok());
  ASSERT_EQ(written->status, 204) << written->body;

  const json dashboard = LoadDashboard("coolflow-influxdb.json");
  ASSERT_FALSE(dashboard["panels"].empty());
  int queries = 0;
  for (const json& panel : dashboard["panels"]) {
    for (const json& target : panel["targets"]) {
      std::string q = target["query"];
      // What Grafana substitutes before it sends the query.
      q = Replace(q, "$timeFilter", "time > now() - 1h");
      q = Replace(q, "$__interval", "1m");
      auto result = (*server)->Query("coolflow", q);
      ASSERT_TRUE(result.ok()) << panel["title"] << ": " << q << ": " << result.status().ToString();
      const json& series = (*result)["results"][0]["series"];
      EXPECT_TRUE(series.is_array() && !series.empty())
          << panel["title"] << ": no series for " << q << ": " << result->dump();
      ++queries;
    }
  }
  EXPECT_GE(queries, 8);
}

TEST(GrafanaDashboard, EveryPanelIsWellFormed) {
  for (const std::string name : {"coolflow-prometheus.json", "coolflow-influxdb.json"}) {
    const json d = LoadDashboard(name);
    EXPECT_FALSE(d["uid"].get<std::string>().empty()) << name;
    std::set<int> ids;
    for (const json& panel : d["panels"]) {
      EXPECT_TRUE(ids.insert(panel["id"].get<int>()).second) << name << ": duplicate panel id";
      EXPECT_FALSE(panel["targets"].empty()) << name << ": " << panel["title"];
      for (const json& t : panel["targets"])
        EXPECT_EQ(t["datasource"]["uid"], "${datasource}") << name << ": " << panel["title"];
    }
  }
}

}  // namespace
}  // namespace coolflow::hub
