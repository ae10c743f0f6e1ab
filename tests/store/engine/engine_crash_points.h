// The batches of the engine crash test: batch (life, thread, n) is kPointsPerBatch readings of
// series "crash,box=b<thread> v" at distinct times, with values that name the batch.
#pragma once

#include <vector>

#include "common/clock.h"
#include "reading/reading.h"

namespace coolflow::store::engine::testing {

inline constexpr int kPointsPerBatch = 40;
inline constexpr TimeNs kCrashT0 = 1'700'000'000LL * kNanosPerSecond;

// Times never repeat across lives, threads and batches: 10 s apart within a series.
inline TimeNs CrashTime(int life, int n, int i) {
  return kCrashT0 +
         ((static_cast<TimeNs>(life) * 100'000 + n) * kPointsPerBatch + i) * 10 * kNanosPerSecond;
}

inline double CrashValue(int life, int thread, int n, int i) {
  return life * 1000.0 + thread * 100.0 + (n % 97) + i / 100.0;
}

inline std::vector<reading::Reading> CrashPoints(int life, int thread, int n) {
  std::vector<reading::Reading> batch;
  for (int i = 0; i < kPointsPerBatch; ++i) {
    reading::Reading r;
    r.box = "b" + std::to_string(thread);
    r.measurement = "crash";
    r.metric = "v";
    r.time = CrashTime(life, n, i);
    r.value = CrashValue(life, thread, n, i);
    batch.push_back(std::move(r));
  }
  return batch;
}

}  // namespace coolflow::store::engine::testing
