// Cooling policies: what the controller asks of the air conditioners at each control
// interval, given what the room reports. A policy only proposes; the safety layer in
// Controller (controller.h) bounds, delays, overrides and resends. Each policy lives in its
// own file under policies/ and is registered by name in the PolicyRegistry, so adding one
// touches no switch statement.
//
// Thread safety: a Policy is used by one thread at a time (the controller's).
#pragma once

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

namespace coolflow::hub::control {

// The full state an AC is told (infrared is open loop: never a delta).
struct AcTarget {
  bool power_on = true;
  double setpoint_c = 24;
  friend bool operator==(const AcTarget&, const AcTarget&) = default;
};

// One rack as the safety layer sees it at a control instant.
struct RackView {
  bool healthy = false;            // fresh, plausible, not stuck
  std::optional<double> raw_c;     // the latest inlet reading as it came
  std::optional<double> latest_c;  // the latest readings smoothed (mean of the last few)
  std::optional<double> peak_c;    // highest smoothed inlet since the last decision
  std::optional<double> power_w;   // rack power, when metered
};

// One AC as the safety layer sees it.
struct AcView {
  bool available = true;          // not quarantined for disobeying
  bool underperforming = false;   // cools with much less compressor power than it used to
  AcTarget commanded;             // what the controller last decided for it
  std::optional<double> duty;     // compressor-on share of metered samples since last decision
  std::optional<double> power_w;  // mean metered electric power since the last decision
};

struct Observation {
  TimeNs now = 0;
  std::vector<RackView> racks;            // in config order
  std::vector<AcView> acs;                // in config order
  std::optional<double> hottest_peak_c;   // max peak_c over healthy racks
  std::optional<double> it_power_w;       // sum of metered rack power, when every rack has one
  std::optional<double> cooling_power_w;  // sum of metered AC power, when every AC has one
};

struct PolicyDecision {
  std::vector<AcTarget> targets;  // one per AC, in config order
  std::string reason;             // why, in a sentence, for the decision record
};

class Policy {
 public:
  virtual ~Policy() = default;
  // The spec it was made from ("optimal", "fixed:18").
  virtual std::string name() const = 0;
  // Called once per control interval with what the room reports; returns the wanted state
  // of every AC (observation.acs[i].commanded is what AC i was last told).
  virtual PolicyDecision Decide(const Observation& observation) = 0;
  // An operator's setpoint for one AC (the manual policy); others refuse it.
  virtual Status SetManual(size_t /*ac*/, const AcTarget& /*target*/) {
    return InvalidArgument("policy " + name() +
                           " takes no manual setpoints; switch to the manual policy");
  }
  // The policy's learned state, as a JSON object (for the decision record and the UI).
  virtual std::string ModelJson() const { return "{}"; }
};

// Makes a policy from the text after the name ("18" in "fixed:18"; "" when none).
using PolicyFactory = std::function<Result<std::unique_ptr<Policy>>(
    std::string_view args, const ControllerConfig& config)>;

class PolicyRegistry {
 public:
  // The process-wide registry, holding the built-in policies.
  static PolicyRegistry& Global();

  void Register(std::string name, PolicyFactory factory);
  // "name" or "name:args"; an unknown name is NotFound, bad args InvalidArgument.
  Result<std::unique_ptr<Policy>> Make(std::string_view spec, const ControllerConfig& config) const;
  // Whether Make would accept `spec` (with a default config).
  Status CheckSpec(std::string_view spec) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, PolicyFactory, std::less<>> factories_;
};

// The built-in policies, one per file under policies/.
void RegisterManualPolicy(PolicyRegistry& registry);
void RegisterFixedPolicy(PolicyRegistry& registry);
void RegisterHysteresisPolicy(PolicyRegistry& registry);
void RegisterOptimalPolicy(PolicyRegistry& registry);

}  // namespace coolflow::hub::control
