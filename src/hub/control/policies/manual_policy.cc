// manual — the seed's behaviour: an operator sets each unit (the Control Room's ▲/▼ within
// the setpoint range); the policy holds what it was told. The safety layer still applies.
#include <algorithm>

#include "fmt/format.h"
#include "hub/control/policy.h"

namespace coolflow::hub::control {
namespace {

class ManualPolicy final : public Policy {
 public:
  explicit ManualPolicy(const ControllerConfig& config)
      : config_(config), targets_(config.acs.size(), AcTarget{true, config.initial_setpoint_c}) {}
  std::string name() const override { return "manual"; }
  PolicyDecision Decide(const Observation&) override {
    return {targets_, "manual policy: holding the operator's settings"};
  }
  Status SetManual(size_t ac, const AcTarget& target) override {
    if (ac >= targets_.size()) return NotFound(fmt::format("no AC number {}", ac));
    if (!(target.setpoint_c >= config_.min_setpoint_c &&
          target.setpoint_c <= config_.max_setpoint_c)) {
      return OutOfRange(fmt::format("setpoint {} C is outside {}..{} C", target.setpoint_c,
                                    config_.min_setpoint_c, config_.max_setpoint_c));
    }
    targets_[ac] = target;
    return Status::Ok();
  }

 private:
  ControllerConfig config_;
  std::vector<AcTarget> targets_;
};

}  // namespace

void RegisterManualPolicy(PolicyRegistry& registry) {
  registry.Register(
      "manual",
      [](std::string_view args, const ControllerConfig& config) -> Result<std::unique_ptr<Policy>> {
        if (!args.empty()) return InvalidArgument("policy \"manual\" takes no arguments");
        return std::unique_ptr<Policy>(std::make_unique<ManualPolicy>(config));
      });
}

}  // namespace coolflow::hub::control
