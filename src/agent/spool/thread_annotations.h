// Clang thread-safety annotations (checked by -Wthread-safety in the clang preset) and a
// mutex that carries them: libstdc++'s std::mutex is not annotated, so a class that wants
// its GUARDED_BY fields checked locks a spool::Mutex through a spool::MutexLock.
//
// These belong in src/common (one set for the whole tree); they live here until they move.
#pragma once

#include <mutex>

#if defined(__clang__)
#define COOLFLOW_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define COOLFLOW_THREAD_ANNOTATION(x)
#endif

#define COOLFLOW_CAPABILITY(x) COOLFLOW_THREAD_ANNOTATION(capability(x))
#define COOLFLOW_SCOPED_CAPABILITY COOLFLOW_THREAD_ANNOTATION(scoped_lockable)
#define COOLFLOW_GUARDED_BY(x) COOLFLOW_THREAD_ANNOTATION(guarded_by(x))
#define COOLFLOW_PT_GUARDED_BY(x) COOLFLOW_THREAD_ANNOTATION(pt_guarded_by(x))
#define COOLFLOW_REQUIRES(...) COOLFLOW_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define COOLFLOW_EXCLUDES(...) COOLFLOW_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define COOLFLOW_ACQUIRE(...) COOLFLOW_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define COOLFLOW_RELEASE(...) COOLFLOW_THREAD_ANNOTATION(release_capability(__VA_ARGS__))

namespace coolflow::agent::spool {

// A std::mutex the thread-safety analysis knows about.
class COOLFLOW_CAPABILITY("mutex") Mutex {
 public:
  void Lock() COOLFLOW_ACQUIRE() { mutex_.lock(); }
  void Unlock() COOLFLOW_RELEASE() { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

// Holds a Mutex for its scope.
class COOLFLOW_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) COOLFLOW_ACQUIRE(mutex) : mutex_(mutex) { mutex_.Lock(); }
  ~MutexLock() COOLFLOW_RELEASE() { mutex_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mutex_;
};

}  // namespace coolflow::agent::spool
