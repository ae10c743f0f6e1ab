// The Control Room's alert feed: an in-memory ring of the latest alert events that the UI
// polls (Since) or subscribes to (Subscribe). The engine publishes every firing and resolved
// event to it directly (inhibited ones flagged); the "ui" notifier kind adds grouped
// notifications.
//
// Thread safety: all methods may be called from any thread. Subscribers are called on the
// publishing thread, outside the feed's lock, and must not block.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "common/thread_annotations.h"
#include "hub/alerts/notifier.h"

namespace coolflow::hub::alerts {

struct FeedEntry {
  uint64_t seq = 0;  // increasing, from 1
  TimeNs time = 0;
  Alert alert;  // state kFiring or kResolved
  // The notification it came in: its number (the alerts of one share it), group and
  // whether it was a reminder.
  uint64_t notification = 0;
  std::string group;
  bool repeat = false;
};

class UiFeed {
 public:
  explicit UiFeed(size_t capacity = 1000) : capacity_(capacity) {}

  // Appends the alerts of `n`, in order, as one notification.
  void Publish(const Notification& n) COOLFLOW_EXCLUDES(mu_);

  // Entries with seq > `after`, oldest first (those that fell out of the ring are gone).
  std::vector<FeedEntry> Since(uint64_t after) const COOLFLOW_EXCLUDES(mu_);
  uint64_t last_seq() const COOLFLOW_EXCLUDES(mu_);

  using Subscriber = std::function<void(const FeedEntry&)>;
  // Returns an id for Unsubscribe.
  uint64_t Subscribe(Subscriber subscriber) COOLFLOW_EXCLUDES(mu_);
  void Unsubscribe(uint64_t id) COOLFLOW_EXCLUDES(mu_);

 private:
  const size_t capacity_;
  mutable Mutex mu_;
  std::deque<FeedEntry> entries_ COOLFLOW_GUARDED_BY(mu_);
  uint64_t seq_ COOLFLOW_GUARDED_BY(mu_) = 0;
  uint64_t notifications_ COOLFLOW_GUARDED_BY(mu_) = 0;
  uint64_t next_subscriber_ COOLFLOW_GUARDED_BY(mu_) = 1;
  std::vector<std::pair<uint64_t, std::shared_ptr<Subscriber>>> subscribers_
      COOLFLOW_GUARDED_BY(mu_);
};

// The "ui" notifier: publishes each notification's alerts to `feed`.
std::unique_ptr<Notifier> MakeUiNotifier(std::shared_ptr<UiFeed> feed);

}  // namespace coolflow::hub::alerts
