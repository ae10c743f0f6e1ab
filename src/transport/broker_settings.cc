#include "transport/broker_settings.h"

#include <map>

#include "common/files.h"
#include "fmt/format.h"

namespace coolflow::transport {
namespace {

using yaml::Item;
using yaml::Member;
using yaml::Table;

constexpr int kMaxPort = 65535;

// A path that must name an existing file, resolved against the config's folder.
yaml::Field<MqttSettings> FileMember(std::string_view key, std::string MqttSettings::*member) {
  return {key, [member](yaml::Reader& r, const Item& item, MqttSettings& out) {
            return r.ReadPath(item, out.*member, /*must_exist=*/true);
          }};
}

}  // namespace

const Table<MqttSettings>& MqttSettingsTable() {
  static const Table<MqttSettings> table = {
      Member("host", &MqttSettings::host),
      {"port",
       [](yaml::Reader& r, const Item& item, MqttSettings& out) {
         if (Status s = r.Read(item, out.port); !s.ok()) return s;
         if (out.port < 1 || out.port > kMaxPort) {
           return r.Error(item, fmt::format("{} is outside 1..{}", out.port, kMaxPort));
         }
         return Status::Ok();
       }},
      Member("client_id", &MqttSettings::client_id),
      Member("username", &MqttSettings::username),
      FileMember("password_file", &MqttSettings::password_file),
      yaml::Refused<MqttSettings>(
          "password", "is never written in the config; put it in a file and set password_file"),
      Member("keepalive_s", &MqttSettings::keepalive_s),
      FileMember("ca_file", &MqttSettings::ca_file),
      FileMember("cert_file", &MqttSettings::cert_file),
      FileMember("key_file", &MqttSettings::key_file),
  };
  return table;
}

const Table<KafkaSettings>& KafkaSettingsTable() {
  static const Table<KafkaSettings> table = {
      Member("brokers", &KafkaSettings::brokers),
      {"properties",
       [](yaml::Reader& r, const Item& item, KafkaSettings& out) {
         std::map<std::string, std::string> properties;
         if (Status s = r.Read(item, properties); !s.ok()) return s;
         out.properties.assign(properties.begin(), properties.end());
         return Status::Ok();
       }},
  };
  return table;
}

Result<MqttOptions> MqttOptionsFrom(const MqttSettings& settings,
                                    const std::string& default_client_id) {
  MqttOptions options;
  options.host = settings.host;
  options.port = settings.port;
  options.client_id = settings.client_id.empty() ? default_client_id : settings.client_id;
  options.username = settings.username;
  if (!settings.password_file.empty()) {
    auto password = ReadSecretFile(settings.password_file);
    if (!password.ok()) return password.status();
    options.password = std::move(*password);
  }
  options.keepalive_s = settings.keepalive_s;
  if (!settings.ca_file.empty() || !settings.cert_file.empty()) {
    options.tls.enabled = true;
    options.tls.ca_file = settings.ca_file;
    options.tls.cert_file = settings.cert_file;
    options.tls.key_file = settings.key_file;
  }
  return options;
}

KafkaOptions KafkaOptionsFrom(const KafkaSettings& settings) {
  KafkaOptions options;
  options.brokers = settings.brokers;
  for (const auto& [key, value] : settings.properties)
    options.extra[key] = value;
  return options;
}

}  // namespace coolflow::transport
