#include "transport/kafka/rdkafka_library.h"

#include <dlfcn.h>

#include <cstddef>
#include <string>
#include <type_traits>

#include "fmt/format.h"

namespace coolflow::transport {
namespace {

// The oldest librdkafka with every function in RdKafka (rd_kafka_consumer_close_queue).
constexpr const char* kOldestVersion = "1.9";
// Every member of RdKafka is a function pointer of this size.
constexpr size_t kFunctionCount = sizeof(RdKafka) / sizeof(void (*)());

std::string LastDlError() {
  const char* error = dlerror();
  return error != nullptr ? error : "no reason given";
}

// Resolves librdkafka's functions into a table, one at a time, until one is missing.
class Resolver {
 public:
  explicit Resolver(void* library) : library_(library) {}

  // Sets `function` to librdkafka's `symbol`; after a failure, does nothing.
  template <typename Function>
  void operator()(Function& function, const char* symbol) {
    if (!status_.ok()) return;
    (void)dlerror();  // clear any earlier error, so the one below is dlsym's
    void* address = dlsym(library_, symbol);
    if (address == nullptr) {
      status_ = NotFound(fmt::format(
          "kafka: {} has no {} (librdkafka {} or newer is needed; install librdkafka1): {}",
          kRdKafkaLibrary, symbol, kOldestVersion, LastDlError()));
      return;
    }
    // POSIX guarantees that dlsym's result converts to the function's pointer type.
    function = reinterpret_cast<Function>(address);
    ++resolved_;
  }

  // Ok once every member of RdKafka was resolved.
  Status Finish() const {
    if (!status_.ok()) return status_;
    if (resolved_ != kFunctionCount) {  // cannot happen: the list below misses a member
      return Internal(fmt::format("kafka: resolved {} of the {} librdkafka functions", resolved_,
                                  kFunctionCount));
    }
    return Status::Ok();
  }

 private:
  void* const library_;
  Status status_;
  size_t resolved_ = 0;
};

Status Resolve(void* library, RdKafka& rdkafka) {
  Resolver resolve(library);
  // `function` is both the member's name after "rd_kafka_" and, spelled out, the symbol; the
  // assertion keeps member and symbol the same function.
#define COOLFLOW_RESOLVE(member, function)                                                 \
  static_assert(std::is_same_v<decltype(rdkafka.member), decltype(&::function)>, #member); \
  resolve(rdkafka.member, #function)
  COOLFLOW_RESOLVE(conf_new, rd_kafka_conf_new);
  COOLFLOW_RESOLVE(conf_destroy, rd_kafka_conf_destroy);
  COOLFLOW_RESOLVE(conf_set, rd_kafka_conf_set);
  COOLFLOW_RESOLVE(conf_set_opaque, rd_kafka_conf_set_opaque);
  COOLFLOW_RESOLVE(conf_set_dr_msg_cb, rd_kafka_conf_set_dr_msg_cb);
  COOLFLOW_RESOLVE(conf_set_error_cb, rd_kafka_conf_set_error_cb);
  COOLFLOW_RESOLVE(new_, rd_kafka_new);
  COOLFLOW_RESOLVE(destroy_flags, rd_kafka_destroy_flags);
  COOLFLOW_RESOLVE(poll, rd_kafka_poll);
  COOLFLOW_RESOLVE(metadata, rd_kafka_metadata);
  COOLFLOW_RESOLVE(metadata_destroy, rd_kafka_metadata_destroy);
  COOLFLOW_RESOLVE(topic_name, rd_kafka_topic_name);
  COOLFLOW_RESOLVE(message_destroy, rd_kafka_message_destroy);
  COOLFLOW_RESOLVE(produceva, rd_kafka_produceva);
  COOLFLOW_RESOLVE(purge, rd_kafka_purge);
  COOLFLOW_RESOLVE(fatal_error, rd_kafka_fatal_error);
  COOLFLOW_RESOLVE(test_fatal_error, rd_kafka_test_fatal_error);
  COOLFLOW_RESOLVE(poll_set_consumer, rd_kafka_poll_set_consumer);
  COOLFLOW_RESOLVE(topic_partition_list_new, rd_kafka_topic_partition_list_new);
  COOLFLOW_RESOLVE(topic_partition_list_add, rd_kafka_topic_partition_list_add);
  COOLFLOW_RESOLVE(topic_partition_list_destroy, rd_kafka_topic_partition_list_destroy);
  COOLFLOW_RESOLVE(subscribe, rd_kafka_subscribe);
  COOLFLOW_RESOLVE(consumer_poll, rd_kafka_consumer_poll);
  COOLFLOW_RESOLVE(offset_store, rd_kafka_offset_store);
  COOLFLOW_RESOLVE(consumer_close_queue, rd_kafka_consumer_close_queue);
  COOLFLOW_RESOLVE(consumer_closed, rd_kafka_consumer_closed);
  COOLFLOW_RESOLVE(queue_new, rd_kafka_queue_new);
  COOLFLOW_RESOLVE(queue_poll, rd_kafka_queue_poll);
  COOLFLOW_RESOLVE(queue_destroy, rd_kafka_queue_destroy);
  COOLFLOW_RESOLVE(event_destroy, rd_kafka_event_destroy);
  COOLFLOW_RESOLVE(err2str, rd_kafka_err2str);
  COOLFLOW_RESOLVE(err2name, rd_kafka_err2name);
  COOLFLOW_RESOLVE(error_code, rd_kafka_error_code);
  COOLFLOW_RESOLVE(error_string, rd_kafka_error_string);
  COOLFLOW_RESOLVE(error_destroy, rd_kafka_error_destroy);
#undef COOLFLOW_RESOLVE
  return resolve.Finish();
}

// The outcome of the one load: the table, or why there is none.
struct Loaded {
  RdKafka rdkafka;
  Status status;
};

Loaded Load() {
  Loaded loaded;
  void* library = dlopen(kRdKafkaLibrary, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    loaded.status = NotFound(fmt::format("kafka: cannot load {}: {}; install librdkafka1",
                                         kRdKafkaLibrary, LastDlError()));
    return loaded;
  }
  loaded.status = Resolve(library, loaded.rdkafka);
  // A library that cannot be used is not kept; one that can is never unloaded.
  if (!loaded.status.ok()) (void)dlclose(library);
  return loaded;
}

}  // namespace

Result<const RdKafka*> LoadRdKafka() {
  static const Loaded loaded = Load();  // C++ runs this once, other callers wait for it
  if (!loaded.status.ok()) return loaded.status;
  return &loaded.rdkafka;
}

}  // namespace coolflow::transport
