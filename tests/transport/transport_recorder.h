// What the transport tests (mqtt/, kafka/) share: a recorder of every callback one transport
// makes, which tests wait on for a condition, and starting a transport with it.
//
//   TransportRecorder agent;
//   auto transport = StartTransport(MakeMqttTransport(options), agent);
//   ASSERT_TRUE(WaitConnected(agent));
//   ASSERT_TRUE(agent.WaitFor([&] { return agent.delivered_count_locked() == 1; }));
//
// Thread safety: the callbacks run on the transport's thread and the accessors on the test's;
// the recorder's own mutex guards what it holds. The *_locked accessors are for WaitFor and
// RetryUntil predicates only, which run with that mutex held.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "common/status.h"
#include "transport/transport.h"

namespace coolflow::testing {

// Generous for ASan on a busy 2-core machine; the happy paths take well under a second.
inline constexpr std::chrono::milliseconds kTransportWait{30'000};

class TransportRecorder {
 public:
  // Callbacks that record into this recorder, which must outlive the transport's use of them.
  transport::Callbacks callbacks() {
    transport::Callbacks callbacks;
    callbacks.delivered = [this](uint64_t token, const Status& outcome) {
      std::lock_guard lock(mu_);
      delivered_[token].push_back(outcome);
      cv_.notify_all();
    };
    callbacks.received = [this](const transport::Message& message) {
      std::lock_guard lock(mu_);
      received_.push_back(message);
      cv_.notify_all();
    };
    callbacks.connection = [this](const Status& state) {
      std::lock_guard lock(mu_);
      connection_.push_back(state);
      cv_.notify_all();
    };
    return callbacks;
  }

  // Waits until `done()` (called under the recorder's lock) holds; false on timeout.
  template <typename Predicate>
  bool WaitFor(Predicate done, std::chrono::milliseconds timeout = kTransportWait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, done);
  }

  // Calls `probe()` (outside the lock) every `interval` until `done()` holds, for conditions
  // the recorder is not told about directly; false on timeout.
  template <typename Probe, typename Predicate>
  bool RetryUntil(Probe probe, Predicate done, std::chrono::milliseconds interval,
                  std::chrono::milliseconds timeout = kTransportWait) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      probe();
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, interval, done)) return true;
    }
    return false;
  }

  std::map<uint64_t, std::vector<Status>> delivered() {
    std::lock_guard lock(mu_);
    return delivered_;
  }
  std::vector<transport::Message> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  std::vector<Status> connection() {
    std::lock_guard lock(mu_);
    return connection_;
  }

  // Under the lock (inside WaitFor and RetryUntil predicates):
  size_t delivered_count_locked() const { return delivered_.size(); }
  bool delivered_locked(uint64_t token) const { return delivered_.count(token) > 0; }
  size_t received_count_locked() const { return received_.size(); }
  const std::vector<transport::Message>& received_locked() const { return received_; }
  const std::vector<Status>& connection_locked() const { return connection_; }
  bool last_connection_ok_locked() const { return !connection_.empty() && connection_.back().ok(); }
  bool last_connection_down_locked() const {
    return !connection_.empty() && !connection_.back().ok();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, std::vector<Status>> delivered_;
  std::vector<transport::Message> received_;
  std::vector<Status> connection_;
};

// Starts the transport that `made` holds with `recorder`'s callbacks; null (after a test
// failure naming why) when it could not be made or started.
inline std::unique_ptr<transport::Transport> StartTransport(
    Result<std::unique_ptr<transport::Transport>> made, TransportRecorder& recorder) {
  EXPECT_TRUE(made.ok()) << made.status().ToString();
  if (!made.ok()) return nullptr;
  const Status started = (*made)->Start(recorder.callbacks());
  EXPECT_TRUE(started.ok()) << started.ToString();
  return std::move(*made);
}

// Waits until the last connection report says the connection is up; false on timeout.
inline bool WaitConnected(TransportRecorder& recorder) {
  return recorder.WaitFor([&] { return recorder.last_connection_ok_locked(); });
}

}  // namespace coolflow::testing
