#include "transport/mqtt/mqtt_transport.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/thread_annotations.h"
#include "fmt/format.h"
#include "transport/broker_transport.h"

namespace coolflow::transport {
namespace {

using Milliseconds = std::chrono::milliseconds;

constexpr int kQos = 1;
constexpr int kMinKeepaliveS = 5;       // libmosquitto refuses less
constexpr int kMaxKeepaliveS = 65'535;  // a 16-bit field in CONNECT
constexpr int kMaxPort = 65'535;
constexpr int kMaxInflight = 65'535;  // MQTT packet ids are 16-bit
constexpr size_t kMaxClientIdBytes = 65'535;
constexpr size_t kMaxPayloadBytes = 268'435'455;  // MQTT's largest remaining length
// One pass of the network loop waits this long for traffic when there is nothing to do
// (Publish, Subscribe and Close wake it at once): it bounds how late a connect attempt that
// hangs is noticed, and keeps an idle agent asleep.
constexpr int kIdleLoopTimeoutMs = 1'000;
// While closing, the pass is shorter: Close's deadline is near.
constexpr int kClosingLoopTimeoutMs = 100;
// libmosquitto 2.0 ignores its max_packets argument.
constexpr int kLoopMaxPackets = 1;
// At most this many messages already waiting on the socket are read in one pass, so that one
// Callbacks::settle covers them (the broker sends up to its max_inflight_messages before it
// waits for PUBACKs).
constexpr int kMaxReceivedPerPass = 1'000;
// After Close's deadline, the time left to write the offline status and DISCONNECT.
constexpr Milliseconds kDisconnectGrace{1'000};
// CA directory used when TLS is on and no ca_file is given (Debian's ca-certificates).
constexpr const char* kSystemCaPath = "/etc/ssl/certs";

std::string ErrnoText(int err) {
  return std::error_code(err, std::generic_category()).message();
}

void InitLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

struct MosquittoDeleter {
  void operator()(mosquitto* mosq) const { mosquitto_destroy(mosq); }
};

// An eventfd that wakes the transport's thread from poll(2): Signal from any thread, Drain on
// the thread.
class WakeFd {
 public:
  WakeFd() = default;
  ~WakeFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  WakeFd(const WakeFd&) = delete;
  WakeFd& operator=(const WakeFd&) = delete;

  Status Open() {
    fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd_ < 0) return Internal(fmt::format("eventfd: {}", ErrnoText(errno)));
    return Status::Ok();
  }
  int fd() const { return fd_; }
  void Signal() const {
    const uint64_t one = 1;
    // Only fails when the counter is saturated, and then a wake-up is pending anyway.
    [[maybe_unused]] const ssize_t n = ::write(fd_, &one, sizeof one);
  }
  void Drain() const {
    uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = ::read(fd_, &count, sizeof count);
  }

 private:
  int fd_ = -1;
};

bool ValidUtf8(const std::string& text) {
  return mosquitto_validate_utf8(text.c_str(), static_cast<int>(text.size())) == MOSQ_ERR_SUCCESS;
}

Status CheckReadable(std::string_view field, const std::string& path) {
  if (path.empty()) return InvalidArgument(fmt::format("{}: empty path", field));
  if (::access(path.c_str(), R_OK) != 0) {
    return InvalidArgument(fmt::format("{}: cannot read {}: {}", field, path, ErrnoText(errno)));
  }
  return Status::Ok();
}

// Exponential backoff between connect attempts, in milliseconds.
class Backoff {
 public:
  Backoff(int min_ms, int max_ms) : min_ms_(min_ms), max_ms_(max_ms), next_ms_(min_ms) {}
  Milliseconds Next() {
    const int delay = next_ms_;
    next_ms_ = static_cast<int>(std::min<int64_t>(int64_t{next_ms_} * 2, max_ms_));
    return Milliseconds(delay);
  }
  void Reset() { next_ms_ = min_ms_; }

