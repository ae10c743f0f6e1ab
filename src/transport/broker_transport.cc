#include "transport/broker_transport.h"

#include <algorithm>
#include <utility>

#include "fmt/format.h"

namespace coolflow::transport {

using Milliseconds = std::chrono::milliseconds;

BrokerTransport::BrokerTransport(std::string_view name, std::string where)
    : where_(std::move(where)), name_(name) {}

Status BrokerTransport::Start(Callbacks callbacks) {
  if (!callbacks.delivered) {
    return InvalidArgument(fmt::format("{} transport Start: no delivered callback", name_));
  }
  MutexLock lock(mu_);
  if (phase_ != Phase::kNew) {
    return {StatusCode::kAlreadyExists, fmt::format("{}: transport already started", where_)};
  }
  callbacks_ = std::move(callbacks);
  phase_ = Phase::kRunning;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void BrokerTransport::Close(int timeout_ms) {
  std::lock_guard close_lock(close_mu_);
  {
    MutexLock lock(mu_);
    if (phase_ == Phase::kNew) phase_ = Phase::kClosed;
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosing;
    close_deadline_ = SteadyClock::now() + Milliseconds(std::max(timeout_ms, 0));
  }
  wake_.notify_all();
  Interrupt();
  thread_.join();
  MutexLock lock(mu_);
  phase_ = Phase::kClosed;
}

bool BrokerTransport::Closing() const {
  MutexLock lock(mu_);
  return phase_ == Phase::kClosing || phase_ == Phase::kClosed;
}

Status BrokerTransport::CheckRunning() const {
  if (phase_ == Phase::kRunning) return Status::Ok();
  return Unavailable(
      fmt::format("{}: transport {}", where_, phase_ == Phase::kNew ? "not started" : "closed"));
}

Status BrokerTransport::CheckNotClosed() const {
  if (phase_ == Phase::kClosing || phase_ == Phase::kClosed) {
    return Unavailable(fmt::format("{}: transport closed", where_));
  }
  return Status::Ok();
}

bool BrokerTransport::CloseDue() const {
  SteadyClock::time_point deadline;
  {
    MutexLock lock(mu_);
    if (phase_ != Phase::kClosing) return false;
    deadline = close_deadline_;
  }
  return in_flight() == 0 || SteadyClock::now() >= deadline;
}

BrokerTransport::SteadyClock::time_point BrokerTransport::CloseGraceEnd(Milliseconds grace) const {
  MutexLock lock(mu_);
  return std::max(close_deadline_, SteadyClock::now()) + grace;
}

void BrokerTransport::Pause(Milliseconds delay) {
  const SteadyClock::time_point until = SteadyClock::now() + delay;
  MutexLock lock(mu_);
  while (true) {
    SteadyClock::time_point limit = until;
    if (phase_ == Phase::kClosing) limit = std::min(limit, close_deadline_);
    if (SteadyClock::now() >= limit) return;
    lock.WaitUntil(wake_, limit);
  }
}

void BrokerTransport::ReportConnection(const Status& status) {
  if (status.ok()) {
    last_failure_.reset();
  } else {
    std::string text = status.ToString();
    if (last_failure_ == text) return;
    last_failure_ = std::move(text);
  }
  if (callbacks_.connection) callbacks_.connection(status);
}

void BrokerTransport::ReportFailed(std::vector<uint64_t> tokens, const Status& why) {
  std::sort(tokens.begin(), tokens.end());
  for (const uint64_t token : tokens)
    callbacks_.delivered(token, why);
}

std::string WithoutTopicPrefix(std::string_view topic, std::string_view prefix) {
  if (topic.starts_with(prefix)) topic.remove_prefix(prefix.size());
  return std::string(topic);
}

}  // namespace coolflow::transport
