// What the broker transports (mqtt/, kafka/) share: the one thread of their own that runs the
// client library's loop and every callback, its life from Start to Close, and the reports that
// thread makes through the Callbacks. Each transport derives from BrokerTransport and adds
// its client library.
//
// Life: new → running (Start starts the thread) → closing (Close sets a deadline and waits for
// the thread to end) → closed. A transport closed before Start never has a thread.
//
// Contract for a derived transport:
// - Run() is the thread's body: it loops until CloseDue(), then reports every message still in
//   flight (ReportFailed) and returns. No callback may run after Run returns.
// - Its destructor calls Close(0): the thread uses the derived object, which must still exist
//   while the thread is stopped. (A transport destroyed with its thread running terminates.)
// - It guards its record of messages in flight with mu_, and Publish checks CheckRunning()
//   and records the message under one hold of mu_: a message is then either refused, or on
//   record before Close moves the phase on, so the thread reports it before it ends.
//
// Thread safety: Start, Close, connected(), in_flight() and CloseDue() may be called from
// any thread; Pause, ReportConnection, ReportFailed and callbacks() are for the transport's
// thread only. mu_ guards the phase and Close's deadline, and the derived transport's state
// shared with callers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "common/thread_annotations.h"
#include "transport/transport.h"

namespace coolflow::transport {

class BrokerTransport : public Transport {
 public:
  ~BrokerTransport() override = default;

  BrokerTransport(const BrokerTransport&) = delete;
  BrokerTransport& operator=(const BrokerTransport&) = delete;

  // InvalidArgument without a delivered callback, AlreadyExists when started before;
  // otherwise starts the thread (Run).
  Status Start(Callbacks callbacks) final;
  bool connected() const final { return connected_.load(); }
  // Moves to closing with a deadline `timeout_ms` from now, wakes a Pause, and waits for the
  // thread to end. Concurrent and repeated calls each return once the thread has ended.
  void Close(int timeout_ms) final;

 protected:
  using SteadyClock = std::chrono::steady_clock;

  // `name` ("mqtt", "kafka") starts the messages about the caller's mistakes; `where`
  // ("mqtt broker 127.0.0.1:1883") those about the broker and the transport's state.
  BrokerTransport(std::string_view name, std::string where);

  // The thread's body (see the contract above).
  virtual void Run() = 0;
  // Cuts short whatever the thread waits on outside Pause (the client library's network
  // wait), so it notices Close at once. Called by Close, from any thread; by default
  // nothing, for a thread whose waits are short anyway.
  virtual void Interrupt() {}

  // For Publish: Ok while running, else Unavailable "<where>: transport not started" or
  // "<where>: transport closed".
  Status CheckRunning() const COOLFLOW_REQUIRES(mu_);
  // For Subscribe: Unavailable "<where>: transport closed" once Close was called, else Ok.
  Status CheckNotClosed() const COOLFLOW_REQUIRES(mu_);

  // Whether Close was called.
  bool Closing() const COOLFLOW_EXCLUDES(mu_);
  // Whether Run should stop now: Close was called, and nothing is in flight or its deadline
  // has passed.
  bool CloseDue() const COOLFLOW_EXCLUDES(mu_);
  // `grace` past Close's deadline, or past now when that deadline has passed: when the
  // closing handshake (a DISCONNECT, leaving a consumer group) must give up.
  SteadyClock::time_point CloseGraceEnd(std::chrono::milliseconds grace) const
      COOLFLOW_EXCLUDES(mu_);
  // Waits `delay`, or less once Close was called (not past its deadline).
  void Pause(std::chrono::milliseconds delay) COOLFLOW_EXCLUDES(mu_);

  // Hands the connection's state to callbacks().connection, unless `status` is the same
  // failure as the one reported last (so a long outage does not flood the log).
  void ReportConnection(const Status& status);
  // delivered(token, why) for each of `tokens`, in token order.
  void ReportFailed(std::vector<uint64_t> tokens, const Status& why);
  // As given to Start; set before the thread starts, then read by the thread only.
  const Callbacks& callbacks() const { return callbacks_; }

  const std::string where_;
  // Whether the broker connection is up (connected()); written by the derived transport.
  std::atomic<bool> connected_{false};
  mutable Mutex mu_;

 private:
  enum class Phase { kNew, kRunning, kClosing, kClosed };

  const std::string name_;
  Callbacks callbacks_;
  std::thread thread_;
  // Serialises Close callers, so each returns only after the thread has ended.
  std::mutex close_mu_;
  std::condition_variable wake_;  // signalled when Close is called
  Phase phase_ COOLFLOW_GUARDED_BY(mu_) = Phase::kNew;
  SteadyClock::time_point close_deadline_ COOLFLOW_GUARDED_BY(mu_);
  // Used by the thread only: the last failure reported, to skip repeats.
  std::optional<std::string> last_failure_;
};

// `topic` without `prefix` when it starts with it, else as it is: a received message's topic
// as the caller named it to Subscribe.
std::string WithoutTopicPrefix(std::string_view topic, std::string_view prefix);

}  // namespace coolflow::transport
