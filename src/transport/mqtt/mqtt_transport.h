// The MQTT transport: transport.h over libmosquitto (MQTT 3.1.1, QoS 1).
//
//   MqttOptions options;
//   options.client_id = "pi-r01";
//   options.topic_prefix = "coolflow/";
//   options.status_topic = "status/pi-r01";
//   auto transport = MakeMqttTransport(options);
//   (*transport)->Start(callbacks);
//   (*transport)->Publish({"temp", "pi-r01", "0,pi-r01,41.0,23.5"}, token);
//
// Behaviour (beyond transport.h):
// - Every topic the transport touches is `topic_prefix + topic`, verbatim (so the seed's
//   `temp` becomes `coolflow/temp`); received messages come back with the prefix removed.
// - Messages go out at QoS 1, not retained. Publish refuses (Unavailable) while the broker
//   connection is down and (ResourceExhausted) when `max_inflight` messages await their
//   PUBACK. A message accepted while connected stays with libmosquitto across reconnects
//   and is sent again (with DUP) after the next CONNACK, whatever clean_session is, so
//   `delivered(token, Ok)` follows once the broker acknowledges it, even after an outage.
//   The transport gives up on a message only at Close.
// - With `status_topic` set, the broker holds a retained status there: `online_payload`
//   is published (QoS 1, retained) on every connect, `offline_payload` on Close, and the
//   same `offline_payload` is the last will the broker publishes when the connection dies
//   without a DISCONNECT (power cut, kill -9, network loss past 1.5 × keepalive).
// - Subscriptions are made at QoS 1 and made again on every connect (a broker that lost
//   the session gets them back). With clean_session = false the broker also keeps QoS 1
//   messages for the subscriptions while the client is away and delivers them on
//   reconnect; a message may arrive twice (at least once).
// - Reconnects back off exponentially from reconnect_min_ms to reconnect_max_ms (reset
//   by a successful connect). Every failed attempt whose reason differs from the last one
//   reported goes to `connection` (a refused CONNACK: Unauthenticated or PermissionDenied
//   with the broker's reason), so a long outage does not flood the log.
// - Close publishes the offline status, waits up to `timeout_ms` for messages in flight
//   (reconnecting meanwhile if needed), sends DISCONNECT, and reports every message still
//   in flight as delivered(token, Cancelled) on the transport's thread before it returns.
// - The password never appears in a Status or a log line.
//
// Thread safety: as transport.h. One internal thread per transport runs libmosquitto's
// network loop and every callback.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "transport/transport.h"

namespace coolflow::transport {

struct MqttTlsOptions {
  bool enabled = false;
  // PEM file of the CA(s) that signed the broker's certificate; empty uses the system's
  // CA store. The broker's certificate and host name are always verified.
  std::string ca_file;
  // A client certificate and its unencrypted private key (PEM), for brokers that require
  // one (`require_certificate true`); both or neither.
  std::string cert_file;
  std::string key_file;
};

struct MqttOptions {
  std::string host = "127.0.0.1";
  int port = 1883;  // 1..65535; 8883 is the usual TLS port
  // The MQTT client id; required when clean_session is false (the broker keys the session
  // by it). The box id is a good choice: two clients with one id knock each other off.
  std::string client_id;
  // false: a persistent session (subscriptions and queued QoS 1 messages survive
  // disconnects on the broker's side).
  bool clean_session = false;
  std::string username;  // empty: anonymous
  std::string password;  // secret; needs a username
  MqttTlsOptions tls;
  int keepalive_s = 30;  // >= 5 (libmosquitto's minimum)
  // Prepended verbatim to every topic (publish, subscribe, status), e.g. "coolflow/".
  std::string topic_prefix;
  // The retained online/offline status topic, under the prefix; empty: no status and no
  // last will.
  std::string status_topic;
  std::string online_payload = "online";
  std::string offline_payload = "offline";
  // Messages awaiting their PUBACK at most (1..65535).
  int max_inflight = 100;
  // Reconnect backoff: the first retry waits reconnect_min_ms, each failure doubles the
  // wait up to reconnect_max_ms.
  int reconnect_min_ms = 500;
  int reconnect_max_ms = 30'000;
};

// Checks `options` without connecting: ranges, topic syntax, a client id when the session
// is persistent, a username with the password, TLS files readable. The message names the
// field ("mqtt.port: 70000 is not in 1..65535") and never contains the password.
Status ValidateMqttOptions(const MqttOptions& options);

// A transport for `options` (validated as above). It connects on Start.
Result<std::unique_ptr<Transport>> MakeMqttTransport(const MqttOptions& options);

}  // namespace coolflow::transport
