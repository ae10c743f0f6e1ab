// The hub's cooling controller (docs/controller.md). The hub feeds it every accepted
// reading and ticks it; it answers with the AC commands to publish on the agents' command
// topics. A policy (policy.h, chosen by name) proposes each unit's state; the safety layer
// here overrides it on stale or implausible data, bounds steps, keeps a minimum dwell
// between infrared commands, resends the full state (infrared is open loop), detects units
// that do not obey and compensates with the others, and records every decision.
//
// Time comes only from the readings and the `now` passed to Tick: never the wall clock.
//
// Thread safety: none; the hub calls one controller from one thread (or under its lock).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "hub/control/controller_config.h"
#include "hub/control/decision.h"
#include "hub/control/policy.h"
#include "reading/ac_command.h"
#include "reading/reading.h"

namespace coolflow::hub::control {

// One command for one AC: always the full state.
struct AcCommandOut {
  std::string id;      // "ctl-17": echoed by the agent's reply (OnCommandResult)
  std::string ac;      // the AC's name in the config
  std::string box;     // the agent box to publish to
  std::string device;  // the device name on that agent
  AcTarget state;
  std::string reason;  // "policy", "resend", "safety: ..."
};

// The agent's command JSON (src/agent/commands.cc): {"id","device","power","setpoint_c",
// "mode":"cool"}.
std::string FormatAgentCommandJson(const AcCommandOut& command);
// The seed's form (topic controlAC1); it carries no power, so only a powered-on state maps.
reading::AcCommand ToSeedAcCommand(const AcCommandOut& command);

// How the agent answered a command (its reply's "outcome").
enum class CommandResult { kApplied, kRefused, kRateLimited, kFailed };
// "applied", "refused", "rate_limited", "failed"; nullopt for anything else.
std::optional<CommandResult> ParseCommandResult(std::string_view outcome);

// A problem the controller sees and the hub's alert engine raises while it is active.
struct Condition {
  std::string kind;     // "ac_not_obeying", "ac_underperforming", "sensor_stale",
                        // "sensor_stuck", "sensor_implausible", "sensor_noisy",
                        // "sensor_drift",
                        // "command_refused"
  std::string subject;  // the AC name or rack id
  TimeNs since = 0;     // when it was first seen
  std::string message;  // for a human
};

// Bad or unusable input, counted; none of it stops or misleads the controller.
struct ControllerCounters {
  uint64_t readings = 0;         // offered to OnReading
  uint64_t used = 0;             // taken into account
  uint64_t not_for_control = 0;  // other measurements (resource, humidity, ...)
  uint64_t unknown_rack = 0;     // an inlet or rack power of a rack not in the config
  uint64_t unknown_ac = 0;       // an AC power of a unit not in the config
  uint64_t wrong_box = 0;        // a configured rack reported by another box
  uint64_t not_numeric = 0;
  uint64_t non_finite = 0;        // NaN or infinity
  uint64_t implausible = 0;       // outside plausible_min_c..plausible_max_c, negative power
  uint64_t duplicate = 0;         // same series and time as one already seen
  uint64_t out_of_order = 0;      // older than the series' latest
  uint64_t future = 0;            // more than an interval ahead of the last Tick
  uint64_t commands = 0;          // commands returned by Tick
  uint64_t resends = 0;           // of which resends of an unchanged state
  uint64_t safety_overrides = 0;  // decisions where the safety layer overrode the policy
  uint64_t results_applied = 0;
  uint64_t results_refused = 0;
  uint64_t results_rate_limited = 0;
  uint64_t results_failed = 0;
  uint64_t results_unknown = 0;  // a result for a command id not pending
};

class Controller {
 public:
  // Validates `config` and makes its policy; errors name the field.
  static Result<std::unique_ptr<Controller>> Create(ControllerConfig config);

  // Takes one accepted reading. Uses: temp/temperature tagged rack=<id> (inlets),
  // power/power tagged rack=<id> (IT power) or ac=<name> (the unit's electric power). The
  // rest is counted as not_for_control; bad values are counted and dropped.
  void OnReading(const reading::Reading& reading);

  // Advances the controller to `now` (monotonic; a `now` before the last one is treated as
  // the last one). Checks sensor and unit health at every call, decides once per
  // `interval` (and at once when the safety layer must act), and returns the commands to
  // publish now, at most one per AC.
  std::vector<AcCommandOut> Tick(TimeNs now);

  // The agent's answer to command `id`. Refused and failed commands raise a condition
  // and are retried at the next decision; rate-limited ones at the next Tick.
  void OnCommandResult(std::string_view id, CommandResult result, TimeNs now);

  // Switches policy ("manual", "fixed:20", ...), keeping the learned sensor/unit state.
  Status SetPolicy(std::string_view spec);
  // The operator's controls, for the manual policy only: an absolute setpoint, or one step
  // up (+1, ▲) or down (-1, ▼) from what the unit was last told, within the setpoint range.
  Status SetManualSetpoint(std::string_view ac, double setpoint_c, bool power_on = true);
  Status NudgeManualSetpoint(std::string_view ac, int direction);

  // Conditions active now.
  std::vector<Condition> conditions() const;
  // Called when a condition starts (active = true) or ends: the alert engine's hook.
  void SetConditionListener(std::function<void(const Condition&, bool active)> listener) {
    listener_ = std::move(listener);
  }

  const ControllerCounters& counters() const { return counters_; }
  // The most recent decisions, oldest first (at most config.decision_log_size).
  const std::deque<DecisionRecord>& decisions() const { return decisions_; }
  // The last `max` decisions as a JSON array.
  std::string DecisionsJson(size_t max) const;
  const ControllerConfig& config() const { return config_; }
  std::string policy_name() const { return policy_->name(); }
  // What each AC was last told (config order).
  std::vector<AcTarget> commanded() const;
  ~Controller();

 private:
  struct RackTrack;
  struct AcTrack;
  explicit Controller(ControllerConfig config, std::unique_ptr<Policy> policy);

  void OnInlet(size_t r, const reading::Reading& reading, double value);
  void UpdateHealth(TimeNs now);
  void UpdateAcHealth(TimeNs now);
  void UpdateNoiseAgainstPeers();
  void UpdateDrift(TimeNs now);
  void SetCondition(std::string kind, const std::string& subject, bool active, TimeNs now,
                    std::string message);
  Observation Observe(TimeNs now) const;
  void Decide(TimeNs now, bool safety_only);
  bool RackBlind(size_t r) const;
  static bool Powered(const AcTrack& ac);
  std::optional<double> MeanInlet() const;
  double Quantise(double setpoint_c) const;
  std::optional<size_t> AcIndex(std::string_view name) const;

  ControllerConfig config_;
  std::unique_ptr<Policy> policy_;
  std::vector<RackTrack> racks_;
  std::vector<AcTrack> acs_;
  // Rack ids (several racks may share one, on different boxes) and AC names to indices.
  std::map<std::string, std::vector<size_t>, std::less<>> rack_index_;
  std::map<std::string, size_t, std::less<>> ac_index_;
  std::vector<Condition> conditions_;
  std::function<void(const Condition&, bool)> listener_;
  ControllerCounters counters_;
  std::deque<DecisionRecord> decisions_;
  std::optional<TimeNs> now_;
  std::optional<TimeNs> next_decision_;
  std::optional<TimeNs> first_tick_;
  bool last_blind_ = false;
  uint64_t next_command_id_ = 1;
};

}  // namespace coolflow::hub::control
