// The hub's config file (`coolflow hub --config hub.yaml`), schema in docs/hub.md. Every error
// reads "<file>:<line>:<column>: <field>: <why>".
//
//   hub: hub-1
//   topic_prefix: coolflow
//   formats: {resource: resource-json}    # per readings topic; default auto
//   store:
//     kind: embedded                      # or influxdb
//     dir: /var/lib/coolflow/store
//     fsync: batch                        # batch (default), interval, none
//     retention: {resource: 90d}
//   mqtt: {host: 127.0.0.1, port: 1883}   # absent: no MQTT ingest
//   kafka: {brokers: k1:9092}             # absent: no Kafka ingest
//   pipeline: {dead_letters: /var/lib/coolflow/dead-letters.jsonl}
//   http: {host: 127.0.0.1, port: 8086, users: users.yaml}
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "hub/alerts/alerts_config.h"
#include "hub/control/controller_config.h"
#include "transport/broker_settings.h"

namespace coolflow::hub {

enum class StoreKind { kEmbedded, kInfluxDb };
enum class FsyncMode { kBatch, kInterval, kNone };

struct InfluxDbSettings {
  std::string url = "http://127.0.0.1:8086";
  std::string database = "coolflow";
  std::string username;
  std::string password_file;  // never the password itself
  bool create_database = true;
};

struct StoreSettings {
  StoreKind kind = StoreKind::kEmbedded;
  std::string dir = "/var/lib/coolflow/store";  // embedded
  FsyncMode fsync = FsyncMode::kBatch;
  TimeNs sync_interval = 100 * kNanosPerMilli;  // fsync: interval
  std::map<std::string, TimeNs> retention;      // measurement -> how long
  TimeNs default_retention = 0;                 // 0: forever
  InfluxDbSettings influxdb;
};

struct KafkaIngestSettings {
  transport::KafkaSettings kafka;
  std::string consumer_group = "coolflow-hub";
};

struct PipelineSettings {
  uint64_t max_queue_mb = 256;
  uint32_t dedup_window = 4096;
  std::string dead_letters;  // a file; empty: count only
  uint64_t dead_letters_max_mb = 64;
  TimeNs max_future = 5 * kNanosPerMinute;  // how far ahead of the hub's clock a reading may be
};

// HTTPS: a certificate chain and its private key, PEM files.
struct TlsSettings {
  std::string cert_file;
  std::string key_file;
};

struct HttpSettings {
  std::string host = "127.0.0.1";
  int port = 8086;    // InfluxDB's, so its clients find /write; 0: any free port; -1: none
  std::string users;  // users.yaml (web/users.h); empty: only what needs no login
  // Who changed what (web/audit_log.h): a file of JSON lines; empty: kept in memory only.
  std::string audit_log;
  // Origins besides the hub's own that may make changes (a reverse proxy's public address).
  std::vector<std::string> allowed_origins;
  // The Control Room's built UI (ui/dist), served at /; empty: the API only.
  std::string ui_dir;
  // Serve HTTPS (and WSS); the session cookie is then marked Secure.
  std::optional<TlsSettings> tls;
};

struct HubConfig {
  std::string source;  // the file it came from
  std::string hub = "hub";
  std::string log_level = "info";
  std::string topic_prefix = "coolflow";
  std::map<std::string, std::string> formats;  // readings topic -> format name
  StoreSettings store;
  std::optional<transport::MqttSettings> mqtt;
  // `mqtt.connections`: MQTT connections sharing the readings topics (a shared
  // subscription, docs/hub.md), so one reads while another's round is made durable.
  int mqtt_connections = 2;
  std::optional<KafkaIngestSettings> kafka;
  PipelineSettings pipeline;
  HttpSettings http;
  // The room the controller drives: its `control:` section (docs/controller.md) or, without
  // one, the layout of a simulated room's scenario whose ACs are devices of agent `room_box`.
  // Neither: no cooling control.
  std::optional<control::ControllerConfig> control;
  std::string scenario;
  std::string room_box = "pi-sim";
  alerts::AlertsConfig alerts;  // docs/alerts.md; the shipped rules by default
};

// Parses a config from YAML text; `source` names it in errors, `folder` resolves relative
// paths.
Result<HubConfig> ParseHubConfig(std::string_view yaml, std::string_view source,
                                 const std::string& folder);
// Reads and parses a config file.
Result<HubConfig> LoadHubConfig(const std::string& path);

}  // namespace coolflow::hub
