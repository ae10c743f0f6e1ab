#include "hub/alerts/ui_feed.h"

#include <utility>

namespace coolflow::hub::alerts {

void UiFeed::Publish(const Notification& n) {
  std::vector<FeedEntry> added;
  std::vector<std::shared_ptr<Subscriber>> subscribers;
  {
    MutexLock lock(mu_);
    const uint64_t notification = ++notifications_;
    for (const Alert& alert : n.alerts) {
      FeedEntry entry;
      entry.seq = ++seq_;
      entry.time = n.time;
      entry.alert = alert;
      entry.notification = notification;
      entry.group = n.group;
      entry.repeat = n.repeat;
      entries_.push_back(entry);
      added.push_back(std::move(entry));
    }
    while (entries_.size() > capacity_)
      entries_.pop_front();
    for (const auto& [id, s] : subscribers_)
      subscribers.push_back(s);
  }
  for (const FeedEntry& entry : added) {
    for (const auto& s : subscribers)
      (*s)(entry);
  }
}

std::vector<FeedEntry> UiFeed::Since(uint64_t after) const {
  MutexLock lock(mu_);
  std::vector<FeedEntry> out;
  for (const FeedEntry& e : entries_) {
    if (e.seq > after) out.push_back(e);
  }
  return out;
}

uint64_t UiFeed::last_seq() const {
  MutexLock lock(mu_);
  return seq_;
}

uint64_t UiFeed::Subscribe(Subscriber subscriber) {
  MutexLock lock(mu_);
  const uint64_t id = next_subscriber_++;
  subscribers_.emplace_back(id, std::make_shared<Subscriber>(std::move(subscriber)));
  return id;
}

void UiFeed::Unsubscribe(uint64_t id) {
  MutexLock lock(mu_);
  std::erase_if(subscribers_, [id](const auto& s) { return s.first == id; });
}

namespace {

class UiNotifier final : public Notifier {
 public:
  explicit UiNotifier(std::shared_ptr<UiFeed> feed) : feed_(std::move(feed)) {}
  Status Send(const Notification& n) override {
    feed_->Publish(n);
    return Status::Ok();
  }

 private:
  std::shared_ptr<UiFeed> feed_;
};

}  // namespace

std::unique_ptr<Notifier> MakeUiNotifier(std::shared_ptr<UiFeed> feed) {
  return std::make_unique<UiNotifier>(std::move(feed));
}

}  // namespace coolflow::hub::alerts
