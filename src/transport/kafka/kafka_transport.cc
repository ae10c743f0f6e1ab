#include "transport/kafka/kafka_transport.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/thread_annotations.h"
#include "fmt/format.h"
#include "transport/broker_transport.h"
#include "transport/kafka/rdkafka_library.h"

namespace coolflow::transport {
namespace {

using Milliseconds = std::chrono::milliseconds;

// One pass of the thread waits this long for delivery reports; it bounds how late a
// received message, Close or a fatal error is handled.
constexpr int kPollMs = 100;
// While no broker is known to be up, a metadata request asks every so often.
constexpr Milliseconds kProbeInterval{1'000};
constexpr int kProbeTimeoutMs = 500;
// Received messages handed over per pass, so delivery reports are not starved.
constexpr int kMaxReceivedPerPass = 500;
// After a purge, how long the purged messages' reports may take to come back.
constexpr Milliseconds kPurgeDrain{5'000};
// After Close's deadline, the time left to leave the consumer group cleanly.
constexpr Milliseconds kConsumerCloseGrace{2'000};
constexpr size_t kErrorTextBytes = 512;
constexpr size_t kMaxTopicBytes = 249;  // Kafka's limit on topic names

// librdkafka is loaded on demand (rdkafka_library.h): every call goes through its table,
// which the deleters below carry too.
struct ConfDeleter {
  const RdKafka* rdkafka = nullptr;
  void operator()(rd_kafka_conf_t* conf) const { rdkafka->conf_destroy(conf); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

ConfPtr NewConf(const RdKafka& rdkafka) {
  return ConfPtr(rdkafka.conf_new(), ConfDeleter{&rdkafka});
}

// Destroys a client. A consumer is closed by Close beforehand (within its deadline). When its
// group coordinator cannot be reached, librdkafka 2.0 still waits for up to
// session.timeout.ms in rd_kafka_destroy (librdkafka issue 4519, open): lower that property
// (consumer_extra) where a quick stop matters more.
struct HandleDeleter {
  const RdKafka* rdkafka = nullptr;
  void operator()(rd_kafka_t* rk) const {
    rdkafka->destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct MessageDeleter {
  const RdKafka* rdkafka = nullptr;
  void operator()(rd_kafka_message_t* message) const { rdkafka->message_destroy(message); }
};

// Property names whose values are secrets: they never go into a Status.
bool IsSecretProperty(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const std::string_view word :
       {"password", "secret", "pem", "oauthbearer.config", "ssl.key"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

bool ValidTopicChars(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
  });
}

Status CheckTopic(std::string_view what, std::string_view topic) {
  if (topic.empty() || topic.size() > kMaxTopicBytes || topic == "." || topic == ".." ||
      !ValidTopicChars(topic)) {
    return InvalidArgument(
        fmt::format("kafka {}: {:?} is not a valid Kafka topic name (1..{} of [A-Za-z0-9._-])",
                    what, topic, kMaxTopicBytes));
  }
  return Status::Ok();
}

// Sets one property; `field` names it in errors ("kafka.extra.linger.ms").
Status SetProperty(const RdKafka& rdkafka, rd_kafka_conf_t* conf, std::string_view field,
                   const std::string& name, const std::string& value) {
  std::array<char, kErrorTextBytes> error{};
  if (rdkafka.conf_set(conf, name.c_str(), value.c_str(), error.data(), error.size()) ==
      RD_KAFKA_CONF_OK) {
    return Status::Ok();
  }
  if (IsSecretProperty(name)) {
    return InvalidArgument(
        fmt::format("{}: librdkafka refused the value (not shown: it is a secret)", field));
  }
  return InvalidArgument(fmt::format("{}: {}", field, error.data()));
}

// Properties the options set through their own fields, or that coolflow fixes.
Status CheckNotReserved(std::string_view field, const std::string& name) {
  if (name == "enable.idempotence" || name == "acks" || name == "request.required.acks") {
    return InvalidArgument(
        fmt::format("{}: fixed by coolflow (an idempotent producer with acks=all)", field));
  }
  if (name == "bootstrap.servers" || name == "metadata.broker.list") {
    return InvalidArgument(fmt::format("{}: set kafka.brokers instead", field));
  }
  if (name == "client.id")
    return InvalidArgument(fmt::format("{}: set kafka.client_id instead", field));
  if (name == "group.id") {
    return InvalidArgument(fmt::format("{}: set kafka.consumer_group instead", field));
  }
  if (name == "enable.auto.offset.store") {
    return InvalidArgument(fmt::format(
        "{}: fixed by coolflow (offsets are stored once the messages are settled)", field));
  }
  return Status::Ok();
}

Status SetExtra(const RdKafka& rdkafka, rd_kafka_conf_t* conf, std::string_view map_name,
                const std::map<std::string, std::string>& properties) {
  for (const auto& [name, value] : properties) {
    const std::string field = fmt::format("kafka.{}.{}", map_name, name);
    if (Status s = CheckNotReserved(field, name); !s.ok()) return s;
    if (Status s = SetProperty(rdkafka, conf, field, name, value); !s.ok()) return s;
  }
  return Status::Ok();
}

Status SetCommon(const RdKafka& rdkafka, rd_kafka_conf_t* conf, const KafkaOptions& options) {
  if (Status s = SetProperty(rdkafka, conf, "kafka.brokers", "bootstrap.servers", options.brokers);
      !s.ok()) {
    return s;
  }
  if (!options.client_id.empty()) {
    if (Status s = SetProperty(rdkafka, conf, "kafka.client_id", "client.id", options.client_id);
        !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

Result<ConfPtr> ProducerConf(const RdKafka& rdkafka, const KafkaOptions& options) {
  ConfPtr conf = NewConf(rdkafka);
  if (Status s = SetCommon(rdkafka, conf.get(), options); !s.ok()) return s;
  for (const auto& [name, value] :
       std::map<std::string, std::string>{{"enable.idempotence", "true"}, {"acks", "all"}}) {
    if (Status s = SetProperty(rdkafka, conf.get(), "kafka", name, value); !s.ok()) return s;
  }
  if (Status s = SetProperty(rdkafka, conf.get(), "kafka.message_timeout_ms", "message.timeout.ms",
                             std::to_string(options.message_timeout_ms));
      !s.ok()) {
    return s;
  }
  if (Status s = SetExtra(rdkafka, conf.get(), "extra", options.extra); !s.ok()) return s;
  if (Status s = SetExtra(rdkafka, conf.get(), "producer_extra", options.producer_extra); !s.ok()) {
    return s;
  }
  return conf;
}

Result<ConfPtr> ConsumerConf(const RdKafka& rdkafka, const KafkaOptions& options) {
  ConfPtr conf = NewConf(rdkafka);
  if (Status s = SetCommon(rdkafka, conf.get(), options); !s.ok()) return s;
  if (Status s = SetProperty(rdkafka, conf.get(), "kafka.consumer_group", "group.id",
                             options.consumer_group);
      !s.ok()) {
    return s;
  }
  // A new group starts at the newest message: old commands are not replayed.
  if (Status s = SetProperty(rdkafka, conf.get(), "kafka", "auto.offset.reset", "latest");
      !s.ok()) {
    return s;
  }
  // Offsets are stored by ReceiveMessages once the callbacks have settled the messages, and
  // committed from there in the background.
  if (Status s = SetProperty(rdkafka, conf.get(), "kafka", "enable.auto.offset.store", "false");
      !s.ok()) {
    return s;
  }
  if (Status s = SetExtra(rdkafka, conf.get(), "extra", options.extra); !s.ok()) return s;
  if (Status s = SetExtra(rdkafka, conf.get(), "consumer_extra", options.consumer_extra); !s.ok()) {
    return s;
  }
  return conf;
}

Result<HandlePtr> NewHandle(const RdKafka& rdkafka, rd_kafka_type_t type, ConfPtr conf) {
  std::array<char, kErrorTextBytes> error{};
  rd_kafka_t* rk = rdkafka.new_(type, conf.get(), error.data(), error.size());
  if (rk == nullptr) {
    return InvalidArgument(fmt::format("kafka: librdkafka refused the {} configuration: {}",
                                       type == RD_KAFKA_PRODUCER ? "producer" : "consumer",
                                       error.data()));
  }
  (void)conf.release();  // rd_kafka_new took it
  return HandlePtr(rk, HandleDeleter{&rdkafka});
}

class KafkaTransport final : public BrokerTransport {
 public:
  // `rdkafka` (from LoadRdKafka) lives as long as the process.
  KafkaTransport(const RdKafka& rdkafka, const KafkaOptions& options)
      : BrokerTransport("kafka", fmt::format("kafka brokers {}", options.brokers)),
        rdkafka_(rdkafka),
        options_(options) {}

  ~KafkaTransport() override { Close(0); }

  Status Init();

  Status Publish(const Message& message, uint64_t token) override;
  Status Subscribe(std::string_view topic) override;
  size_t in_flight() const override;

  Status RaiseFatalErrorForTesting(std::string_view reason);

 private:
  // A message handed to librdkafka. Its serial number travels as the message's opaque, so
  // a late report for a message already accounted for is recognised and ignored.
  struct InFlight {
    uint64_t token = 0;
    uint64_t generation = 0;  // which producer has it
  };

  // librdkafka's callbacks; they run on the transport's thread, inside the poll calls.
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* self);
  static void OnError(rd_kafka_t* rk, int error, const char* reason, void* self);
  void HandleDelivery(const rd_kafka_message_t& message);
  void HandleError(rd_kafka_t* rk, rd_kafka_resp_err_t error, const char* reason);

  Result<HandlePtr> NewProducer();
  rd_kafka_t* producer() COOLFLOW_EXCLUDES(mu_);
  size_t InFlightOf(std::optional<uint64_t> generation) const COOLFLOW_EXCLUDES(mu_);

  // The transport's thread.
  void Run() override;
  void Probe();
  void ReceiveMessages();
  void ReplaceProducer();
  // Polls `rk` until no message of `generation` (any, when nullopt) is in flight or
  // `until` passes.
  void DrainReports(rd_kafka_t* rk, std::optional<uint64_t> generation,
                    SteadyClock::time_point until);
  // Reports every message of `generation` (any, when nullopt) still on record as failed.
  void FailLeftovers(std::optional<uint64_t> generation, const Status& why) COOLFLOW_EXCLUDES(mu_);
  void CloseConsumer(SteadyClock::time_point until);
  void FinishClose();

  const RdKafka& rdkafka_;      // every librdkafka call goes through it
  const KafkaOptions options_;  // may hold secrets: never formatted
  // The consumer behind Subscribe; null without a consumer_group. Set by Init only.
  HandlePtr consumer_;

  // Replaced by the thread only (after a fatal error); Publish uses it under mu_.
  HandlePtr producer_ COOLFLOW_GUARDED_BY(mu_);
  uint64_t generation_ COOLFLOW_GUARDED_BY(mu_) = 0;
  uintptr_t next_serial_ COOLFLOW_GUARDED_BY(mu_) = 1;
  std::unordered_map<uintptr_t, InFlight> in_flight_ COOLFLOW_GUARDED_BY(mu_);
  std::vector<std::string> topics_ COOLFLOW_GUARDED_BY(mu_);  // full names, subscribed

  // Used by the thread only.
  bool fatal_ = false;
  SteadyClock::time_point next_probe_{};
};

Result<HandlePtr> KafkaTransport::NewProducer() {
  auto conf = ProducerConf(rdkafka_, options_);
  if (!conf.ok()) return conf.status();
  rdkafka_.conf_set_opaque(conf->get(), this);
  rdkafka_.conf_set_dr_msg_cb(conf->get(), &KafkaTransport::OnDelivery);
  rdkafka_.conf_set_error_cb(conf->get(), &KafkaTransport::OnError);
  return NewHandle(rdkafka_, RD_KAFKA_PRODUCER, std::move(*conf));
}

Status KafkaTransport::Init() {
  auto producer = NewProducer();
  if (!producer.ok()) return producer.status();
  {
    MutexLock lock(mu_);
    producer_ = std::move(*producer);
  }
  if (options_.consumer_group.empty()) return Status::Ok();
  auto conf = ConsumerConf(rdkafka_, options_);
  if (!conf.ok()) return conf.status();
  rdkafka_.conf_set_opaque(conf->get(), this);
  rdkafka_.conf_set_error_cb(conf->get(), &KafkaTransport::OnError);
  auto consumer = NewHandle(rdkafka_, RD_KAFKA_CONSUMER, std::move(*conf));
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(*consumer);
  // One queue for messages and events, served by rd_kafka_consumer_poll.
  rdkafka_.poll_set_consumer(consumer_.get());
  return Status::Ok();
}

Status KafkaTransport::Publish(const Message& message, uint64_t token) {
  const std::string topic = options_.topic_prefix + message.topic;
  if (Status s = CheckTopic("publish", topic); !s.ok()) return s;
  MutexLock lock(mu_);
  if (Status s = CheckRunning(); !s.ok()) return s;
  if (!connected_.load()) return Unavailable(fmt::format("{}: not connected", where_));
  if (in_flight_.size() >= static_cast<size_t>(options_.max_inflight)) {
    return {StatusCode::kResourceExhausted,
            fmt::format("{}: {} messages already await their report", where_, in_flight_.size())};
  }
  const uintptr_t serial = next_serial_++;
  std::array<rd_kafka_vu_t, 5> values{};
  size_t count = 0;
  values[count].vtype = RD_KAFKA_VTYPE_TOPIC;
  values[count++].u.cstr = topic.c_str();
  if (!message.key.empty()) {
    values[count].vtype = RD_KAFKA_VTYPE_KEY;
    // RD_KAFKA_MSG_F_COPY: librdkafka copies key and value and never writes through these.
    values[count].u.mem.ptr = const_cast<char*>(message.key.data());
    values[count++].u.mem.size = message.key.size();
  }
  values[count].vtype = RD_KAFKA_VTYPE_VALUE;
  values[count].u.mem.ptr = const_cast<char*>(message.payload.data());
  values[count++].u.mem.size = message.payload.size();
  values[count].vtype = RD_KAFKA_VTYPE_OPAQUE;
  values[count++].u.ptr = reinterpret_cast<void*>(serial);
  values[count].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  values[count++].u.i = RD_KAFKA_MSG_F_COPY;
  // mu_ is held across the call so the delivery report (handled on the thread, under mu_)
  // cannot come before the message is on record.
  rd_kafka_error_t* error = rdkafka_.produceva(producer_.get(), values.data(), count);
  if (error == nullptr) {
    in_flight_.emplace(serial, InFlight{token, generation_});
    return Status::Ok();
  }
  const rd_kafka_resp_err_t code = rdkafka_.error_code(error);
  const std::string text =
      fmt::format("{}: publish to {:?}: {}", where_, topic, rdkafka_.error_string(error));
  rdkafka_.error_destroy(error);
  switch (code) {
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
      return {StatusCode::kResourceExhausted, text};
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      return InvalidArgument(text);
    default:
      return Unavailable(text);
  }
}

Status KafkaTransport::Subscribe(std::string_view topic) {
  // A pattern ("^coolflow\\..*") is librdkafka's regex subscription, taken as written.
  const bool pattern = topic.starts_with('^');
  const std::string full =
      pattern ? std::string(topic) : options_.topic_prefix + std::string(topic);
  if (pattern) {
    try {
      std::regex check(full.substr(1), std::regex::extended);
    } catch (const std::regex_error& e) {
      return InvalidArgument(fmt::format(
          "kafka subscribe: {:?} is not a valid regular expression: {}", full, e.what()));
    }
  } else if (Status s = CheckTopic("subscribe", full); !s.ok()) {
    return s;
  }
  if (consumer_ == nullptr) {
    return InvalidArgument(
        fmt::format("kafka.consumer_group: needed to subscribe to {:?}; none is set", full));
  }
  MutexLock lock(mu_);
  if (Status s = CheckNotClosed(); !s.ok()) return s;
  if (std::find(topics_.begin(), topics_.end(), full) != topics_.end()) return Status::Ok();
  // rd_kafka_subscribe replaces the subscription: it gets the whole list, under mu_ so
  // two callers cannot apply their lists out of order.
  rd_kafka_topic_partition_list_t* list =
      rdkafka_.topic_partition_list_new(static_cast<int>(topics_.size() + 1));
  for (const std::string& name : topics_) {
    rdkafka_.topic_partition_list_add(list, name.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rdkafka_.topic_partition_list_add(list, full.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t error = rdkafka_.subscribe(consumer_.get(), list);
  rdkafka_.topic_partition_list_destroy(list);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable(
        fmt::format("{}: subscribe {:?}: {}", where_, full, rdkafka_.err2str(error)));
  }
  topics_.push_back(full);
  return Status::Ok();
}

size_t KafkaTransport::in_flight() const {
  return InFlightOf(std::nullopt);
}

size_t KafkaTransport::InFlightOf(std::optional<uint64_t> generation) const {
  MutexLock lock(mu_);
  if (!generation) return in_flight_.size();
  return static_cast<size_t>(
      std::count_if(in_flight_.begin(), in_flight_.end(),
                    [&](const auto& entry) { return entry.second.generation == *generation; }));
}

rd_kafka_t* KafkaTransport::producer() {
  MutexLock lock(mu_);
  return producer_.get();
}

Status KafkaTransport::RaiseFatalErrorForTesting(std::string_view reason) {
  MutexLock lock(mu_);
  const rd_kafka_resp_err_t error = rdkafka_.test_fatal_error(
      producer_.get(), RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, std::string(reason).c_str());
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Internal(fmt::format("rd_kafka_test_fatal_error: {}", rdkafka_.err2str(error)));
  }
  return Status::Ok();
}

void KafkaTransport::OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* self) {
  if (message != nullptr) static_cast<KafkaTransport*>(self)->HandleDelivery(*message);
}

void KafkaTransport::OnError(rd_kafka_t* rk, int error, const char* reason, void* self) {
  static_cast<KafkaTransport*>(self)->HandleError(rk, static_cast<rd_kafka_resp_err_t>(error),
                                                  reason != nullptr ? reason : "");
}

void KafkaTransport::HandleDelivery(const rd_kafka_message_t& message) {
  const auto serial = reinterpret_cast<uintptr_t>(message._private);
  std::optional<uint64_t> token;
  {
    MutexLock lock(mu_);
    auto it = in_flight_.find(serial);
    if (it == in_flight_.end()) return;  // already reported as failed
    token = it->second.token;
    in_flight_.erase(it);
  }
  if (message.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (!connected_.exchange(true)) ReportConnection(Status::Ok());
    callbacks().delivered(*token, Status::Ok());
    return;
  }
  const char* topic = message.rkt != nullptr ? rdkafka_.topic_name(message.rkt) : "";
  const std::string text =
      fmt::format("{}: topic {:?}: {}", where_, topic, rdkafka_.err2str(message.err));
  Status outcome;
  switch (message.err) {
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
      outcome =
          Status(StatusCode::kCancelled, text + " (purged before the broker acknowledged it)");
      break;
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
      outcome =
          Unavailable(fmt::format("{} (not acknowledged within kafka.message_timeout_ms, {} ms)",
                                  text, options_.message_timeout_ms));
      break;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      outcome = InvalidArgument(text);
      break;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      outcome = Status(StatusCode::kPermissionDenied, text);
      break;
    default:
      outcome = Unavailable(text);
      break;
  }
  callbacks().delivered(*token, outcome);
}

void KafkaTransport::HandleError(rd_kafka_t* rk, rd_kafka_resp_err_t error, const char* reason) {
  // Only the current producer's view counts: the consumer talks to the same brokers, and a
  // producer being retired after a fatal error says nothing about the new one.
  if (rk != producer()) return;
  switch (error) {
    case RD_KAFKA_RESP_ERR__FATAL:
      fatal_ = true;  // handled by the thread's loop, outside librdkafka's callback
      return;
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
      connected_.store(false);
      next_probe_ = SteadyClock::now() + kProbeInterval;
      ReportConnection(Unavailable(fmt::format("{}: all brokers are down: {}", where_, reason)));
      return;
    default:
      // Informational while connected (librdkafka recovers); while down, the reason why.
      if (!connected_.load()) {
        ReportConnection(Unavailable(fmt::format("{}: {}", where_, reason)));
      }
      return;
  }
}

void KafkaTransport::Probe() {
  next_probe_ = SteadyClock::now() + kProbeInterval;
  const struct rd_kafka_metadata* metadata = nullptr;
  const rd_kafka_resp_err_t error =
      rdkafka_.metadata(producer(), /*all_topics=*/0, nullptr, &metadata, kProbeTimeoutMs);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ReportConnection(
        Unavailable(fmt::format("{}: no broker answers: {}", where_, rdkafka_.err2str(error))));
    return;
  }
  rdkafka_.metadata_destroy(metadata);
  if (!connected_.exchange(true)) ReportConnection(Status::Ok());
}

void KafkaTransport::ReceiveMessages() {
  std::vector<std::unique_ptr<rd_kafka_message_t, MessageDeleter>> taken;
  for (int i = 0; i < kMaxReceivedPerPass; ++i) {
    std::unique_ptr<rd_kafka_message_t, MessageDeleter> message(
        rdkafka_.consumer_poll(consumer_.get(), 0), MessageDeleter{&rdkafka_});
    if (message == nullptr) break;
    // Consumer errors are informational (an unknown topic, a broker away): librdkafka
    // recovers by itself, and the producer reports the brokers' state.
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    if (callbacks().received) {
      Message received;
      received.topic = WithoutTopicPrefix(
          message->rkt != nullptr ? rdkafka_.topic_name(message->rkt) : "", options_.topic_prefix);
      if (message->key != nullptr) {
        received.key.assign(static_cast<const char*>(message->key), message->key_len);
      }
      if (message->payload != nullptr) {
        received.payload.assign(static_cast<const char*>(message->payload), message->len);
      }
      callbacks().received(received);
    }
    taken.push_back(std::move(message));
  }
  if (taken.empty()) return;
  if (callbacks().settle) callbacks().settle();
  // Stores offset + 1, the next to read, for the background commit. A partition revoked
  // meanwhile refuses it (its new owner reads the message again: at least once).
  for (const auto& message : taken)
    rdkafka_.offset_store(message->rkt, message->partition, message->offset);
}

void KafkaTransport::DrainReports(rd_kafka_t* rk, std::optional<uint64_t> generation,
                                  SteadyClock::time_point until) {
  while (InFlightOf(generation) > 0 && SteadyClock::now() < until) {
    rdkafka_.poll(rk, kPollMs);
  }
}

void KafkaTransport::FailLeftovers(std::optional<uint64_t> generation, const Status& why) {
  std::vector<uint64_t> tokens;
  {
    MutexLock lock(mu_);
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
      if (!generation || it->second.generation == *generation) {
        tokens.push_back(it->second.token);
        it = in_flight_.erase(it);
      } else {
        ++it;
      }
    }
  }
  ReportFailed(std::move(tokens), why);
}

void KafkaTransport::ReplaceProducer() {
  fatal_ = false;
  rd_kafka_t* old = producer();
  std::array<char, kErrorTextBytes> reason{};
  const rd_kafka_resp_err_t error = rdkafka_.fatal_error(old, reason.data(), reason.size());
  connected_.store(false);
  ReportConnection(Unavailable(
      fmt::format("{}: the idempotent producer failed for good ({}: {}); starting a new one",
                  where_, rdkafka_.err2name(error), reason.data())));
  auto fresh = NewProducer();
  if (!fresh.ok()) {  // cannot happen: the same options made the first one
    ReportConnection(fresh.status());
    return;
  }
  // The new producer takes over at once; every message the old one holds then gets its
  // report (purged), and the old one goes.
  HandlePtr retired;
  uint64_t old_generation = 0;
  {
    MutexLock lock(mu_);
    retired = std::exchange(producer_, std::move(*fresh));
    old_generation = generation_++;
  }
  rdkafka_.purge(old, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  DrainReports(old, old_generation, SteadyClock::now() + kPurgeDrain);
  retired.reset();
  FailLeftovers(
      old_generation,
      Unavailable(fmt::format("{}: the producer failed before it reported the message", where_)));
  next_probe_ = SteadyClock::now();
}

void KafkaTransport::CloseConsumer(SteadyClock::time_point until) {
  rd_kafka_queue_t* queue = rdkafka_.queue_new(consumer_.get());
  rd_kafka_error_t* error = rdkafka_.consumer_close_queue(consumer_.get(), queue);
  if (error != nullptr) {
    rdkafka_.error_destroy(error);
  } else {
    while (rdkafka_.consumer_closed(consumer_.get()) == 0 && SteadyClock::now() < until) {
      if (rd_kafka_event_t* event = rdkafka_.queue_poll(queue, kPollMs)) {
        rdkafka_.event_destroy(event);
      }
    }
  }
  rdkafka_.queue_destroy(queue);
}

void KafkaTransport::FinishClose() {
  rd_kafka_t* rk = producer();
  rdkafka_.purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  DrainReports(rk, std::nullopt, SteadyClock::now() + kPurgeDrain);
  FailLeftovers(
      std::nullopt,
      Status(StatusCode::kCancelled,
             fmt::format("{}: transport closed before the message was reported", where_)));
  if (consumer_ != nullptr) {
    CloseConsumer(CloseGraceEnd(kConsumerCloseGrace));
  }
  connected_.store(false);
}

void KafkaTransport::Run() {
  while (true) {
    rdkafka_.poll(producer(), kPollMs);  // delivery reports and errors
    if (consumer_ != nullptr) ReceiveMessages();
    if (fatal_) ReplaceProducer();
    if (!connected_.load() && SteadyClock::now() >= next_probe_) Probe();
    if (CloseDue()) break;
  }
  FinishClose();
}

}  // namespace

Status ValidateKafkaOptions(const KafkaOptions& options) {
  if (options.brokers.empty()) return InvalidArgument("kafka.brokers: empty");
  if (options.message_timeout_ms < 0) {
    return InvalidArgument(
        fmt::format("kafka.message_timeout_ms: {} is negative", options.message_timeout_ms));
  }
  if (options.max_inflight < 1) {
    return InvalidArgument(
        fmt::format("kafka.max_inflight: {} is not positive", options.max_inflight));
  }
  if (!ValidTopicChars(options.topic_prefix)) {
    return InvalidArgument(
        fmt::format("kafka.topic_prefix: {:?} may hold only [A-Za-z0-9._-]", options.topic_prefix));
  }
  // The properties are librdkafka's to check: from here on, it must be loaded.
  auto rdkafka = LoadRdKafka();
  if (!rdkafka.ok()) return rdkafka.status();
  if (auto conf = ProducerConf(**rdkafka, options); !conf.ok()) return conf.status();
  if (!options.consumer_group.empty()) {
    if (auto conf = ConsumerConf(**rdkafka, options); !conf.ok()) return conf.status();
  } else if (!options.consumer_extra.empty()) {
    return InvalidArgument("kafka.consumer_extra: set, but no kafka.consumer_group to use it");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Transport>> MakeKafkaTransport(const KafkaOptions& options) {
  if (Status s = ValidateKafkaOptions(options); !s.ok()) return s;
  auto rdkafka = LoadRdKafka();  // loaded by ValidateKafkaOptions: this only looks it up
  if (!rdkafka.ok()) return rdkafka.status();
  auto transport = std::make_unique<KafkaTransport>(**rdkafka, options);
  if (Status s = transport->Init(); !s.ok()) return s;
  return std::unique_ptr<Transport>(std::move(transport));
}

Status RaiseKafkaFatalErrorForTesting(Transport& transport, std::string_view reason) {
  auto* kafka = dynamic_cast<KafkaTransport*>(&transport);
  if (kafka == nullptr)
    return InvalidArgument("RaiseKafkaFatalErrorForTesting: not a Kafka transport");
  return kafka->RaiseFatalErrorForTesting(reason);
}

}  // namespace coolflow::transport
