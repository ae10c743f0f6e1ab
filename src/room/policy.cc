#include "room/policy.h"

#include <algorithm>

#include "fmt/format.h"
#include "reading/ac_command.h"
#include "reading/text_util.h"

namespace coolflow::room {
namespace {

// Infrared is open loop: a lost command is only corrected by sending the state again.
constexpr TimeNs kResendInterval = 30 * kNanosPerMinute;
// The least time between two setpoint changes of the hysteresis rule: the room needs
// minutes to answer a change, so acting faster only oscillates.
constexpr TimeNs kMinDwell = 5 * kNanosPerMinute;
constexpr double kSetpointStepC = 1;

class FixedPolicy final : public Policy {
 public:
  explicit FixedPolicy(double setpoint_c) : setpoint_c_(setpoint_c) {}
  std::string name() const override { return fmt::format("fixed:{}", setpoint_c_); }
  void Control(const Observation& observation, Remote& remote) override {
    if (last_sent_ && observation.time - *last_sent_ < kResendInterval) return;
    for (size_t a = 0; a < remote.ac_count(); ++a)
      remote.Send(a, {true, setpoint_c_});
    last_sent_ = observation.time;
  }

 private:
  double setpoint_c_;
  std::optional<TimeNs> last_sent_;
};

class HysteresisPolicy final : public Policy {
 public:
  HysteresisPolicy(double low_c, double high_c, double start_setpoint_c)
      : low_c_(low_c), high_c_(high_c), setpoint_c_(start_setpoint_c) {}
  std::string name() const override { return fmt::format("hysteresis:{}:{}", low_c_, high_c_); }
  void Control(const Observation& observation, Remote& remote) override {
    std::optional<double> hottest;
    for (const auto& inlet : observation.inlet_c) {
      if (inlet && (!hottest || *inlet > *hottest)) hottest = inlet;
    }
    const bool may_change = !last_change_ || observation.time - *last_change_ >= kMinDwell;
    double wanted = setpoint_c_;
    if (hottest && may_change) {
      if (*hottest > high_c_) wanted = setpoint_c_ - kSetpointStepC;
      if (*hottest < low_c_) wanted = setpoint_c_ + kSetpointStepC;
      wanted = std::clamp(wanted, reading::kDefaultMinSetpoint, reading::kDefaultMaxSetpoint);
    }
    const bool changed = wanted != setpoint_c_;
    if (changed) last_change_ = observation.time;
    setpoint_c_ = wanted;
    if (changed || !last_sent_ || observation.time - *last_sent_ >= kResendInterval) {
      for (size_t a = 0; a < remote.ac_count(); ++a)
        remote.Send(a, {true, setpoint_c_});
      last_sent_ = observation.time;
    }
  }

 private:
  double low_c_;
  double high_c_;
  double setpoint_c_;
  std::optional<TimeNs> last_change_;
  std::optional<TimeNs> last_sent_;
};

Result<double> ParseSetpoint(std::string_view text, std::string_view spec) {
  double value = 0;
  if (!reading::ParseDouble(text, value) || value < reading::kDefaultMinSetpoint ||
      value > reading::kDefaultMaxSetpoint) {
    return InvalidArgument(fmt::format("policy '{}': '{}' is not a setpoint in {}..{} C", spec,
                                       text, reading::kDefaultMinSetpoint,
                                       reading::kDefaultMaxSetpoint));
  }
  return value;
}

}  // namespace

Result<std::unique_ptr<Policy>> ParsePolicy(std::string_view spec, const Scenario& scenario) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  for (;;) {
    const size_t colon = spec.find(':', pos);
    parts.push_back(spec.substr(pos, colon - pos));
    if (colon == std::string_view::npos) break;
    pos = colon + 1;
  }
  if (parts[0] == "fixed" && parts.size() == 2) {
    auto setpoint = ParseSetpoint(parts[1], spec);
    if (!setpoint.ok()) return setpoint.status();
    return std::unique_ptr<Policy>(std::make_unique<FixedPolicy>(*setpoint));
  }
  if (parts[0] == "hysteresis" && parts.size() == 3) {
    auto low = ParseSetpoint(parts[1], spec);
    if (!low.ok()) return low.status();
    auto high = ParseSetpoint(parts[2], spec);
    if (!high.ok()) return high.status();
    if (*low >= *high) {
      return InvalidArgument(fmt::format("policy '{}': LOW must be below HIGH", spec));
    }
    const double start = scenario.acs.empty() ? 24 : scenario.acs.front().setpoint_c;
    return std::unique_ptr<Policy>(std::make_unique<HysteresisPolicy>(*low, *high, start));
  }
  return InvalidArgument(
      fmt::format("unknown policy '{}' (expected fixed:T or hysteresis:LOW:HIGH)", spec));
}

}  // namespace coolflow::room
