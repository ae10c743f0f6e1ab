// The notifier thread: a bounded queue of notifications and one thread that sends them, so
// a slow or vanished peer never holds up the alert engine's evaluation.
//
// Policy (Envoy's: a likely error is counted and logged, never fatal):
//  - Enqueue never blocks; when the queue is full the notification is dropped and counted.
//  - A failed send is retried `retries` times with a doubling backoff (waits that Stop
//    interrupts); then it counts as failed.
//  - A notifier's first failure is logged (warning); later ones only count until a send
//    succeeds again, which is logged once (info).
//
// Thread safety: Enqueue, stats, WaitIdle and Stop may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/thread_annotations.h"
#include "hub/alerts/notifier.h"

namespace coolflow::hub::alerts {

struct NotifierStats {
  std::string name;
  uint64_t sent = 0;       // notifications delivered
  uint64_t failed = 0;     // given up after every retry
  uint64_t retried = 0;    // attempts after a failure
  uint64_t dropped = 0;    // not queued: the queue was full
  std::string last_error;  // "" after a success
};

class Dispatcher {
 public:
  struct Target {
    NotifierSpec spec;  // name, min_severity, retries, retry_backoff
    std::unique_ptr<Notifier> notifier;
  };

  Dispatcher(std::vector<Target> targets, size_t queue_size);
  // Stops the thread; notifications still queued are dropped.
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Queues `n` for every notifier whose min_severity it reaches (alerts below it are left
  // out of that notifier's copy). Never blocks.
  void Enqueue(const Notification& n) COOLFLOW_EXCLUDES(mu_);

  std::vector<NotifierStats> stats() const COOLFLOW_EXCLUDES(mu_);

  // Blocks until the queue is empty and no send is under way, or `timeout` passes; true when
  // idle. For tests and shutdown.
  bool WaitIdle(std::chrono::milliseconds timeout) COOLFLOW_EXCLUDES(mu_);

  void Stop() COOLFLOW_EXCLUDES(mu_);

 private:
  struct Job {
    size_t target;
    Notification notification;
  };
  void Run() COOLFLOW_EXCLUDES(mu_);

  std::vector<Target> targets_;
  const size_t queue_size_;

  mutable Mutex mu_;
  std::condition_variable cv_;       // work queued, or stopping
  std::condition_variable idle_cv_;  // the queue drained
  std::deque<Job> queue_ COOLFLOW_GUARDED_BY(mu_);
  std::vector<NotifierStats> stats_ COOLFLOW_GUARDED_BY(mu_);
  std::vector<bool> failing_ COOLFLOW_GUARDED_BY(mu_);
  bool busy_ COOLFLOW_GUARDED_BY(mu_) = false;
  bool stopping_ COOLFLOW_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace coolflow::hub::alerts