 private:
  int min_ms_;
  int max_ms_;
  int next_ms_;
};

// Why a CONNACK refused the connection (MQTT 3.1.1 return codes 1-5).
Status RefusalStatus(std::string_view where, int rc) {
  const std::string text =
      fmt::format("{}: the broker refused the connection: {}", where, mosquitto_connack_string(rc));
  switch (rc) {
    // Mosquitto answers a wrong password with "not authorised" (5), not 4.
    case CONNACK_REFUSED_BAD_USERNAME_PASSWORD:
      return {StatusCode::kUnauthenticated, text + " (check mqtt.username and mqtt.password)"};
    case CONNACK_REFUSED_NOT_AUTHORIZED:
      return {StatusCode::kPermissionDenied, text + " (check mqtt.username and mqtt.password)"};
    case CONNACK_REFUSED_IDENTIFIER_REJECTED:
      return InvalidArgument(text);
    default:
      return Unavailable(text);
  }
}

class MqttTransport final : public BrokerTransport {
 public:
  explicit MqttTransport(const MqttOptions& options)
      : BrokerTransport("mqtt", fmt::format("mqtt broker {}:{}", options.host, options.port)),
        options_(options),
        status_topic_(options.status_topic.empty() ? ""
                                                   : options.topic_prefix + options.status_topic),
        backoff_(options.reconnect_min_ms, options.reconnect_max_ms) {}

  ~MqttTransport() override { Close(0); }

  Status Init();

  Status Publish(const Message& message, uint64_t token) override;
  Status Subscribe(std::string_view topic) override;
  size_t in_flight() const override;

 private:
  // libmosquitto's callbacks; they run on the transport's thread, inside mosquitto_loop.
  static void OnConnect(mosquitto* mosq, void* self, int rc);
  static void OnDisconnect(mosquitto* mosq, void* self, int rc);
  static void OnPublish(mosquitto* mosq, void* self, int mid);
  static void OnMessage(mosquitto* mosq, void* self, const mosquitto_message* message);
  static void OnLog(mosquitto* mosq, void* self, int level, const char* text);

  void HandleConnect(int rc);
  void HandlePublished(int mid);
  void HandleMessage(const mosquitto_message& message);

  // The transport's thread: connect, run the network loop, reconnect with backoff, and at
  // the end the closing handshake.
  void Run() override;
  void Interrupt() override { wake_.Signal(); }
  // One pass of the network loop: mosquitto_loop's work, with the wait in poll(2) on the
  // broker's socket and wake_, so that other threads can cut it short. Returns its MOSQ_ERR.
  int LoopOnce(int timeout_ms);
  void FinishClose();
  void ConnectionEnded(int rc);
  void ReportAbandoned() COOLFLOW_EXCLUDES(mu_);
  std::string TakeErrorLog();

  const MqttOptions options_;  // holds the password: never formatted
  const std::string status_topic_;
  std::unique_ptr<mosquitto, MosquittoDeleter> mosq_;
  // Signalled when a packet is queued from another thread, and by Close.
  WakeFd wake_;

  // Messages handed to libmosquitto and not yet acknowledged, by MQTT packet id.
  std::unordered_map<int, uint64_t> tokens_by_mid_ COOLFLOW_GUARDED_BY(mu_);
  // Tokens whose packet id libmosquitto handed out again while they were in flight (after
  // 65535 later messages): they are reported as failed.
  std::vector<uint64_t> abandoned_ COOLFLOW_GUARDED_BY(mu_);
  std::vector<std::string> subscriptions_ COOLFLOW_GUARDED_BY(mu_);  // full topic filters

  // libmosquitto's error log lines since the last connect attempt (TLS failures are only
  // explained there). Its own mutex: libmosquitto logs from Publish, under mu_.
  std::mutex log_mu_;
  std::string error_log_;

