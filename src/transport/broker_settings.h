// The broker sections of coolflow's config files (the agent's `delivery.mqtt` and
// `delivery.kafka`, the hub's `mqtt` and `kafka`): one schema, so both read the same keys
// with the same errors, and the transport options made from them.
//
//   mqtt:
//     host: 127.0.0.1
//     port: 1883
//     client_id: coolflow-hub        # default: chosen by the program
//     username: hub
//     password_file: hub.password    # never the password itself
//     keepalive_s: 30
//     ca_file: ca.crt                # TLS when set (cert_file + key_file: client certificate)
//   kafka:
//     brokers: kafka1:9092,kafka2:9092
//     properties: {security.protocol: ssl}   # further librdkafka settings
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/yaml_reader.h"
#include "transport/kafka/kafka_transport.h"
#include "transport/mqtt/mqtt_transport.h"

namespace coolflow::transport {

struct MqttSettings {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id;  // empty: the program's default
  std::string username;
  std::string password_file;  // the password is read from this file, never written inline
  int keepalive_s = 30;
  std::string ca_file, cert_file, key_file;  // TLS when ca_file or cert_file is set
};

struct KafkaSettings {
  std::string brokers;                                          // "host:port,host:port"
  std::vector<std::pair<std::string, std::string>> properties;  // extra librdkafka settings
};

// The schemas; paths are resolved against the config's folder and must exist.
const yaml::Table<MqttSettings>& MqttSettingsTable();
const yaml::Table<KafkaSettings>& KafkaSettingsTable();

// MQTT options from settings: the password file read (its error names the file, never its
// content), client_id defaulted to `default_client_id`, TLS on when a CA or certificate is
// set. The caller sets the rest (clean_session, status topic, windows) and validates.
Result<MqttOptions> MqttOptionsFrom(const MqttSettings& settings,
                                    const std::string& default_client_id);
// Kafka options from settings: brokers and extra properties; the caller sets the rest.
KafkaOptions KafkaOptionsFrom(const KafkaSettings& settings);

}  // namespace coolflow::transport
