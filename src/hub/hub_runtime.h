// The running hub: the Hub (store, pipeline, brokers) with what it feeds, the live state, the
// alert engine and the cooling controller, and the ticker that drives them.
//
//   reading ─▶ pipeline ─▶ Accept: live state, controller
//   agent status ─▶ live state (online/offline);   agent reply ─▶ controller
//   every `tick` (1 s): live snapshot, alert evaluation (every alerts.evaluation_interval),
//   controller Tick ─▶ commands ─▶ agents' command topics; controller conditions ─▶ alerts
//
// Thread safety: Start and Stop from one thread; the rest from any. The controller (not
// thread-safe itself) is used under control_mu_.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "hub/alerts/alert_engine.h"
#include "hub/control/controller.h"
#include "hub/hub.h"
#include "hub/hub_config.h"
#include "hub/live/live_state.h"

namespace coolflow::hub {

class HubRuntime final : public ReadingSink {
 public:
  // Builds everything from `config` (the store opened, the controller's layout read from its
  // scenario when it has no `control:` section). Errors name the config's file and section.
  static Result<std::unique_ptr<HubRuntime>> Create(const HubConfig& config, const Clock& clock,
                                                    TimeNs tick = kNanosPerSecond);
  ~HubRuntime() override;  // Stop()
  HubRuntime(const HubRuntime&) = delete;
  HubRuntime& operator=(const HubRuntime&) = delete;

  Status Start();
  void Stop();

  Hub& hub() { return *hub_; }
  live::LiveState& live() { return *live_; }
  alerts::AlertEngine& alerts() { return *alerts_; }
  bool has_controller() const { return controller_ != nullptr; }

  // The controller, for the HTTP API (FailedPrecondition-like Unavailable when there is none).
  Status SetPolicy(std::string_view spec);
  Status SetSetpoint(std::string_view ac, double setpoint_c, bool power_on);
  Status NudgeSetpoint(std::string_view ac, int direction);
  // {"policy":..., "commanded":[...], "conditions":[...], "decisions":[...]}; "{}" without one.
  std::string ControllerJson(size_t decisions) const;

  // Prometheus text of the live state, alerts and controller counters.
  std::string RenderMetrics() const;

  // The room the controller drives, as configured (racks and ACs with their map positions);
  // nullptr without a controller. Never changes.
  const control::ControllerConfig* room() const { return room_ ? &*room_ : nullptr; }
  const std::string& name() const { return name_; }

  // Called on the ticker thread with the alerts that fired or resolved in an evaluation
  // (not under any lock of the runtime's). Set before Start.
  using AlertListener = std::function<void(const std::vector<alerts::Alert>& events)>;
  void SetAlertListener(AlertListener listener) { alert_listener_ = std::move(listener); }
  // How many decisions the controller has made: changes when there is a new one.
  uint64_t decisions_made() const { return decisions_made_.load(std::memory_order_relaxed); }

  // One tick at `now`: publish the live snapshot, run the controller, evaluate the alerts when
  // due. The ticker calls it every `tick`; tests and benchmarks drive it themselves.
  void Tick(TimeNs now);

  // ReadingSink: every stored reading, from the pipeline's committing thread.
  void Accept(std::span<const reading::Reading> readings, TimeNs now) override;

 private:
  HubRuntime(const Clock& clock, TimeNs tick) : clock_(clock), tick_(tick) {}
  void Run();
  void OnReply(std::string_view box, std::string_view payload, TimeNs now);

  const Clock& clock_;
  const TimeNs tick_;
  TimeNs evaluation_interval_ = 10 * kNanosPerSecond;
  TimeNs last_evaluation_ = 0;
  std::unique_ptr<live::LiveState> live_;
  std::unique_ptr<alerts::AlertEngine> alerts_;
  std::unique_ptr<Hub> hub_;

  mutable std::mutex control_mu_;
  std::unique_ptr<control::Controller> controller_;  // null without a room to control
  std::optional<control::ControllerConfig> room_;
  std::string name_;
  AlertListener alert_listener_;
  std::atomic<uint64_t> decisions_made_{0};

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stopping_ = false;
  std::thread ticker_;
  bool started_ = false;
  std::atomic<uint64_t> commands_published_{0};
  std::atomic<uint64_t> commands_unsent_{0};  // no box to send to, or no broker took it
};

}  // namespace coolflow::hub
