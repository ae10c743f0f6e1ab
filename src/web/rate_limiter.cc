#include "web/rate_limiter.h"

#include <algorithm>

namespace coolflow::web {

void FailureRateLimiter::Expire(std::deque<TimeNs>& times, TimeNs now) const {
  while (!times.empty() && times.front() <= now - options_.window)
    times.pop_front();
}

TimeNs FailureRateLimiter::RetryAfter(std::string_view peer) {
  const TimeNs now = clock_.Now();
  MutexLock lock(mu_);
  auto it = failures_.find(peer);
  if (it == failures_.end()) return 0;
  Expire(it->second, now);
  if (it->second.empty()) {
    failures_.erase(it);
    return 0;
  }
  if (it->second.size() < static_cast<size_t>(options_.max_failures)) return 0;
  return std::max<TimeNs>(1, it->second.front() + options_.window - now);
}

void FailureRateLimiter::RecordFailure(std::string_view peer) {
  const TimeNs now = clock_.Now();
  MutexLock lock(mu_);
  auto it = failures_.find(peer);
  if (it == failures_.end()) {
    if (failures_.size() >= options_.max_peers) {
      // Forget the peer whose last failure is oldest.
      auto stalest = failures_.begin();
      for (auto p = failures_.begin(); p != failures_.end(); ++p) {
        const TimeNs last = p->second.empty() ? 0 : p->second.back();
        const TimeNs stalest_last = stalest->second.empty() ? 0 : stalest->second.back();
        if (last < stalest_last) stalest = p;
      }
      failures_.erase(stalest);
    }
    it = failures_.emplace(std::string(peer), std::deque<TimeNs>{}).first;
  }
  Expire(it->second, now);
  it->second.push_back(now);
  // Only the last max_failures matter.
  while (it->second.size() > static_cast<size_t>(std::max(1, options_.max_failures)))
    it->second.pop_front();
}

}  // namespace coolflow::web
