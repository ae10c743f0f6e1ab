#include "web/websocket.h"

namespace coolflow::web {

size_t Broadcaster::Publish(std::string_view channel, std::string text) {
  std::vector<std::shared_ptr<Subscriber>> targets;
  {
    MutexLock lock(mu_);
    auto it = channels_.find(channel);
    if (it == channels_.end()) return 0;
    targets.reserve(it->second.size());
    for (auto s = it->second.begin(); s != it->second.end();) {
      if (std::shared_ptr<Subscriber> live = s->second.lock()) {
        targets.push_back(std::move(live));
        ++s;
      } else {
        s = it->second.erase(s);  // a subscriber gone without unsubscribing
      }
    }
  }
  // Delivered outside the lock: a subscriber's own lock is never taken under ours.
  const auto message = std::make_shared<const std::string>(std::move(text));
  size_t delivered = 0;
  for (const std::shared_ptr<Subscriber>& s : targets) {
    if (s->Deliver(message)) ++delivered;
  }
  return delivered;
}

size_t Broadcaster::Subscribers(std::string_view channel) const {
  MutexLock lock(mu_);
  auto it = channels_.find(channel);
  return it == channels_.end() ? 0 : it->second.size();
}

void Broadcaster::Subscribe(const std::string& channel, std::weak_ptr<Subscriber> subscriber) {
  const Subscriber* key = subscriber.lock().get();
  if (key == nullptr) return;
  MutexLock lock(mu_);
  channels_[channel][key] = std::move(subscriber);
}

void Broadcaster::Unsubscribe(const std::string& channel, const Subscriber* subscriber) {
  MutexLock lock(mu_);
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  it->second.erase(subscriber);
  if (it->second.empty()) channels_.erase(it);
}

}  // namespace coolflow::web