  // Used by the thread only.
  Backoff backoff_;
  std::optional<Status> refusal_;  // a CONNACK refusal, reported when the attempt ends
  int received_in_pass_ = 0;       // messages handed to `received` in this loop pass
};

Status MqttTransport::Init() {
  InitLibraryOnce();
  if (Status s = wake_.Open(); !s.ok()) return Internal(fmt::format("{}: {}", where_, s.message()));
  mosq_.reset(mosquitto_new(options_.client_id.empty() ? nullptr : options_.client_id.c_str(),
                            options_.clean_session, this));
  if (mosq_ == nullptr)
    return Internal(fmt::format("{}: mosquitto_new: {}", where_, ErrnoText(errno)));
  mosquitto* mosq = mosq_.get();
  mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  // One more than the caller's window: the status message may be in flight too.
  mosquitto_int_option(mosq, MOSQ_OPT_SEND_MAXIMUM,
                       std::min(options_.max_inflight + 1, kMaxInflight));
  // Publish and Subscribe come from other threads than the one running the loop.
  mosquitto_threaded_set(mosq, true);
  mosquitto_connect_callback_set(mosq, &MqttTransport::OnConnect);
  mosquitto_disconnect_callback_set(mosq, &MqttTransport::OnDisconnect);
  mosquitto_publish_callback_set(mosq, &MqttTransport::OnPublish);
  mosquitto_message_callback_set(mosq, &MqttTransport::OnMessage);
  mosquitto_log_callback_set(mosq, &MqttTransport::OnLog);

  if (!options_.username.empty()) {
    const int rc =
        mosquitto_username_pw_set(mosq, options_.username.c_str(),
                                  options_.password.empty() ? nullptr : options_.password.c_str());
    if (rc != MOSQ_ERR_SUCCESS) {
      return InvalidArgument(fmt::format("mqtt.username: {}", mosquitto_strerror(rc)));
    }
  }
  if (options_.tls.enabled) {
    const MqttTlsOptions& tls = options_.tls;
    if (tls.ca_file.empty()) mosquitto_int_option(mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
    const int rc =
        mosquitto_tls_set(mosq, tls.ca_file.empty() ? nullptr : tls.ca_file.c_str(),
                          tls.ca_file.empty() ? kSystemCaPath : nullptr,
                          tls.cert_file.empty() ? nullptr : tls.cert_file.c_str(),
                          tls.key_file.empty() ? nullptr : tls.key_file.c_str(), nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      return InvalidArgument(
          fmt::format("mqtt.tls: libmosquitto refused the TLS files: {}", mosquitto_strerror(rc)));
    }
  }
  if (!status_topic_.empty()) {
    const int rc = mosquitto_will_set(mosq, status_topic_.c_str(),
                                      static_cast<int>(options_.offline_payload.size()),
                                      options_.offline_payload.data(), kQos, /*retain=*/true);
    if (rc != MOSQ_ERR_SUCCESS) {
      return InvalidArgument(fmt::format("mqtt.status_topic {:?}: cannot be the last will: {}",
                                         status_topic_, mosquitto_strerror(rc)));
    }
  }
  return Status::Ok();
}

Status MqttTransport::Publish(const Message& message, uint64_t token) {
  if (message.topic.empty()) return InvalidArgument("mqtt publish: empty topic");
  if (message.payload.size() > kMaxPayloadBytes) {
    return InvalidArgument(
        fmt::format("mqtt publish to {:?}: payload of {} bytes exceeds MQTT's {}", message.topic,
                    message.payload.size(), kMaxPayloadBytes));
  }
  const std::string topic = options_.topic_prefix + message.topic;
  MutexLock lock(mu_);
  if (Status s = CheckRunning(); !s.ok()) return s;
  if (!connected_.load()) return Unavailable(fmt::format("{}: not connected", where_));
  if (tokens_by_mid_.size() >= static_cast<size_t>(options_.max_inflight)) {
    return {
        StatusCode::kResourceExhausted,
        fmt::format("{}: {} messages already await their PUBACK", where_, tokens_by_mid_.size())};
  }
  // mu_ is held across the call so the PUBACK (handled on the thread, under mu_) cannot
  // arrive before the packet id is on record.
  int mid = 0;
  const int rc =
      mosquitto_publish(mosq_.get(), &mid, topic.c_str(), static_cast<int>(message.payload.size()),
                        message.payload.data(), kQos, /*retain=*/false);
  switch (rc) {
    case MOSQ_ERR_SUCCESS:
      break;
    case MOSQ_ERR_INVAL:
    case MOSQ_ERR_MALFORMED_UTF8:
      return InvalidArgument(
          fmt::format("mqtt publish: {:?} is not a valid MQTT topic name", topic));
    case MOSQ_ERR_PAYLOAD_SIZE:
    case MOSQ_ERR_OVERSIZE_PACKET:
      return InvalidArgument(fmt::format("mqtt publish to {:?}: message too large: {}", topic,
                                         mosquitto_strerror(rc)));
    case MOSQ_ERR_NOMEM:
      return {StatusCode::kResourceExhausted, fmt::format("{}: out of memory", where_)};
    default:
      return Unavailable(
          fmt::format("{}: publish to {:?}: {}", where_, topic, mosquitto_strerror(rc)));
  }
  wake_.Signal();  // the loop thread writes the packet
  auto [it, inserted] = tokens_by_mid_.try_emplace(mid, token);
  if (!inserted) {
    abandoned_.push_back(it->second);
    it->second = token;
  }
  return Status::Ok();
}

Status MqttTransport::Subscribe(std::string_view topic) {
  if (topic.empty()) return InvalidArgument("mqtt subscribe: empty topic filter");
  const std::string filter = options_.topic_prefix + std::string(topic);
  if (!ValidUtf8(filter) || mosquitto_sub_topic_check(filter.c_str()) != MOSQ_ERR_SUCCESS) {
    return InvalidArgument(fmt::format("mqtt subscribe: {:?} is not a valid topic filter", filter));
  }
  {
    MutexLock lock(mu_);
    if (Status s = CheckNotClosed(); !s.ok()) return s;
    if (std::find(subscriptions_.begin(), subscriptions_.end(), filter) != subscriptions_.end()) {
      return Status::Ok();
    }
    subscriptions_.push_back(filter);
  }
  // Recorded first, then checked: either the connect handler (which sets connected_ before
  // it reads the list) sees the filter, or this call sees connected_ and subscribes itself.
  if (!connected_.load()) return Status::Ok();
  const int rc = mosquitto_subscribe(mosq_.get(), nullptr, filter.c_str(), kQos);
  wake_.Signal();
  if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
    return Unavailable(
        fmt::format("{}: subscribe {:?}: {}", where_, filter, mosquitto_strerror(rc)));
  }
  return Status::Ok();  // when the connection just dropped, the next connect subscribes
}

size_t MqttTransport::in_flight() const {
  MutexLock lock(mu_);
  return tokens_by_mid_.size();
}

void MqttTransport::OnConnect(mosquitto* /*mosq*/, void* self, int rc) {
  static_cast<MqttTransport*>(self)->HandleConnect(rc);
}

void MqttTransport::OnDisconnect(mosquitto* /*mosq*/, void* /*self*/, int /*rc*/) {
  // The network loop returns the same error right after; Run handles it there.
}

void MqttTransport::OnPublish(mosquitto* /*mosq*/, void* self, int mid) {
  static_cast<MqttTransport*>(self)->HandlePublished(mid);
}

void MqttTransport::OnMessage(mosquitto* /*mosq*/, void* self, const mosquitto_message* message) {
  if (message != nullptr) static_cast<MqttTransport*>(self)->HandleMessage(*message);
}

void MqttTransport::OnLog(mosquitto* /*mosq*/, void* self, int level, const char* text) {
  if (level != MOSQ_LOG_ERR || text == nullptr) return;
  auto* transport = static_cast<MqttTransport*>(self);
  std::lock_guard lock(transport->log_mu_);
  if (!transport->error_log_.empty()) transport->error_log_ += "; ";
  transport->error_log_ += text;
}

std::string MqttTransport::TakeErrorLog() {
  std::lock_guard lock(log_mu_);
  return std::exchange(error_log_, {});
}

void MqttTransport::HandleConnect(int rc) {
  if (rc != 0) {
    refusal_ = RefusalStatus(where_, rc);
    return;
  }
  connected_.store(true);  // before reading subscriptions_: see Subscribe
  backoff_.Reset();
  TakeErrorLog();
  if (!status_topic_.empty()) {
    // Queued ahead of anything published after this callback; failure shows up as a lost
    // connection, which publishes the will ("offline") anyway.
    mosquitto_publish(mosq_.get(), nullptr, status_topic_.c_str(),
                      static_cast<int>(options_.online_payload.size()),
                      options_.online_payload.data(), kQos, /*retain=*/true);
  }
  std::vector<std::string> filters;
  {
    MutexLock lock(mu_);
    filters = subscriptions_;
  }
  for (const std::string& filter : filters) {
    mosquitto_subscribe(mosq_.get(), nullptr, filter.c_str(), kQos);
  }
  ReportConnection(Status::Ok());
}

void MqttTransport::HandlePublished(int mid) {
  std::optional<uint64_t> token;
  {
    MutexLock lock(mu_);
    auto it = tokens_by_mid_.find(mid);
    if (it == tokens_by_mid_.end()) return;  // the status message
    token = it->second;
    tokens_by_mid_.erase(it);
  }
  callbacks().delivered(*token, Status::Ok());
}

void MqttTransport::HandleMessage(const mosquitto_message& message) {
  if (!callbacks().received || message.topic == nullptr) return;
  Message received;
  received.topic = WithoutTopicPrefix(message.topic, options_.topic_prefix);
  if (message.payload != nullptr && message.payloadlen > 0) {
    received.payload.assign(static_cast<const char*>(message.payload),
                            static_cast<size_t>(message.payloadlen));
  }
  callbacks().received(received);
  ++received_in_pass_;
}

void MqttTransport::ReportAbandoned() {
  std::vector<uint64_t> tokens;
  {
    MutexLock lock(mu_);
    tokens.swap(abandoned_);
  }
  for (const uint64_t token : tokens) {
    callbacks().delivered(
        token, Internal(fmt::format("{}: libmosquitto reused the packet id of a message still "
                                    "in flight; publish it again",
                                    where_)));
  }
}

void MqttTransport::ConnectionEnded(int rc) {
  std::string reason = mosquitto_strerror(rc);
  if (std::string log = TakeErrorLog(); !log.empty()) reason += fmt::format(" ({})", log);
  if (connected_.exchange(false)) {
    refusal_.reset();
    ReportConnection(Unavailable(fmt::format("{}: connection lost: {}", where_, reason)));
  } else if (refusal_) {
    ReportConnection(*refusal_);
    refusal_.reset();
  } else {
    ReportConnection(Unavailable(fmt::format("{}: cannot connect: {}", where_, reason)));
  }
}

void MqttTransport::Run() {
  mosquitto* mosq = mosq_.get();
  // A connect attempt that gets no CONNACK in this time is given up (a host that drops
  // SYNs would otherwise hold it for the kernel's two-minute TCP timeout).
  const auto connect_timeout = std::chrono::seconds(options_.keepalive_s);
  bool first_attempt = true;
  bool attempting = false;  // libmosquitto holds a connection or an attempt at one
  SteadyClock::time_point attempt_started;
  while (true) {
    ReportAbandoned();
    if (CloseDue()) break;
    if (!attempting) {
      TakeErrorLog();
      const int rc = first_attempt ? mosquitto_connect_async(mosq, options_.host.c_str(),
                                                             options_.port, options_.keepalive_s)
                                   : mosquitto_reconnect_async(mosq);
      first_attempt = false;
      if (rc != MOSQ_ERR_SUCCESS) {
        ConnectionEnded(rc);
        Pause(backoff_.Next());
        continue;
      }
      attempting = true;
      attempt_started = SteadyClock::now();
    }
    const int rc = LoopOnce(Closing() ? kClosingLoopTimeoutMs : kIdleLoopTimeoutMs);
    if (rc == MOSQ_ERR_SUCCESS) {
      if (!connected_.load() && SteadyClock::now() - attempt_started > connect_timeout) {
        attempting = false;  // the next mosquitto_reconnect_async closes the socket
        ReportConnection(Unavailable(fmt::format("{}: cannot connect: no answer within {} s",
                                                 where_, options_.keepalive_s)));
        Pause(backoff_.Next());
      }
      continue;
    }
    attempting = false;
    ConnectionEnded(rc);
    Pause(backoff_.Next());
  }
  FinishClose();
}

// Whether `sock` has bytes to read right now.
bool SocketReadable(int sock) {
  pollfd fd{sock, POLLIN, 0};
  return ::poll(&fd, 1, 0) > 0 && (fd.revents & POLLIN) != 0;
}

int MqttTransport::LoopOnce(int timeout_ms) {
  mosquitto* mosq = mosq_.get();
  const int sock = mosquitto_socket(mosq);
  if (sock < 0) return MOSQ_ERR_NO_CONN;
  const auto want = static_cast<short>(POLLIN | (mosquitto_want_write(mosq) ? POLLOUT : 0));
  std::array<pollfd, 2> fds{{{sock, want, 0}, {wake_.fd(), POLLIN, 0}}};
  if (::poll(fds.data(), fds.size(), timeout_ms) < 0) {
    return errno == EINTR ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ERRNO;
  }
  bool write = (fds[0].revents & POLLOUT) != 0;
  if ((fds[1].revents & POLLIN) != 0) {
    wake_.Drain();
    write = true;  // another thread may have queued a packet since want_write was asked
  }
  if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
    // With mosquitto_threaded_set, a QoS 1 message's PUBACK is only queued while it is read;
    // it leaves in mosquitto_loop_write below, after settle.
    received_in_pass_ = 0;
    int rc = mosquitto_loop_read(mosq, kLoopMaxPackets);
    while (rc == MOSQ_ERR_SUCCESS && mosquitto_socket(mosq) >= 0 && received_in_pass_ > 0 &&
           received_in_pass_ < kMaxReceivedPerPass && SocketReadable(sock)) {
      rc = mosquitto_loop_read(mosq, kLoopMaxPackets);
    }
    if (received_in_pass_ > 0) {
      if (callbacks().settle) callbacks().settle();
      write = true;
    }
    if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(mosq) < 0) return rc;
  }
  if (write) {
    const int rc = mosquitto_loop_write(mosq, kLoopMaxPackets);
    if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(mosq) < 0) return rc;
  }
  return mosquitto_loop_misc(mosq);
}

