// Failed-credential counting per peer address: after `max_failures` failures within
// `window`, the peer is refused (429) until the oldest of them leaves the window. Bounded:
// at most `max_peers` addresses are remembered; the stalest goes first.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/thread_annotations.h"

namespace coolflow::web {

class FailureRateLimiter {
 public:
  struct Options {
    int max_failures = 10;
    TimeNs window = kNanosPerMinute;
    size_t max_peers = 10'000;
  };
  FailureRateLimiter(Options options, const Clock& clock) : options_(options), clock_(clock) {}

  // 0 when `peer` may try; otherwise how long until it may, in ns.
  TimeNs RetryAfter(std::string_view peer) COOLFLOW_EXCLUDES(mu_);
  // Counts one failure of `peer`.
  void RecordFailure(std::string_view peer) COOLFLOW_EXCLUDES(mu_);

 private:
  // Drops failures older than the window from `times`.
  void Expire(std::deque<TimeNs>& times, TimeNs now) const;

  const Options options_;
  const Clock& clock_;
  Mutex mu_;
  std::map<std::string, std::deque<TimeNs>, std::less<>> failures_ COOLFLOW_GUARDED_BY(mu_);
};

}  // namespace coolflow::web
