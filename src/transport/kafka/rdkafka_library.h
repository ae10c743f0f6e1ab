// librdkafka, loaded on demand. Why: the edge agent must stay small on a Raspberry Pi
// (docs/agent.md, "Footprint"), and most agents deliver over MQTT. Linking librdkafka.so
// would map it and its dependencies (libzstd, liblz4, libsasl2, libz: about 0.66 MB resident)
// into every agent, whether or not it ever speaks Kafka. So the Kafka transport links no
// librdkafka: the first LoadRdKafka dlopens "librdkafka.so.1" and resolves the functions the
// transport calls, and a process that never asks for Kafka never maps the library.
//
//   auto rdkafka = LoadRdKafka();
//   if (!rdkafka.ok()) return rdkafka.status();
//   rd_kafka_conf_t* conf = (*rdkafka)->conf_new();
//
// Only the declarations come from <librdkafka/rdkafka.h> (each member's type is the
// function's own, so a call through the table is checked like a direct call); the data
// structures (rd_kafka_message_t and friends) are librdkafka's stable ABI.
//
// Thread safety: LoadRdKafka may be called from any thread; the first call loads, the others
// wait for it and share its outcome. The table is immutable once returned.
#pragma once

#include <librdkafka/rdkafka.h>

#include "common/status.h"

namespace coolflow::transport {

// The file dlopen looks for: librdkafka's soname (Debian package librdkafka1).
inline constexpr const char* kRdKafkaLibrary = "librdkafka.so.1";

// One pointer per librdkafka function coolflow calls: member `x` is rd_kafka_x (`new_` is
// rd_kafka_new). All are set in a table LoadRdKafka returns. Add a function here and to
// the list in rdkafka_library.cc together (LoadRdKafka checks that every member is set).
struct RdKafka {
  // Configuration.
  decltype(&::rd_kafka_conf_new) conf_new = nullptr;
  decltype(&::rd_kafka_conf_destroy) conf_destroy = nullptr;
  decltype(&::rd_kafka_conf_set) conf_set = nullptr;
  decltype(&::rd_kafka_conf_set_opaque) conf_set_opaque = nullptr;
  decltype(&::rd_kafka_conf_set_dr_msg_cb) conf_set_dr_msg_cb = nullptr;
  decltype(&::rd_kafka_conf_set_error_cb) conf_set_error_cb = nullptr;

  // Clients.
  decltype(&::rd_kafka_new) new_ = nullptr;
  decltype(&::rd_kafka_destroy_flags) destroy_flags = nullptr;
  decltype(&::rd_kafka_poll) poll = nullptr;
  decltype(&::rd_kafka_metadata) metadata = nullptr;
  decltype(&::rd_kafka_metadata_destroy) metadata_destroy = nullptr;
  decltype(&::rd_kafka_topic_name) topic_name = nullptr;
  decltype(&::rd_kafka_message_destroy) message_destroy = nullptr;

  // The producer.
  decltype(&::rd_kafka_produceva) produceva = nullptr;
  decltype(&::rd_kafka_purge) purge = nullptr;
  decltype(&::rd_kafka_fatal_error) fatal_error = nullptr;
  decltype(&::rd_kafka_test_fatal_error) test_fatal_error = nullptr;

  // The consumer.
  decltype(&::rd_kafka_poll_set_consumer) poll_set_consumer = nullptr;
  decltype(&::rd_kafka_topic_partition_list_new) topic_partition_list_new = nullptr;
  decltype(&::rd_kafka_topic_partition_list_add) topic_partition_list_add = nullptr;
  decltype(&::rd_kafka_topic_partition_list_destroy) topic_partition_list_destroy = nullptr;
  decltype(&::rd_kafka_subscribe) subscribe = nullptr;
  decltype(&::rd_kafka_consumer_poll) consumer_poll = nullptr;
  decltype(&::rd_kafka_offset_store) offset_store = nullptr;
  decltype(&::rd_kafka_consumer_close_queue) consumer_close_queue = nullptr;
  decltype(&::rd_kafka_consumer_closed) consumer_closed = nullptr;
  decltype(&::rd_kafka_queue_new) queue_new = nullptr;
  decltype(&::rd_kafka_queue_poll) queue_poll = nullptr;
  decltype(&::rd_kafka_queue_destroy) queue_destroy = nullptr;
  decltype(&::rd_kafka_event_destroy) event_destroy = nullptr;

  // Errors.
  decltype(&::rd_kafka_err2str) err2str = nullptr;
  decltype(&::rd_kafka_err2name) err2name = nullptr;
  decltype(&::rd_kafka_error_code) error_code = nullptr;
  decltype(&::rd_kafka_error_string) error_string = nullptr;
  decltype(&::rd_kafka_error_destroy) error_destroy = nullptr;
};

// librdkafka's functions. The first call dlopens kRdKafkaLibrary (RTLD_NOW | RTLD_LOCAL) and
// resolves every member of RdKafka; the library then stays loaded for the life of the
// process (it is never unloaded), and the table is valid as long. NotFound when the library
// cannot be loaded ("kafka: cannot load librdkafka.so.1: <dlerror>; install librdkafka1") or
// lacks one of the functions (the message names it: librdkafka too old). The first call's
// outcome is kept: after installing librdkafka, restart the process.
Result<const RdKafka*> LoadRdKafka();

}  // namespace coolflow::transport
