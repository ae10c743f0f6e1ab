// optimal — keep every rack's inlet under the target for the least cooling energy, from a
// model of the room learned online (docs/controller.md, "The optimal policy").
//
// Two choices each interval:
//  * how many units run (staging). Each running unit costs its fan, and a unit that runs
//    flat out keeps its supply air cold while its return air floats warmer, which is where a
//    vapour-compression unit is most efficient; so run as few as carry the load. The load a
//    set of units carries is measured, not assumed: the sum of their compressor duty cycles
//    (from their power meters) is the number of units' worth of capacity in use.
//  * the common setpoint. A unit's thermostat holds its return air near the setpoint, and
//    the hottest inlet peaks some kelvin above it: recirculation, the thermostat's band and
//    the air's mixing. That offset is learned per staging level by recursive least squares
//    against IT power (y = peak over a window − setpoint, x = [1, IT kW per running unit]);
//    the setpoint is the target minus the predicted offset minus twice the model's residual
//    spread, so the margin shrinks as the model earns it.
// Without power meters the policy keeps every unit on and only chooses the setpoint.
#include <algorithm>
#include <cmath>
#include <deque>

#include "fmt/format.h"
#include "hub/control/policy.h"
#include "hub/control/rls.h"
#include "nlohmann/json.hpp"

namespace coolflow::hub::control {
namespace {

// The offset is learned on the peak over this many intervals (a compressor cycle or two).
constexpr size_t kWindow = 5;
// Intervals after a change before the room is taken to have settled.
constexpr size_t kSettle = 3;
constexpr double kForgetting = 0.99;
// Prior: the hottest inlet peaks 2.5 K above the setpoint, whatever the load.
constexpr double kPriorOffsetK = 2.5;
constexpr double kPriorOffsetVariance = 4;
constexpr double kPriorLoadVariance = 1;
constexpr double kLoadScaleW = 10'000;  // regressor unit: 10 kW of IT per running unit
constexpr double kInitialSigmaK = 0.5;
constexpr double kSigmaShare = 0.05;
constexpr double kMarginSigmas = 1;
// Staging: add a unit when the running ones are nearly always on and the inlets near the
// target; drop one when the others could carry the load with this much headroom.
constexpr double kFullDuty = 0.9;
constexpr double kCapacityLimitedDuty = 0.95;
constexpr double kStageDownDuty = 0.7;
constexpr double kNearTargetK = 0.5;
constexpr double kOverTargetK = 0.2;
constexpr TimeNs kStageDownGap = 30 * kNanosPerMinute;
constexpr double kDutyShare = 0.3;
// Learning samples: the compressors off (duty at most kOffDuty) for kOffIntervals in a row.
constexpr double kOffDuty = 0.05;
constexpr size_t kOffIntervals = 2;

class OptimalPolicy final : public Policy {
 public:
  explicit OptimalPolicy(const ControllerConfig& config)
      : config_(config),
        setpoint_c_(std::clamp(std::floor(config.inlet_target_c - kPriorOffsetK - 1),
                               config.min_setpoint_c, config.max_setpoint_c)) {
    for (size_t n = 0; n < config.acs.size(); ++n) {
      levels_.push_back(
          Level{Rls<2>({kPriorOffsetK, 0}, {kPriorOffsetVariance, kPriorLoadVariance}, kForgetting),
                kInitialSigmaK * kInitialSigmaK});
    }
    staged_ = config.acs.size();
  }

  std::string name() const override { return "optimal"; }

