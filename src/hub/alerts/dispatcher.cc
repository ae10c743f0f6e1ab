#include "hub/alerts/dispatcher.h"

#include <algorithm>
#include <utility>

#include "spdlog/spdlog.h"

namespace coolflow::hub::alerts {

Dispatcher::Dispatcher(std::vector<Target> targets, size_t queue_size)
    : targets_(std::move(targets)), queue_size_(queue_size) {
  {
    MutexLock lock(mu_);
    for (const Target& t : targets_) {
      NotifierStats stats;
      stats.name = t.spec.name;
      stats_.push_back(std::move(stats));
    }
    failing_.assign(targets_.size(), false);
  }
  thread_ = std::thread([this] { Run(); });
}

Dispatcher::~Dispatcher() {
  Stop();
}

void Dispatcher::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  idle_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::Enqueue(const Notification& n) {
  bool queued = false;
  {
    MutexLock lock(mu_);
    if (stopping_) return;
    for (size_t t = 0; t < targets_.size(); ++t) {
      Notification copy;
      copy.level = n.level;
      copy.group = n.group;
      copy.time = n.time;
      copy.repeat = n.repeat;
      for (const Alert& a : n.alerts) {
        if (a.severity >= targets_[t].spec.min_severity) copy.alerts.push_back(a);
      }
      if (copy.alerts.empty()) continue;
      if (queue_.size() >= queue_size_) {
        ++stats_[t].dropped;
        continue;
      }
      queue_.push_back({t, std::move(copy)});
      queued = true;
    }
  }
  if (queued) cv_.notify_one();
}

std::vector<NotifierStats> Dispatcher::stats() const {
  MutexLock lock(mu_);
  return stats_;
}

bool Dispatcher::WaitIdle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(mu_);
  while (!queue_.empty() || busy_) {
    if (stopping_) return queue_.empty() && !busy_;
    if (!lock.WaitUntil(idle_cv_, deadline) && (!queue_.empty() || busy_)) return false;
  }
  return true;
}

void Dispatcher::Run() {
  for (;;) {
    Job job;
    {
      MutexLock lock(mu_);
      while (queue_.empty() && !stopping_)
        lock.Wait(cv_);
      if (stopping_) {
        busy_ = false;
        idle_cv_.notify_all();
        return;
      }
      job = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    Target& target = targets_[job.target];
    Status status;
    TimeNs backoff = target.spec.retry_backoff;
    int attempts_left = std::max(0, target.spec.retries);
    for (;;) {
      status = target.notifier->Send(job.notification);
      if (status.ok() || attempts_left-- <= 0) break;
      MutexLock lock(mu_);
      ++stats_[job.target].retried;
      const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(backoff);
      while (!stopping_ && lock.WaitUntil(cv_, until)) {
      }
      if (stopping_) break;
      backoff *= 2;
    }
    MutexLock lock(mu_);
    NotifierStats& s = stats_[job.target];
    if (status.ok()) {
      ++s.sent;
      s.last_error.clear();
      if (failing_[job.target]) {
        spdlog::info("notifier {}: delivering again", target.spec.name);
        failing_[job.target] = false;
      }
    } else {
      ++s.failed;
      s.last_error = status.message();
      if (!failing_[job.target]) {
        spdlog::warn(
            "notifier {}: {} (further failures are counted, not logged, until it "
            "recovers)",
            target.spec.name, status.message());
        failing_[job.target] = true;
      }
    }
    busy_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
}

}  // namespace coolflow::hub::alerts
