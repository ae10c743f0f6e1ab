// Clang thread-safety annotations (-Wthread-safety) and a mutex they can check. libstdc++'s
// std::mutex carries no annotations, so shared state is guarded by this thin wrapper.
// Other compilers see plain code.
//
// (A copy of this header lives in src/transport/kafka/; both belong in src/common/.)
#pragma once

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define COOLFLOW_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define COOLFLOW_THREAD_ANNOTATION(x)
#endif

#ifndef COOLFLOW_GUARDED_BY
#define COOLFLOW_CAPABILITY(x) COOLFLOW_THREAD_ANNOTATION(capability(x))
#define COOLFLOW_SCOPED_CAPABILITY COOLFLOW_THREAD_ANNOTATION(scoped_lockable)
#define COOLFLOW_GUARDED_BY(x) COOLFLOW_THREAD_ANNOTATION(guarded_by(x))
#define COOLFLOW_REQUIRES(...) COOLFLOW_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define COOLFLOW_EXCLUDES(...) COOLFLOW_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define COOLFLOW_ACQUIRE(...) COOLFLOW_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define COOLFLOW_RELEASE(...) COOLFLOW_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#endif

namespace coolflow::transport::mqtt_internal {

class COOLFLOW_CAPABILITY("mutex") Mutex {
 public:
  void lock() COOLFLOW_ACQUIRE() { mu_.lock(); }
  void unlock() COOLFLOW_RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

// Holds a Mutex for its scope.
class COOLFLOW_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) COOLFLOW_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() COOLFLOW_RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// A condition variable that waits on a Mutex the caller holds.
using CondVar = std::condition_variable_any;

}  // namespace coolflow::transport::mqtt_internal