void MqttTransport::FinishClose() {
  mosquitto* mosq = mosq_.get();
  if (connected_.load()) {
    // PUBLISH then DISCONNECT leave in this order on one TCP stream: the broker stores the
    // retained offline status before it sees the clean disconnect (which drops the will).
    if (!status_topic_.empty()) {
      mosquitto_publish(mosq, nullptr, status_topic_.c_str(),
                        static_cast<int>(options_.offline_payload.size()),
                        options_.offline_payload.data(), kQos, /*retain=*/true);
    }
    mosquitto_disconnect(mosq);
    const SteadyClock::time_point grace_end = CloseGraceEnd(kDisconnectGrace);
    while (mosquitto_socket(mosq) >= 0 && SteadyClock::now() < grace_end) {
      if (LoopOnce(kClosingLoopTimeoutMs) != MOSQ_ERR_SUCCESS) break;
    }
    connected_.store(false);
  }
  ReportAbandoned();
  std::vector<uint64_t> left;
  {
    MutexLock lock(mu_);
    for (const auto& [mid, token] : tokens_by_mid_)
      left.push_back(token);
    tokens_by_mid_.clear();
  }
  ReportFailed(std::move(left),
               Status(StatusCode::kCancelled,
                      fmt::format("{}: transport closed before the broker acknowledged the message",
                                  where_)));
}

}  // namespace

