// A std::mutex that clang's -Wthread-safety can reason about, and the macros to annotate the
// state it guards. libstdc++'s std::mutex carries no capability attributes, so without this
// wrapper GUARDED_BY would check nothing.
//
// Waiting on a condition variable goes through MutexLock, which keeps the lock held (as the
// analysis assumes) from construction to destruction; the wait releases and re-acquires it
// inside, as std::condition_variable does.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define COOLFLOW_TSA(x) __attribute__((x))
#else
#define COOLFLOW_TSA(x)
#endif

#define COOLFLOW_CAPABILITY(name) COOLFLOW_TSA(capability(name))
#define COOLFLOW_SCOPED_CAPABILITY COOLFLOW_TSA(scoped_lockable)
#define COOLFLOW_GUARDED_BY(mu) COOLFLOW_TSA(guarded_by(mu))
#define COOLFLOW_REQUIRES(...) COOLFLOW_TSA(requires_capability(__VA_ARGS__))
#define COOLFLOW_ACQUIRE(...) COOLFLOW_TSA(acquire_capability(__VA_ARGS__))
#define COOLFLOW_RELEASE(...) COOLFLOW_TSA(release_capability(__VA_ARGS__))
#define COOLFLOW_EXCLUDES(...) COOLFLOW_TSA(locks_excluded(__VA_ARGS__))

namespace coolflow::agent {

class COOLFLOW_CAPABILITY("mutex") Mutex {
 public:
  void Lock() COOLFLOW_ACQUIRE() { mu_.lock(); }
  void Unlock() COOLFLOW_RELEASE() { mu_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Holds `mu` for its lifetime.
class COOLFLOW_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) COOLFLOW_ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() COOLFLOW_RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Blocks until `cv` is notified (or wakes spuriously); the mutex is held again on return.
  void Wait(std::condition_variable& cv) { cv.wait(lock_); }
  // As Wait, but returns by `until` at the latest; false when it timed out.
  template <typename Clock, typename Duration>
  bool WaitUntil(std::condition_variable& cv,
                 const std::chrono::time_point<Clock, Duration>& until) {
    return cv.wait_until(lock_, until) == std::cv_status::no_timeout;
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace coolflow::agent
