// Clang thread-safety annotations (checked by -Wthread-safety in the clang preset), and the
// mutex they check: libstdc++'s std::mutex carries no capability attributes, so a class that
// wants its COOLFLOW_GUARDED_BY fields checked locks a coolflow::Mutex through a
// coolflow::MutexLock, never a bare std::mutex.
//
// Contract:
// - The macros follow Abseil's thread_annotations.h (and LevelDB's
//   port/thread_annotations.h) with a COOLFLOW_ prefix, so they never clash with a third-party
//   header's GUARDED_BY. With compilers other than clang they expand to nothing: the code is
//   plain C++ and behaves the same.
// - Mutex is a std::mutex: not recursive, not shared, no ownership check at run time.
// - MutexLock holds its Mutex from construction to destruction, as the analysis assumes. A
//   wait on a std::condition_variable goes through MutexLock::Wait/WaitUntil, which release
//   the mutex while blocked and hold it again on return (as std::condition_variable::wait
//   does); the caller re-checks its condition after every return (wake-ups may be spurious).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define COOLFLOW_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define COOLFLOW_THREAD_ANNOTATION_(x)
#endif

// On a class: its objects are capabilities ("mutex") the analysis tracks.
#define COOLFLOW_CAPABILITY(x) COOLFLOW_THREAD_ANNOTATION_(capability(x))
// On a class: an RAII object that acquires a capability in its constructor and releases it in
// its destructor.
#define COOLFLOW_SCOPED_CAPABILITY COOLFLOW_THREAD_ANNOTATION_(scoped_lockable)

// On a field: read and written only with `x` held.
#define COOLFLOW_GUARDED_BY(x) COOLFLOW_THREAD_ANNOTATION_(guarded_by(x))
// On a pointer field: what it points to is read and written only with `x` held.
#define COOLFLOW_PT_GUARDED_BY(x) COOLFLOW_THREAD_ANNOTATION_(pt_guarded_by(x))

// On a mutex: the lock order relative to other mutexes.
#define COOLFLOW_ACQUIRED_BEFORE(...) COOLFLOW_THREAD_ANNOTATION_(acquired_before(__VA_ARGS__))
#define COOLFLOW_ACQUIRED_AFTER(...) COOLFLOW_THREAD_ANNOTATION_(acquired_after(__VA_ARGS__))

// On a function: the caller must hold (REQUIRES) or must not hold (EXCLUDES) these.
#define COOLFLOW_REQUIRES(...) COOLFLOW_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define COOLFLOW_EXCLUDES(...) COOLFLOW_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))

// On a function: it acquires / releases these (none named: `this`). TRY_ACQUIRE's first
// argument is the return value that means "acquired".
#define COOLFLOW_ACQUIRE(...) COOLFLOW_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define COOLFLOW_RELEASE(...) COOLFLOW_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define COOLFLOW_TRY_ACQUIRE(...) COOLFLOW_THREAD_ANNOTATION_(try_acquire_capability(__VA_ARGS__))

// On a function: after it returns the analysis assumes the calling thread holds `x`.
#define COOLFLOW_ASSERT_CAPABILITY(x) COOLFLOW_THREAD_ANNOTATION_(assert_capability(x))
// On a function: it returns a reference to the capability `x`.
#define COOLFLOW_RETURN_CAPABILITY(x) COOLFLOW_THREAD_ANNOTATION_(lock_returned(x))

// On a function: the analysis skips its body (say why next to it: e.g. a C library callback
// that runs under a lock the analysis cannot follow).
#define COOLFLOW_NO_THREAD_SAFETY_ANALYSIS COOLFLOW_THREAD_ANNOTATION_(no_thread_safety_analysis)

namespace coolflow {

// A std::mutex the thread-safety analysis knows about.
class COOLFLOW_CAPABILITY("mutex") Mutex {
 public:
  // Constant-initialised, so a Mutex at namespace scope is usable before main.
  constexpr Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() COOLFLOW_ACQUIRE() { mu_.lock(); }
  void Unlock() COOLFLOW_RELEASE() { mu_.unlock(); }

  // Tells the analysis that the calling thread holds this mutex (for code it cannot follow).
  // Checks nothing at run time: a std::mutex does not know its owner.
  void AssertHeld() const COOLFLOW_ASSERT_CAPABILITY(this) {}

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Holds a Mutex for its scope; waits on condition variables with it.
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

}  // namespace coolflow
