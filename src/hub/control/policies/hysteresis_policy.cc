// hysteresis[:LOW:HIGH] — the seed's rule, as room::ParsePolicy runs it: when the hottest
// inlet reads above HIGH lower every unit's setpoint by 1 C, when below LOW raise it by 1 C,
// at most one change per 5 minutes. Default 23:25, the room benchmark's baseline.
#include <algorithm>

#include "fmt/format.h"
#include "hub/control/policies/setpoint_arg.h"
#include "hub/control/policy.h"

namespace coolflow::hub::control {
namespace {

constexpr TimeNs kMinChangeGap = 5 * kNanosPerMinute;
constexpr double kStepC = 1;
constexpr double kDefaultLowC = 23;
constexpr double kDefaultHighC = 25;

class HysteresisPolicy final : public Policy {
 public:
  HysteresisPolicy(double low_c, double high_c, const ControllerConfig& config)
      : low_c_(low_c),
        high_c_(high_c),
        min_c_(config.min_setpoint_c),
        max_c_(config.max_setpoint_c),
        setpoint_c_(config.initial_setpoint_c) {}
  std::string name() const override { return fmt::format("hysteresis:{}:{}", low_c_, high_c_); }

  PolicyDecision Decide(const Observation& observation) override {
    std::optional<double> hottest;
    for (const RackView& rack : observation.racks) {
      if (rack.raw_c && (!hottest || *rack.raw_c > *hottest)) hottest = rack.raw_c;
    }
    PolicyDecision d;
    const bool may_change = !last_change_ || observation.now - *last_change_ >= kMinChangeGap;
    double wanted = setpoint_c_;
    if (hottest && may_change) {
      if (*hottest > high_c_) wanted = setpoint_c_ - kStepC;
      if (*hottest < low_c_) wanted = setpoint_c_ + kStepC;
      wanted = std::clamp(wanted, min_c_, max_c_);
    }
    if (wanted != setpoint_c_) {
      last_change_ = observation.now;
      d.reason = fmt::format("hottest inlet {:.1f} C is {} {}..{} C: setpoint {} -> {} C", *hottest,
                             wanted < setpoint_c_ ? "above" : "below", low_c_, high_c_, setpoint_c_,
                             wanted);
    } else {
      d.reason = fmt::format("holding {} C", setpoint_c_);
    }
    setpoint_c_ = wanted;
    d.targets.assign(observation.acs.size(), AcTarget{true, setpoint_c_});
    return d;
  }

 private:
  double low_c_, high_c_, min_c_, max_c_;
  double setpoint_c_;
  std::optional<TimeNs> last_change_;
};

}  // namespace

void RegisterHysteresisPolicy(PolicyRegistry& registry) {
  registry.Register(
      "hysteresis",
      [](std::string_view args, const ControllerConfig& config) -> Result<std::unique_ptr<Policy>> {
        double low = kDefaultLowC;
        double high = kDefaultHighC;
        if (!args.empty()) {
          const std::string spec = fmt::format("hysteresis:{}", args);
          const size_t colon = args.find(':');
          if (colon == std::string_view::npos) {
            return InvalidArgument(
                fmt::format("policy \"{}\": expected hysteresis:LOW:HIGH", spec));
          }
          auto l = ParseSetpointArg(args.substr(0, colon), spec, config);
          if (!l.ok()) return l.status();
          auto h = ParseSetpointArg(args.substr(colon + 1), spec, config);
          if (!h.ok()) return h.status();
          low = *l;
          high = *h;
          if (low >= high) {
            return InvalidArgument(fmt::format("policy \"{}\": LOW must be below HIGH", spec));
          }
        }
        return std::unique_ptr<Policy>(std::make_unique<HysteresisPolicy>(low, high, config));
      });
}

}  // namespace coolflow::hub::control
