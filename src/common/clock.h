// Time sources. Code that needs "now" takes a Clock&, so tests control time instead of
// sleeping.
#pragma once

#include <atomic>
#include <cstdint>

namespace coolflow {

// Nanoseconds since the Unix epoch, UTC.
using TimeNs = int64_t;

inline constexpr TimeNs kNanosPerMicro = 1'000;
inline constexpr TimeNs kNanosPerMilli = 1'000'000;
inline constexpr TimeNs kNanosPerSecond = 1'000'000'000;
inline constexpr TimeNs kNanosPerMinute = 60 * kNanosPerSecond;
inline constexpr TimeNs kNanosPerHour = 60 * kNanosPerMinute;
inline constexpr TimeNs kNanosPerDay = 24 * kNanosPerHour;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time now, in ns since the epoch. Thread-safe.
  virtual TimeNs Now() const = 0;
};

// The system's real-time clock.
class SystemClock final : public Clock {
 public:
  TimeNs Now() const override;
  // A process-wide instance.
  static const SystemClock& Instance();
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeNs start) : now_(start) {}
  TimeNs Now() const override { return now_.load(std::memory_order_relaxed); }
  void Set(TimeNs t) { now_.store(t, std::memory_order_relaxed); }
  void Advance(TimeNs delta) { now_.fetch_add(delta, std::memory_order_relaxed); }

 private:
  std::atomic<TimeNs> now_;
};

}  // namespace coolflow
