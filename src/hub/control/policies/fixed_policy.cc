// fixed:T — every unit on at setpoint T, always: the benchmark's reference (what a room
// left at a cold setpoint uses).
#include "fmt/format.h"
#include "hub/control/policies/setpoint_arg.h"
#include "hub/control/policy.h"

namespace coolflow::hub::control {
namespace {

class FixedPolicy final : public Policy {
 public:
  explicit FixedPolicy(double setpoint_c) : setpoint_c_(setpoint_c) {}
  std::string name() const override { return fmt::format("fixed:{}", setpoint_c_); }
  PolicyDecision Decide(const Observation& observation) override {
    PolicyDecision d;
    d.targets.assign(observation.acs.size(), AcTarget{true, setpoint_c_});
    d.reason = fmt::format("fixed policy: every unit on at {} C", setpoint_c_);
    return d;
  }

 private:
  double setpoint_c_;
};

}  // namespace

void RegisterFixedPolicy(PolicyRegistry& registry) {
  registry.Register(
      "fixed",
      [](std::string_view args, const ControllerConfig& config) -> Result<std::unique_ptr<Policy>> {
        auto setpoint = ParseSetpointArg(args, fmt::format("fixed:{}", args), config);
        if (!setpoint.ok()) return setpoint.status();
        return std::unique_ptr<Policy>(std::make_unique<FixedPolicy>(*setpoint));
      });
}

}  // namespace coolflow::hub::control
