#include "hub/hub_config.h"

#include <gtest/gtest.h>

#include <string>

namespace coolflow::hub {
namespace {

Status ErrorOf(const std::string& yaml) {
  auto config = ParseHubConfig(yaml, "hub.yaml", COOLFLOW_SOURCE_DIR);
  return config.ok() ? Status::Ok() : config.status();
}

TEST(HubConfigTest, ReadsEverySection) {
  auto config = ParseHubConfig(R"(hub: hub-1
topic_prefix: site
formats: {resource: resource-json, temp: auto}
store:
  kind: embedded
  dir: data/store
  fsync: interval
  sync_interval: 50ms
  retention: {resource: 90d}
mqtt: {host: 127.0.0.1, port: 1884, username: hub, connections: 4}
kafka: {brokers: "127.0.0.1:9092", consumer_group: hubs, properties: {session.timeout.ms: "6000"}}
pipeline: {max_queue_mb: 64, dedup_window: 1024, dead_letters: dead.jsonl, max_future: 1m}
http: {port: 0, audit_log: audit.jsonl, allowed_origins: ["https://room.example"],
       tls: {cert_file: README.md, key_file: x}}
scenario: scenarios/steady-week.yaml
)",
                               "hub.yaml", COOLFLOW_SOURCE_DIR);
  const std::string folder = COOLFLOW_SOURCE_DIR;
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->hub, "hub-1");
  EXPECT_EQ(config->topic_prefix, "site");
  EXPECT_EQ(config->formats.at("resource"), "resource-json");
  EXPECT_EQ(config->store.dir, folder + "/data/store");
  EXPECT_EQ(config->store.fsync, FsyncMode::kInterval);
  EXPECT_EQ(config->store.sync_interval, 50 * kNanosPerMilli);
  EXPECT_EQ(config->store.retention.at("resource"), 90 * kNanosPerDay);
  ASSERT_TRUE(config->mqtt.has_value());
  EXPECT_EQ(config->mqtt->port, 1884);
  EXPECT_EQ(config->mqtt_connections, 4);
  ASSERT_TRUE(config->kafka.has_value());
  EXPECT_EQ(config->kafka->consumer_group, "hubs");
  EXPECT_EQ(config->kafka->kafka.properties.size(), 1u);
  EXPECT_EQ(config->pipeline.max_queue_mb, 64u);
  EXPECT_EQ(config->pipeline.dedup_window, 1024u);
  EXPECT_EQ(config->pipeline.dead_letters, folder + "/dead.jsonl");
  EXPECT_EQ(config->http.port, 0);
  EXPECT_EQ(config->http.audit_log, folder + "/audit.jsonl");
  EXPECT_EQ(config->http.allowed_origins, std::vector<std::string>{"https://room.example"});
  ASSERT_TRUE(config->http.tls.has_value());
  EXPECT_EQ(config->http.tls->cert_file, folder + "/README.md");
  EXPECT_EQ(config->http.tls->key_file, folder + "/x");
  EXPECT_EQ(config->scenario, folder + "/scenarios/steady-week.yaml");
  EXPECT_FALSE(config->control.has_value());
  EXPECT_FALSE(config->alerts.rules.empty()) << "the shipped rules";
}

TEST(HubConfigTest, DefaultsNeedNoSection) {
  auto config = ParseHubConfig("", "hub.yaml", ".");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->store.kind, StoreKind::kEmbedded);
  EXPECT_EQ(config->store.fsync, FsyncMode::kBatch);
  EXPECT_FALSE(config->mqtt.has_value());
  EXPECT_EQ(config->mqtt_connections, 2);
  EXPECT_EQ(config->http.port, 8086);
  EXPECT_TRUE(config->http.audit_log.empty());
  EXPECT_FALSE(config->http.tls.has_value());
}

TEST(HubConfigTest, ErrorsNameTheFileLineAndField) {
  EXPECT_EQ(ErrorOf("hub: hub-1\nstroe: {}\n").message(),
            "hub.yaml:2:1: stroe: unknown key; expected one of: hub, log_level, topic_prefix, "
            "formats, store, mqtt, kafka, pipeline, http, scenario, room_box, control, alerts");
  EXPECT_EQ(ErrorOf("store:\n  fsync: sometimes\n").message(),
            "hub.yaml:2:10: store.fsync: unknown fsync policy; expected one of: batch, interval, "
            "none");
  EXPECT_EQ(ErrorOf("mqtt:\n  password: hunter2\n").message(),
            "hub.yaml:2:13: mqtt.password: is never written in the config; put it in a file and "
            "set password_file");
  EXPECT_EQ(ErrorOf("formats: {temp: xml}\n").message().substr(0, 34),
            "hub.yaml:1:17: formats.temp: unkno");
  EXPECT_EQ(ErrorOf("pipeline: {dedup_window: 100}\n").message(),
            "hub.yaml:1:26: pipeline.dedup_window: 100 is not a multiple of 64 in 64..16777216");
  EXPECT_EQ(ErrorOf("http: {port: 70000}\n").message(),
            "hub.yaml:1:14: http.port: 70000 is outside -1..65535 (-1: no HTTP, 0: any free port)");
  EXPECT_EQ(ErrorOf("mqtt: {connections: 0}\n").message().substr(0, 33),
            "hub.yaml:1:21: mqtt.connections: ");
  EXPECT_EQ(ErrorOf("hub: 'a b'\n").message().substr(0, 16), "hub.yaml:1:6: hu");
  EXPECT_EQ(ErrorOf("kafka: {consumer_group: x}\n").message(),
            "hub.yaml:1:8: kafka.brokers: required");
  EXPECT_EQ(ErrorOf("store: {retention: {temp: -1d}}\n").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorOf("scenario: nowhere.yaml\n").code(), StatusCode::kNotFound);
  EXPECT_EQ(ErrorOf("http:\n  tls: {cert_file: README.md}\n").message(),
            "hub.yaml:2:8: http.tls: missing required key \"key_file\"");
  EXPECT_EQ(ErrorOf("http:\n  tls: {cert_file: nowhere.pem, key_file: x}\n").code(),
            StatusCode::kNotFound);
  EXPECT_NE(ErrorOf("http: {ui_dir: docs}\n").message().find("has no index.html: build the UI"),
            std::string::npos);
  // The embedded sections report their own fields with the hub file's positions.
  EXPECT_EQ(ErrorOf("control:\n  policy: coldest\n").message().substr(0, 31),
            "hub.yaml:2:11: control.policy: ");
  EXPECT_EQ(ErrorOf("alerts:\n  rules:\n    - name: x\n      expr: temperature >\n")
                .message()
                .substr(0, 14),
            "hub.yaml:4:26:");
}

}  // namespace
}  // namespace coolflow::hub