  PolicyDecision Decide(const Observation& o) override {
    PolicyDecision d;
    if (!started_) {
      started_ = true;
      last_staging_ = o.now;  // no staging down before the load has been seen
    }
    const std::optional<double> hottest = o.hottest_peak_c;
    // Units to use, healthy ones first.
    std::vector<size_t> order;
    for (size_t a = 0; a < o.acs.size(); ++a) {
      if (o.acs[a].available && !o.acs[a].underperforming) order.push_back(a);
    }
    for (size_t a = 0; a < o.acs.size(); ++a) {
      if (o.acs[a].available && o.acs[a].underperforming) order.push_back(a);
    }
    if (order.empty()) {
      for (size_t a = 0; a < o.acs.size(); ++a)
        order.push_back(a);
    }
    // Measured load: compressor duty summed over the running units.
    std::optional<double> duty;
    double sum = 0;
    size_t running = 0;
    for (size_t a = 0; a < o.acs.size(); ++a) {
      if (!o.acs[a].commanded.power_on) continue;
      ++running;
      if (!o.acs[a].duty) {
        duty.reset();
        running = 0;
        break;
      }
      sum += *o.acs[a].duty;
      duty = sum;
    }
    if (duty) duty_ = duty_ ? *duty_ + kDutyShare * (*duty - *duty_) : *duty;
    const double per_unit_duty = duty && running > 0 ? *duty / static_cast<double>(running) : 0;
    const bool capacity_limited = duty && per_unit_duty >= kCapacityLimitedDuty;
    const std::optional<double> load_w = o.it_power_w;

    // Learn: the peak over the window against the setpoint, once settled, while the units'
    // thermostats (not their capacity) decide the room air.
    if (hottest) window_.push_back(*hottest);
    while (window_.size() > kWindow)
      window_.pop_front();
    // The setpoint governs the inlets' peaks while the compressors are off: the inlets then
    // drift up to the return air plus each rack's recirculation. So with metered units the
    // model learns from intervals that close a stretch of kOffIntervals with every running
    // compressor off (the inlets have settled near their peak); while a unit runs flat out the
    // inlets sit far below it, whatever the setpoint. Without meters, from every window.
    off_run_ = duty && per_unit_duty <= kOffDuty ? off_run_ + 1 : 0;
    std::string learned;
    const bool settled = stable_ >= kSettle && hottest;
    const bool sample = duty ? off_run_ >= kOffIntervals
                             : stable_ >= kWindow + kSettle && window_.size() == kWindow;
    if (settled && sample && staged_ >= 1) {
      Level& level = levels_[staged_ - 1];
      const double peak = duty ? *hottest : *std::max_element(window_.begin(), window_.end());
      const double error = level.rls.Update(Regressors(load_w, staged_), peak - setpoint_c_);
      level.sigma2 += kSigmaShare * (error * error - level.sigma2);
      learned =
          fmt::format("; learned peak-offset {:+.2f} K (error {:+.2f})", peak - setpoint_c_, error);
    }

    // Staging.
    const size_t available = order.size();
    size_t n = std::clamp<size_t>(staged_, 1, available);
    std::string staging;
    if (!duty_) {
      n = available;
    } else if (hottest && n < available &&
               ((*hottest > config_.inlet_target_c - kNearTargetK && per_unit_duty >= kFullDuty) ||
                *hottest > config_.inlet_target_c + kOverTargetK)) {
      ++n;
      staging = fmt::format("; {} running units are {:.0f}% busy at {:.1f} C: one more", n - 1,
                            100 * per_unit_duty, *hottest);
    } else if (n > 1 && o.now - last_staging_ >= kStageDownGap &&
               *duty_ <= static_cast<double>(n - 1) * kStageDownDuty && WindowPeak() &&
               *WindowPeak() <= config_.inlet_target_c - kNearTargetK) {
      --n;
      staging = fmt::format("; load is {:.2f} units' worth: {} can carry it", *duty_, n);
    }
    const bool staged_up = n > staged_;
    if (n != staged_) last_staging_ = o.now;

    // Setpoint: the target minus the predicted offset at this staging level.
    const Level& level = levels_[n - 1];
    const double offset = level.rls.Predict(Regressors(load_w, n)) +
                          kMarginSigmas * std::sqrt(std::max(0.0, level.sigma2));
    double wanted = config_.inlet_target_c - offset;
    std::string why =
        fmt::format("target {} C − predicted offset {:.2f} K", config_.inlet_target_c, offset);
    if (wanted > setpoint_c_) {
      if (capacity_limited) {
        wanted = setpoint_c_;
        why += ", held: the units run flat out, a higher setpoint saves nothing";
      } else if (stable_ < kWindow + kSettle || staged_up) {
        wanted = setpoint_c_;
        why += ", held until the room settles";
      } else {
        wanted = std::min(wanted, setpoint_c_ + 1);
      }
    }
    if (hottest && *hottest > config_.inlet_target_c) {
      wanted = std::min(wanted, setpoint_c_ - 1);
      why += fmt::format(", lowered: inlet {:.1f} C over the target", *hottest);
    }
    const double step = config_.setpoint_resolution_c > 0 ? config_.setpoint_resolution_c : 0.1;
    wanted = std::floor(wanted / step + 1e-9) * step;
    wanted = std::clamp(wanted, config_.min_setpoint_c, config_.max_setpoint_c);

    if (n != staged_ || wanted != setpoint_c_) {
      stable_ = 0;
      window_.clear();
    } else {
      ++stable_;
    }
    staged_ = n;
    setpoint_c_ = wanted;
    d.targets.assign(o.acs.size(), AcTarget{false, setpoint_c_});
    for (size_t i = 0; i < n; ++i)
      d.targets[order[i]].power_on = true;
    d.reason =
        fmt::format("optimal: {} unit(s) at {} C ({}){}{}", n, setpoint_c_, why, staging, learned);
    return d;
  }

  std::string ModelJson() const override {
    nlohmann::ordered_json j;
    j["staged_units"] = staged_;
    j["setpoint_c"] = setpoint_c_;
    j["load_units"] = duty_ ? nlohmann::ordered_json(*duty_) : nlohmann::ordered_json(nullptr);
    nlohmann::ordered_json levels = nlohmann::ordered_json::array();
    for (size_t n = 0; n < levels_.size(); ++n) {
      const Level& level = levels_[n];
      levels.push_back({{"units", n + 1},
                        {"offset_k", level.rls.theta()[0]},
                        {"offset_k_per_10kw", level.rls.theta()[1]},
                        {"sigma_k", std::sqrt(std::max(0.0, level.sigma2))},
                        {"samples", level.rls.samples()}});
    }
    j["levels"] = std::move(levels);
    return j.dump();
  }

 private:
  struct Level {
    Rls<2> rls;
    double sigma2;
  };

  static Rls<2>::Vector Regressors(const std::optional<double>& load_w, size_t units) {
    const double per_unit = load_w ? *load_w / static_cast<double>(std::max<size_t>(1, units)) : 0;
    return {1, per_unit / kLoadScaleW};
  }
  std::optional<double> WindowPeak() const {
    if (window_.empty()) return std::nullopt;
    return *std::max_element(window_.begin(), window_.end());
  }

  ControllerConfig config_;
  std::vector<Level> levels_;
  size_t staged_ = 1;
  double setpoint_c_;
  bool started_ = false;
  TimeNs last_staging_ = 0;
  size_t stable_ = 0;
  std::deque<double> window_;
  size_t off_run_ = 0;  // intervals in a row with every running compressor off
  std::optional<double> duty_;
};

}  // namespace

void RegisterOptimalPolicy(PolicyRegistry& registry) {
  registry.Register(
      "optimal",
      [](std::string_view args, const ControllerConfig& config) -> Result<std::unique_ptr<Policy>> {
        if (!args.empty()) return InvalidArgument("policy \"optimal\" takes no arguments");
        return std::unique_ptr<Policy>(std::make_unique<OptimalPolicy>(config));
      });
}

}  // namespace coolflow::hub::control
