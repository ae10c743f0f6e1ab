// The SNMP input: every box's poll runs at once from one wait loop (poll(2) over the
// boxes' sockets, woken for net-snmp's resends), until each box has answered or given up,
// or the deadline comes.
//
// Thread safety: an SnmpInput is polled from one thread at a time (agent::Input's
// contract). Calls into net-snmp hold g_net_snmp_mutex (netsnmp_library.h); the wait in
// poll(2) does not, so several SNMP inputs on several threads do not wait for each other.
#include "agent/inputs/snmp/snmp_input.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "agent/inputs/snmp/box_poller.h"
#include "agent/inputs/snmp/netsnmp_library.h"
#include "fmt/format.h"

namespace coolflow::agent::snmp {
namespace {

using std::chrono::steady_clock;

// poll(2) takes whole milliseconds: round up, so a wait never ends just before its time.
int WaitMs(SteadyTime now, SteadyTime until) {
  if (until <= now) return 0;
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
  constexpr long long kMaxWaitMs = 60'000;
  return static_cast<int>(std::min<long long>(wait, kMaxWaitMs));
}

class SnmpInput final : public agent::Input {
 public:
  explicit SnmpInput(std::vector<std::unique_ptr<BoxPoller>> boxes) : boxes_(std::move(boxes)) {
    waits_.reserve(boxes_.size());
    waiting_boxes_.reserve(boxes_.size());
  }

  void Poll(TimeNs now, SteadyTime deadline, PollResult& result) override {
    SteadyTime clock = steady_clock::now();
    if (deadline <= clock) {
      for (auto& box : boxes_) {
        result.errors.push_back({box->box(), "not polled: the poll's deadline had passed"});
      }
      return;
    }
    {
      MutexLock lock(g_net_snmp_mutex);
      for (auto& box : boxes_)
        box->Start(clock);
    }
    while (true) {
      SteadyTime wake = deadline;
      waits_.clear();
      waiting_boxes_.clear();
      {
        MutexLock lock(g_net_snmp_mutex);
        clock = steady_clock::now();
        for (auto& box : boxes_) {
          if (!box->waiting()) continue;
          waits_.push_back({box->socket(), POLLIN, 0});
          waiting_boxes_.push_back(box.get());
          wake = std::min(wake, box->NextTimer(clock));
        }
      }
      if (waiting_boxes_.empty() || clock >= deadline) break;
      const int ready = ::poll(waits_.data(), waits_.size(), WaitMs(clock, wake));
      if (ready < 0 && errno != EINTR) {
        // Cannot happen with valid descriptors; end the poll rather than spin.
        MutexLock lock(g_net_snmp_mutex);
        for (BoxPoller* box : waiting_boxes_)
          box->Abandon(steady_clock::now());
        break;
      }
      MutexLock lock(g_net_snmp_mutex);
      clock = steady_clock::now();
      for (size_t i = 0; i < waiting_boxes_.size(); ++i) {
        const bool readable = ready > 0 && (waits_[i].revents & (POLLIN | POLLERR)) != 0;
        waiting_boxes_[i]->Service(readable, clock);
      }
    }
    {
      MutexLock lock(g_net_snmp_mutex);
      for (auto& box : boxes_)
        box->Abandon(deadline);
    }
    for (auto& box : boxes_)
      box->Report(now, result);
  }

 private:
  std::vector<std::unique_ptr<BoxPoller>> boxes_;
  // Reused by every poll.
  std::vector<pollfd> waits_;
  std::vector<BoxPoller*> waiting_boxes_;
};

}  // namespace

Result<std::unique_ptr<agent::Input>> MakeSnmpInput(const SnmpInputConfig& config) {
  if (Status s = ValidateSnmpInputConfig(config); !s.ok()) return s;
  const bool user_based =
      std::any_of(config.targets.begin(), config.targets.end(),
                  [](const SnmpTarget& t) { return t.version == SnmpVersion::kV3; });
  InitNetSnmpOnce(user_based ? NetSnmpUse::kUserBased : NetSnmpUse::kCommunity);
  std::vector<std::unique_ptr<BoxPoller>> boxes;
  boxes.reserve(config.targets.size());
  for (size_t i = 0; i < config.targets.size(); ++i) {
    const SnmpTarget& target = config.targets[i];
    auto box = BoxPoller::Create(target, config.timeout, config.retries);
    if (!box.ok()) {
      return box.status().WithContext(fmt::format("targets[{}] (box {})", i, target.box));
    }
    boxes.push_back(std::move(*box));
  }
  return std::unique_ptr<agent::Input>(std::make_unique<SnmpInput>(std::move(boxes)));
}

}  // namespace coolflow::agent::snmp
