#include "hub/hub_config.h"

#include <filesystem>

#include "common/files.h"
#include "common/yaml_reader.h"
#include "fmt/format.h"
#include "reading/format.h"
#include "reading/validate.h"

namespace coolflow::hub {
namespace {

using yaml::DurationMember;
using yaml::Item;
using yaml::Member;
using yaml::Table;

constexpr int kMaxPort = 65535;
constexpr uint64_t kMaxQueueMb = 1 << 16;

// A positive size in MiB, at most `max`.
template <typename T>
yaml::Field<T> MegabytesMember(std::string_view key, uint64_t T::*member, uint64_t max) {
  return {key, [member, max](yaml::Reader& r, const Item& item, T& out) {
            uint64_t n = 0;
            if (Status s = r.Read(item, n); !s.ok()) return s;
            if (n < 1 || n > max) return r.Error(item, fmt::format("{} is outside 1..{}", n, max));
            out.*member = n;
            return Status::Ok();
          }};
}

const Table<InfluxDbSettings>& InfluxDbTable() {
  static const Table<InfluxDbSettings> table = {
      Member("url", &InfluxDbSettings::url),
      Member("database", &InfluxDbSettings::database),
      Member("username", &InfluxDbSettings::username),
      {"password_file",
       [](yaml::Reader& r, const Item& item, InfluxDbSettings& out) {
         return r.ReadPath(item, out.password_file, /*must_exist=*/true);
       }},
      yaml::Refused<InfluxDbSettings>(
          "password", "is never written in the config; put it in a file and set password_file"),
      Member("create_database", &InfluxDbSettings::create_database),
  };
  return table;
}

const Table<StoreSettings>& StoreTable() {
  static const Table<StoreSettings> table = {
      {"kind",
       [](yaml::Reader& r, const Item& item, StoreSettings& out) {
         size_t i = 0;
         if (Status s = r.ReadChoice(item, {"embedded", "influxdb"}, "store kind", i); !s.ok()) {
           return s;
         }
         out.kind = i == 0 ? StoreKind::kEmbedded : StoreKind::kInfluxDb;
         return Status::Ok();
       }},
      {"dir", [](yaml::Reader& r, const Item& item,
                 StoreSettings& out) { return r.ReadPath(item, out.dir, /*must_exist=*/false); }},
      {"fsync",
       [](yaml::Reader& r, const Item& item, StoreSettings& out) {
         size_t i = 0;
         if (Status s = r.ReadChoice(item, {"batch", "interval", "none"}, "fsync policy", i);
             !s.ok()) {
           return s;
         }
         out.fsync = static_cast<FsyncMode>(i);
         return Status::Ok();
       }},
      DurationMember("sync_interval", &StoreSettings::sync_interval),
      {"retention",
       [](yaml::Reader& r, const Item& item, StoreSettings& out) {
         std::map<std::string, std::string> text;
         if (Status s = r.Read(item, text); !s.ok()) return s;
         for (const auto& [measurement, keep_text] : text) {
           const YAML::Node node = item.node[measurement];
           const Item value{node, node.Mark(), yaml::Join(item.path, measurement)};
           TimeNs keep = 0;
           if (Status s = r.ReadDuration(value, keep); !s.ok()) return s;
           if (keep <= 0) return r.Error(value, "must be positive");
           out.retention[measurement] = keep;
         }
         return Status::Ok();
       }},
      DurationMember("default_retention", &StoreSettings::default_retention),
      yaml::Section("influxdb", &InfluxDbTable, &StoreSettings::influxdb),
  };
  return table;
}

const Table<KafkaIngestSettings>& KafkaIngestTable() {
  static const Table<KafkaIngestSettings> table = [] {
    Table<KafkaIngestSettings> t = {Member("consumer_group", &KafkaIngestSettings::consumer_group)};
    yaml::AppendNested(t, transport::KafkaSettingsTable(), &KafkaIngestSettings::kafka);
    return t;
  }();
  return table;
}

constexpr int kMaxMqttConnections = 16;

// The hub's `mqtt` section: the broker settings every client reads, and the hub's own keys.
struct MqttIngestSettings {
  transport::MqttSettings mqtt;
  int connections = 0;
};

const Table<MqttIngestSettings>& MqttIngestTable() {
  static const Table<MqttIngestSettings> table = [] {
    Table<MqttIngestSettings> t = {
        {"connections", [](yaml::Reader& r, const Item& item, MqttIngestSettings& out) {
           if (Status s = r.Read(item, out.connections); !s.ok()) return s;
           if (out.connections < 1 || out.connections > kMaxMqttConnections) {
             return r.Error(
                 item, fmt::format("{} is outside 1..{}", out.connections, kMaxMqttConnections));
           }
           return Status::Ok();
         }}};
    yaml::AppendNested(t, transport::MqttSettingsTable(), &MqttIngestSettings::mqtt);
    return t;
  }();
  return table;
}

const Table<PipelineSettings>& PipelineTable() {
  static const Table<PipelineSettings> table = {
      MegabytesMember("max_queue_mb", &PipelineSettings::max_queue_mb, kMaxQueueMb),
      {"dedup_window",
       [](yaml::Reader& r, const Item& item, PipelineSettings& out) {
         uint64_t n = 0;
         if (Status s = r.Read(item, n); !s.ok()) return s;
         if (n < 64 || n > (1u << 24) || n % 64 != 0) {
           return r.Error(item, fmt::format("{} is not a multiple of 64 in 64..{}", n, 1u << 24));
         }
         out.dedup_window = static_cast<uint32_t>(n);
         return Status::Ok();
       }},
      {"dead_letters",
       [](yaml::Reader& r, const Item& item, PipelineSettings& out) {
         return r.ReadPath(item, out.dead_letters, /*must_exist=*/false);
       }},
      MegabytesMember("dead_letters_max_mb", &PipelineSettings::dead_letters_max_mb, kMaxQueueMb),
      DurationMember("max_future", &PipelineSettings::max_future),
  };
  return table;
}

const Table<TlsSettings>& TlsTable() {
  static const Table<TlsSettings> table = {
      {"cert_file",
       [](yaml::Reader& r, const Item& item, TlsSettings& out) {
         return r.ReadPath(item, out.cert_file, /*must_exist=*/true);
       }},
      {"key_file",
       [](yaml::Reader& r, const Item& item, TlsSettings& out) {
         return r.ReadPath(item, out.key_file, /*must_exist=*/true);
       }},
  };
  return table;
}

const Table<HttpSettings>& HttpTable() {
  static const Table<HttpSettings> table = {
      Member("host", &HttpSettings::host),
      {"port",
       [](yaml::Reader& r, const Item& item, HttpSettings& out) {
         if (Status s = r.Read(item, out.port); !s.ok()) return s;
         if (out.port < -1 || out.port > kMaxPort) {
           return r.Error(item, fmt::format("{} is outside -1..{} (-1: no HTTP, 0: any free port)",
                                            out.port, kMaxPort));
         }
         return Status::Ok();
       }},
      {"users", [](yaml::Reader& r, const Item& item,
                   HttpSettings& out) { return r.ReadPath(item, out.users, /*must_exist=*/true); }},
      {"audit_log",
       [](yaml::Reader& r, const Item& item, HttpSettings& out) {
         return r.ReadPath(item, out.audit_log, /*must_exist=*/false);
       }},
      Member("allowed_origins", &HttpSettings::allowed_origins),
      {"tls",
       [](yaml::Reader& r, const Item& item, HttpSettings& out) {
         std::vector<std::string> keys;
         if (Status s = r.ParseMapping(item, TlsTable(), out.tls.emplace(), &keys); !s.ok()) {
           return s;
         }
         if (Status s = r.Require(item, keys, "cert_file"); !s.ok()) return s;
         return r.Require(item, keys, "key_file");
       }},
      {"ui_dir",
       [](yaml::Reader& r, const Item& item, HttpSettings& out) {
         if (Status s = r.ReadPath(item, out.ui_dir, /*must_exist=*/false); !s.ok()) return s;
         std::error_code ec;
         if (!std::filesystem::is_regular_file(std::filesystem::path(out.ui_dir) / "index.html",
                                               ec)) {
           return r.Error(
               item, fmt::format("{} has no index.html: build the UI (ui/build.sh)", out.ui_dir));
         }
         return Status::Ok();
       }},
  };
  return table;
}

const Table<HubConfig>& HubTable() {
  static const Table<HubConfig> table = {
      Member("hub", &HubConfig::hub),
      Member("log_level", &HubConfig::log_level),
      Member("topic_prefix", &HubConfig::topic_prefix),
      {"formats",
       [](yaml::Reader& r, const Item& item, HubConfig& out) {
         std::map<std::string, std::string> formats;
         if (Status s = r.Read(item, formats); !s.ok()) return s;
         for (const auto& [topic, format] : formats) {
           if (format != "auto" && reading::FindFormat(format) == nullptr) {
             const YAML::Node node = item.node[topic];
             std::vector<std::string_view> names = {"auto"};
             for (const auto& f : reading::FormatNames())
               names.push_back(f.name);
             return r.Error(node.Mark(), yaml::Join(item.path, topic),
                            yaml::NotOneOf("format", format, names));
           }
         }
         out.formats = std::move(formats);
         return Status::Ok();
       }},
      yaml::Section("store", &StoreTable, &HubConfig::store),
      {"mqtt",
       [](yaml::Reader& r, const Item& item, HubConfig& out) {
         MqttIngestSettings settings;
         settings.connections = out.mqtt_connections;
         if (Status s = r.ParseMapping(item, MqttIngestTable(), settings); !s.ok()) return s;
         out.mqtt = std::move(settings.mqtt);
         out.mqtt_connections = settings.connections;
         return Status::Ok();
       }},
      {"kafka",
       [](yaml::Reader& r, const Item& item, HubConfig& out) {
         out.kafka.emplace();
         return r.ParseMapping(item, KafkaIngestTable(), *out.kafka);
       }},
      yaml::Section("pipeline", &PipelineTable, &HubConfig::pipeline),
      yaml::Section("http", &HttpTable, &HubConfig::http),
      {"scenario",
       [](yaml::Reader& r, const Item& item, HubConfig& out) {
         return r.ReadPath(item, out.scenario, /*must_exist=*/true);
       }},
      {"room_box",
       [](yaml::Reader& r, const Item& item, HubConfig& out) {
         if (Status s = r.Read(item, out.room_box); !s.ok()) return s;
         if (Status s = reading::ValidateBoxId(out.room_box); !s.ok()) {
           return r.Error(item, s.message());
         }
         return Status::Ok();
       }},
      {"control",
       [](yaml::Reader& r, const Item& item, HubConfig& out) {
         auto control = control::ParseControllerConfig(r, item);
         if (!control.ok()) return control.status();
         out.control = std::move(*control);
         return Status::Ok();
       }},
      yaml::Section("alerts", &alerts::AlertsTable, &HubConfig::alerts),
  };
  return table;
}

}  // namespace

Result<HubConfig> ParseHubConfig(std::string_view yaml, std::string_view source,
                                 const std::string& folder) {
  // Keeps the text, so alert expression errors land on their exact column.
  alerts::ConfigReader reader(source, yaml, std::filesystem::path(folder.empty() ? "." : folder));
  Result<Item> root = reader.LoadDocument(yaml, "a hub config");
  if (!root.ok()) return root.status();
  HubConfig config;
  config.source = std::string(source);
  if (Status s = reader.ParseMapping(*root, HubTable(), config); !s.ok()) return s;
  if (Status s = reading::ValidateBoxId(config.hub); !s.ok()) {
    return reader.Error(root->node["hub"].Mark(), "hub", s.message());
  }
  if (config.topic_prefix.empty()) {
    return reader.Error(root->node["topic_prefix"].Mark(), "topic_prefix", "must not be empty");
  }
  if (config.kafka && config.kafka->kafka.brokers.empty()) {
    return reader.Error(root->node["kafka"].Mark(), "kafka.brokers", "required");
  }
  if (config.store.kind == StoreKind::kInfluxDb && config.store.influxdb.database.empty()) {
    return reader.Error(root->node["store"].Mark(), "store.influxdb.database", "required");
  }
  return config;
}

Result<HubConfig> LoadHubConfig(const std::string& path) {
  Result<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return ParseHubConfig(*text, path, std::filesystem::path(path).parent_path().string());
}

}  // namespace coolflow::hub