Status ValidateMqttOptions(const MqttOptions& options) {
  if (options.host.empty()) return InvalidArgument("mqtt.host: empty");
  if (options.port < 1 || options.port > kMaxPort) {
    return InvalidArgument(fmt::format("mqtt.port: {} is not in 1..{}", options.port, kMaxPort));
  }
  if (options.client_id.empty() && !options.clean_session) {
    return InvalidArgument(
        "mqtt.client_id: required with a persistent session (clean_session false)");
  }
  if (options.client_id.size() > kMaxClientIdBytes || !ValidUtf8(options.client_id)) {
    return InvalidArgument(
        fmt::format("mqtt.client_id: {:?} is not a valid MQTT client id", options.client_id));
  }
  if (!options.password.empty() && options.username.empty()) {
    return InvalidArgument("mqtt.password: set without mqtt.username (MQTT needs both)");
  }
  if (!ValidUtf8(options.username)) return InvalidArgument("mqtt.username: not valid UTF-8");
  if (options.keepalive_s < kMinKeepaliveS || options.keepalive_s > kMaxKeepaliveS) {
    return InvalidArgument(fmt::format("mqtt.keepalive_s: {} is not in {}..{}", options.keepalive_s,
                                       kMinKeepaliveS, kMaxKeepaliveS));
  }
  if (options.max_inflight < 1 || options.max_inflight > kMaxInflight) {
    return InvalidArgument(
        fmt::format("mqtt.max_inflight: {} is not in 1..{}", options.max_inflight, kMaxInflight));
  }
  if (options.reconnect_min_ms < 1) {
    return InvalidArgument(
        fmt::format("mqtt.reconnect_min_ms: {} is not positive", options.reconnect_min_ms));
  }
  if (options.reconnect_max_ms < options.reconnect_min_ms) {
    return InvalidArgument(fmt::format("mqtt.reconnect_max_ms: {} is below reconnect_min_ms {}",
                                       options.reconnect_max_ms, options.reconnect_min_ms));
  }
  if (!ValidUtf8(options.topic_prefix) ||
      options.topic_prefix.find_first_of("+#") != std::string::npos) {
    return InvalidArgument(fmt::format(
        "mqtt.topic_prefix: {:?} must be valid UTF-8 without wildcards", options.topic_prefix));
  }
  if (!options.status_topic.empty()) {
    const std::string topic = options.topic_prefix + options.status_topic;
    if (!ValidUtf8(topic) || mosquitto_pub_topic_check(topic.c_str()) != MOSQ_ERR_SUCCESS) {
      return InvalidArgument(
          fmt::format("mqtt.status_topic: {:?} is not a valid MQTT topic name", topic));
    }
  }
  const MqttTlsOptions& tls = options.tls;
  if (!tls.enabled) {
    if (!tls.ca_file.empty() || !tls.cert_file.empty() || !tls.key_file.empty()) {
      return InvalidArgument("mqtt.tls: files given but mqtt.tls.enabled is false");
    }
    return Status::Ok();
  }
  if (!tls.ca_file.empty()) {
    if (Status s = CheckReadable("mqtt.tls.ca_file", tls.ca_file); !s.ok()) return s;
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return InvalidArgument("mqtt.tls: cert_file and key_file go together");
  }
  if (!tls.cert_file.empty()) {
    if (Status s = CheckReadable("mqtt.tls.cert_file", tls.cert_file); !s.ok()) return s;
    if (Status s = CheckReadable("mqtt.tls.key_file", tls.key_file); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<std::unique_ptr<Transport>> MakeMqttTransport(const MqttOptions& options) {
  if (Status s = ValidateMqttOptions(options); !s.ok()) return s;
  auto transport = std::make_unique<MqttTransport>(options);
  if (Status s = transport->Init(); !s.ok()) return s;
  return std::unique_ptr<Transport>(std::move(transport));
}

}  // namespace coolflow::transport
