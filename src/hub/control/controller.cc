#include "hub/control/controller.h"

#include <algorithm>
#include <cmath>

#include "common/time.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "nlohmann/json.hpp"

namespace coolflow::hub::control {
namespace {

// Inlet smoothing: the mean of the last few reads (a DHT22's noise is 0.2 C; the inlet air
// itself moves with a time constant of minutes), the median of more for a noisy sensor.
constexpr size_t kSmoothReads = 3;
constexpr size_t kNoisyReads = 5;
// A sensor is noisy when its second differences are this many times larger (in variance)
// than the median sensor's, once this many have been seen.
constexpr double kNoisyVarianceRatio = 9;
constexpr double kQuietVarianceRatio = 4;
constexpr TimeNs kNoisyHold = 10 * kNanosPerMinute;
// The same question asked sequentially and against the other sensors at the same read, so
// that a sensor gone noisy is named within a few reads. The racks share their cold air: a
// compressor starting moves every inlet at once and alike, while a rack's offset from the
// median inlet (its recirculation) moves only slowly. So the offset's step away from its
// own recent average (an EWMA over about kOffsetMeanReads reads) is the sensor's own
// noise, one value per read (differences would smear one bad read over two or three).
// A CUSUM of the log-likelihood ratio of "variance kNoisyVarianceRatio x the median
// sensor's" against "the median sensor's" runs over each new squared residual (for Gaussian
// noise x = residual^2 / median is chi-square with one degree of freedom when healthy):
// llr(x) = x/2 (1 - 1/R) - ln(R)/2. It alarms at ln(1e7): for independent reads about one
// false alarm in 10^7 reads of a healthy sensor (Siegmund's approximation of the in-control
// run length, e^h / |E llr|). One read adds at most a quarter of the alarm, so no single outlier (a
// load step on one rack) can raise it, only a run of reads; capped at twice the alarm, so that it
// falls back under it within minutes once the noise ends.
constexpr double kNoisyCusumAlarm = 16.1;  // ln(1e7)
constexpr double kNoisyCusumCap = 2 * kNoisyCusumAlarm;
constexpr size_t kMinPeersForResidual = 3;
constexpr double kOffsetMeanReads = 10;
// Drift: a rack's inlet against the others' moved kDriftK away from its long-run place
// (time constants kDriftFast and kDriftSlow, learned for kDriftWarmup first).
constexpr double kDriftK = 1.5;
constexpr double kDriftClearK = 0.5;
constexpr TimeNs kDriftFast = 10 * kNanosPerMinute;
constexpr TimeNs kDriftSlow = 6 * kNanosPerHour;
constexpr TimeNs kDriftWarmup = kNanosPerHour;
constexpr double kNoiseEwmaShare = 0.1;
// Stuck sensors: runs of identical values rarer than kStuckOdds for the sensor's own
// repeat rate (learned with kRepeatEwmaShare from runs shorter than kLearnRepeatsBelow).
constexpr double kStuckOdds = 1e-8;
// ... or identical while the mean of all inlets moved this much.
constexpr double kPeersMovedK = 0.5;
constexpr double kRepeatEwmaShare = 0.01;
constexpr uint64_t kLearnRepeatsBelow = 3;
constexpr double kMinRepeatRate = 0.01;
constexpr double kMaxRepeatRate = 0.5;
constexpr uint64_t kNoiseWarmup = 30;
// A metered unit's compressor runs when it draws clearly more than its fan.
constexpr double kCompressorOnFanShare = 1.5;
constexpr double kCompressorOnMarginW = 100;
// A unit whose fan draws less than this share of fan_w is off.
constexpr double kPoweredFanShare = 0.5;
// Anti-short-cycle timers (3 min is usual) never let a healthy compressor stop sooner.
constexpr TimeNs kMinCompressorRun = 150 * kNanosPerSecond;
// The room air must be this far above a unit's setpoint before its idling means trouble:
// its thermostat band (1 K) plus a rack's own recirculation share.
constexpr double kWarmAboveSetpointK = 1.5;
constexpr TimeNs kWarmFor = 30 * kNanosPerSecond;
// A peer's contrary behaviour must last this long (three meter readings).
constexpr TimeNs kPeerConfirm = 30 * kNanosPerSecond;
// Underperforming: within one compressor run, the compressor's power (minus the fan) over
// the last kRecentPower falls below kWeakShare of what it drew between kReferenceFrom and
// kReferenceTo ago. A step, not a level: the power also drifts with the return and outdoor
// air, slowly. Recovered when it draws kRecoveredShare of the power before the drop again.
constexpr double kWeakShare = 0.75;
constexpr double kRecoveredShare = 0.9;
constexpr TimeNs kRecentPower = 30 * kNanosPerSecond;
constexpr TimeNs kReferenceFrom = 3 * kNanosPerMinute;
constexpr TimeNs kReferenceTo = kNanosPerMinute;
// Samples of a unit's power kept for the checks.
constexpr TimeNs kPowerHistory = 15 * kNanosPerMinute;

bool IsInlet(const reading::Reading& r) {
  return r.measurement == "temp" && r.metric == "temperature";
}
bool IsPower(const reading::Reading& r) {
  return r.measurement == "power" && r.metric == "power";
}

const std::string* TagValue(const reading::Reading& r, std::string_view key) {
  for (const reading::Tag& tag : r.tags) {
    if (tag.key == key) return &tag.value;
  }
  return nullptr;
}

}  // namespace

std::string FormatAgentCommandJson(const AcCommandOut& c) {
  nlohmann::ordered_json j = {{"id", c.id},
                              {"device", c.device},
                              {"power", c.state.power_on},
                              {"setpoint_c", c.state.setpoint_c},
                              {"mode", "cool"}};
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

reading::AcCommand ToSeedAcCommand(const AcCommandOut& c) {
  return reading::AcCommand{c.device, c.state.setpoint_c, 0};
}

std::optional<CommandResult> ParseCommandResult(std::string_view outcome) {
  if (outcome == "applied") return CommandResult::kApplied;
  if (outcome == "refused") return CommandResult::kRefused;
  if (outcome == "rate_limited") return CommandResult::kRateLimited;
  if (outcome == "failed") return CommandResult::kFailed;
  return std::nullopt;
}

struct Controller::RackTrack {
  RackSpec spec;
  std::optional<TimeNs> last_time;
  double last_raw = 0;
  std::deque<double> recent;                // the last kNoisyReads values
  std::optional<double> peak;               // highest smoothed value since the last decision
  TimeNs identical_since = 0;               // start of the run of identical values
  uint64_t identical_run = 0;               // values in that run
  std::optional<double> room_at_run_start;  // mean inlet of all racks when the run began
  double repeat_rate = 0.2;                 // share of reads equal to the one before, when healthy
  bool implausible = false;
  std::optional<TimeNs> power_time;
  double power_w = 0;
  // Noise: EWMA of squared second differences.
  double noise = 0;
  uint64_t noise_n = 0;
  std::optional<double> fresh_value;  // the latest read not yet compared with the others'
  bool fresh_moved = false;           // ... and whether it differs from the read before
  double offset_mean = 0;             // EWMA of the rack's inlet minus the median inlet
  double residual_noise = 0;          // EWMA of (offset - offset_mean)^2
  uint64_t residual_n = 0;
  double noise_cusum = 0;     // the sequential test's statistic (kNoisyCusumAlarm)
  double residual_ratio = 0;  // residual_noise over the median sensor's
  bool noisy = false;
  std::optional<TimeNs> noisy_until;  // a noisy sensor stays flagged at least kNoisyHold
  bool stale = false, stuck = false;
  // Drift: the rack's inlet against the others', averaged fast and slow.
  std::optional<TimeNs> drift_since_start;
  TimeNs drift_last = 0;
  TimeNs drift_read_time = 0;  // the reading last taken into the averages
  double deviation_fast = 0, deviation_slow = 0;
  bool drifting = false;

  std::optional<double> Smoothed() const {
    if (recent.empty()) return std::nullopt;
    if (noisy && recent.size() >= 3) {
      std::vector<double> v(recent.begin(), recent.end());
      std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
      return v[v.size() / 2];
    }
    const size_t n = std::min(kSmoothReads, recent.size());
    double sum = 0;
    for (size_t i = recent.size() - n; i < recent.size(); ++i)
      sum += recent[i];
    return sum / static_cast<double>(n);
  }
};

struct Controller::AcTrack {
  AcSpec spec;
  AcTarget wanted;               // what the controller wants the unit to be
  std::optional<AcTarget> sent;  // the state last sent
  std::optional<TimeNs> last_sent;
  std::optional<TimeNs> last_change;  // last send of a state different from the one before
  bool retry = false;                 // resend at the next chance (refused, rate-limited)
  std::vector<std::pair<std::string, AcTarget>> pending;  // command ids awaiting a result
  // Metered power.
  std::optional<TimeNs> power_time;
  std::deque<std::pair<TimeNs, double>> samples;
  uint64_t interval_n = 0, interval_on = 0;
  double interval_sum = 0;
  std::optional<TimeNs> on_since, off_since;  // the compressor's current run
  double weak_reference_w = 0;                // compressor power before the drop that made it weak
  std::optional<TimeNs> warm_since;           // since when the room is clearly above its setpoint
  bool short_cycled = false;
  // Health.
  bool not_obeying = false;
  TimeNs not_obeying_since = 0;
  bool underperforming = false;
  std::optional<TimeNs> quarantined_until;

  double OnThreshold() const { return spec.fan_w * kCompressorOnFanShare + kCompressorOnMarginW; }
  bool Quarantined(TimeNs now) const { return quarantined_until && now < *quarantined_until; }
};

bool Controller::Powered(const AcTrack& ac) {
  return ac.wanted.power_on && ac.sent && ac.sent->power_on;
}

Controller::Controller(ControllerConfig config, std::unique_ptr<Policy> policy)
    : config_(std::move(config)), policy_(std::move(policy)) {
  for (const RackSpec& spec : config_.racks) {
    RackTrack t;
    t.spec = spec;
    racks_.push_back(std::move(t));
  }
  for (const AcSpec& spec : config_.acs) {
    AcTrack t;
    t.spec = spec;
    if (t.spec.device.empty()) t.spec.device = t.spec.name;
    t.wanted = {true, config_.initial_setpoint_c};
    acs_.push_back(std::move(t));
  }
  for (size_t r = 0; r < racks_.size(); ++r)
    rack_index_[racks_[r].spec.id].push_back(r);
  for (size_t a = 0; a < acs_.size(); ++a)
    ac_index_.emplace(acs_[a].spec.name, a);
}

Controller::~Controller() = default;

Result<std::unique_ptr<Controller>> Controller::Create(ControllerConfig config) {
  if (Status s = ValidateControllerConfig(config); !s.ok()) return s;
  auto policy = PolicyRegistry::Global().Make(config.policy, config);
  if (!policy.ok()) return policy.status();
  return std::unique_ptr<Controller>(new Controller(std::move(config), std::move(*policy)));
}

std::optional<size_t> Controller::AcIndex(std::string_view name) const {
  auto it = ac_index_.find(name);
  if (it == ac_index_.end()) return std::nullopt;
  return it->second;
}

void Controller::OnReading(const reading::Reading& r) {
  ++counters_.readings;
  const bool inlet = IsInlet(r);
  const bool power = IsPower(r);
  if (!inlet && !power) {
    ++counters_.not_for_control;
    return;
  }
  const std::string* rack_id = TagValue(r, "rack");
  const std::string* ac_name = power ? TagValue(r, "ac") : nullptr;
  if (rack_id == nullptr && ac_name == nullptr) {
    ++counters_.not_for_control;
    return;
  }
  if (!reading::IsNumeric(r.value) || std::holds_alternative<bool>(r.value)) {
    ++counters_.not_numeric;
    return;
  }
  const double value = reading::ValueAsDouble(r.value);
  if (!std::isfinite(value)) {
    ++counters_.non_finite;
    return;
  }
  if (now_ && r.time > *now_ + config_.interval) {
    ++counters_.future;
    return;
  }
  // Ordering within one series: a repeat (a retried batch) or an older value is dropped.
  auto ordered = [&](std::optional<TimeNs>& last) {
    if (last && r.time == *last) {
      ++counters_.duplicate;
      return false;
    }
    if (last && r.time < *last) {
      ++counters_.out_of_order;
      return false;
    }
    return true;
  };
  if (ac_name != nullptr) {
    std::optional<size_t> a = AcIndex(*ac_name);
    if (!a) {
      ++counters_.unknown_ac;
      return;
    }
    AcTrack& ac = acs_[*a];
    if (value < 0 || value > 1e7) {
      ++counters_.implausible;
      return;
    }
    if (!ordered(ac.power_time)) return;
    ac.power_time = r.time;
    ac.samples.emplace_back(r.time, value);
    while (!ac.samples.empty() && ac.samples.front().first < r.time - kPowerHistory)
      ac.samples.pop_front();
    ++ac.interval_n;
    ac.interval_sum += value;
    const bool on = value > ac.OnThreshold();
    if (on) ++ac.interval_on;
    if (on && !ac.on_since) {
      ac.on_since = r.time;
      ac.off_since.reset();
    } else if (!on && !ac.off_since) {
      // A compressor that stops before any anti-short-cycle timer allows has failed (or lost
      // power) unless the controller itself turned the unit off.
      const bool told_off =
          !ac.wanted.power_on || (ac.last_change && ac.on_since && *ac.last_change >= *ac.on_since);
      if (ac.on_since && r.time - *ac.on_since < kMinCompressorRun && !told_off &&
          ac.samples.size() >= 3) {
        ac.short_cycled = true;
      }
      ac.off_since = r.time;
      ac.on_since.reset();
    }
    ++counters_.used;
    return;
  }
  size_t r_index = racks_.size();
  bool other_box = false;
  auto candidates = rack_index_.find(*rack_id);
  if (candidates == rack_index_.end()) {
    ++counters_.unknown_rack;
    return;
  }
  for (size_t i : candidates->second) {
    if (!racks_[i].spec.box.empty() && racks_[i].spec.box != r.box) {
      other_box = true;
      continue;
    }
    r_index = i;
    break;
  }
  if (r_index == racks_.size()) {
    ++(other_box ? counters_.wrong_box : counters_.unknown_rack);
    return;
  }
  RackTrack& rack = racks_[r_index];
  if (power) {
    if (value < 0 || value > 1e7) {
      ++counters_.implausible;
      return;
    }
    if (!ordered(rack.power_time)) return;
    rack.power_time = r.time;
    rack.power_w = value;
    ++counters_.used;
    return;
  }
  if (!ordered(rack.last_time)) return;
  OnInlet(r_index, r, value);
}

void Controller::OnInlet(size_t r, const reading::Reading& reading, double value) {
  RackTrack& rack = racks_[r];
  // After a silence or a stuck spell the next values jump: start the noise estimate's
  // differences afresh rather than count the jump as noise.
  const bool silence = rack.last_time && reading.time - *rack.last_time > config_.stale_after;
  if (silence || (rack.stuck && value != rack.last_raw)) {
    rack.recent.clear();
  }
  rack.last_time = reading.time;
  if (value < config_.plausible_min_c || value > config_.plausible_max_c) {
    ++counters_.implausible;
    rack.implausible = true;
    return;
  }
  rack.implausible = false;
  ++counters_.used;
  const bool repeat = !rack.recent.empty() && value == rack.last_raw;
  if (!repeat) {
    rack.identical_since = reading.time;
    rack.identical_run = 1;
    rack.room_at_run_start = MeanInlet();
  } else {
    ++rack.identical_run;
  }
  // How often this sensor repeats itself when healthy (its noise against its resolution),
  // learned outside long runs so that a stuck spell does not teach it to repeat.
  if (rack.identical_run <= kLearnRepeatsBelow) {
    rack.repeat_rate += kRepeatEwmaShare * ((repeat ? 1.0 : 0.0) - rack.repeat_rate);
  }
  rack.last_raw = value;
  rack.fresh_value = value;
  rack.fresh_moved = !repeat;
  rack.recent.push_back(value);
  while (rack.recent.size() > kNoisyReads)
    rack.recent.pop_front();
  if (rack.recent.size() >= 3) {
    const size_t n = rack.recent.size();
    const double d2 = rack.recent[n - 1] - 2 * rack.recent[n - 2] + rack.recent[n - 3];
    rack.noise =
        rack.noise_n == 0 ? d2 * d2 : rack.noise + kNoiseEwmaShare * (d2 * d2 - rack.noise);
    ++rack.noise_n;
  }
  const std::optional<double> smoothed = rack.Smoothed();
  if (smoothed && (!rack.peak || *smoothed > *rack.peak)) rack.peak = smoothed;
}

double Controller::Quantise(double setpoint_c) const {
  const double step = config_.setpoint_resolution_c;
  if (step <= 0) return setpoint_c;
  // Down to the resolution: a remote with whole-degree keys gets the cooler whole degree.
  return std::floor(setpoint_c / step + 1e-9) * step;
}

std::optional<double> Controller::MeanInlet() const {
  double sum = 0;
  size_t n = 0;
  for (const RackTrack& rack : racks_) {
    if (const std::optional<double> v = rack.Smoothed()) {
      sum += *v;
      ++n;
    }
  }
  if (n == 0) return std::nullopt;
  return sum / static_cast<double>(n);
}

bool Controller::RackBlind(size_t r) const {
  const RackTrack& rack = racks_[r];
  return rack.stale || rack.stuck || rack.implausible || rack.drifting;
}

void Controller::SetCondition(std::string kind, const std::string& subject, bool active, TimeNs now,
                              std::string message) {
  auto it = std::find_if(conditions_.begin(), conditions_.end(), [&](const Condition& c) {
    return c.kind == kind && c.subject == subject;
  });
  if (active && it == conditions_.end()) {
    conditions_.push_back({std::move(kind), subject, now, std::move(message)});
    if (listener_) listener_(conditions_.back(), true);
  } else if (!active && it != conditions_.end()) {
    const Condition ended = *it;
    conditions_.erase(it);
    if (listener_) listener_(ended, false);
  }
}

void Controller::UpdateHealth(TimeNs now) {
  // Noise level of the median sensor, the reference for a noisy one.
  std::vector<double> levels;
  for (const RackTrack& rack : racks_) {
    if (rack.noise_n >= kNoiseWarmup) levels.push_back(rack.noise);
  }
  double median_noise = 0;
  if (levels.size() >= 3) {
    std::nth_element(levels.begin(), levels.begin() + static_cast<long>(levels.size() / 2),
                     levels.end());
    median_noise = levels[levels.size() / 2];
  }
  UpdateNoiseAgainstPeers();
  for (RackTrack& rack : racks_) {
    const std::string& id = rack.spec.id;
    const TimeNs since = rack.last_time ? *rack.last_time : (first_tick_ ? *first_tick_ : now);
    rack.stale = now - since > config_.stale_after;
    SetCondition("sensor_stale", id, rack.stale, now,
                 fmt::format("rack {} inlet: no reading for {}", id, FormatDuration(now - since)));
    // Stuck: the same value for stuck_after, and a run that long is too unlikely for this
    // sensor's own noise (p^(n-1) below kStuckOdds).
    const double p = std::clamp(rack.repeat_rate, kMinRepeatRate, kMaxRepeatRate);
    const bool unlikely =
        static_cast<double>(rack.identical_run - 1) * std::log(p) < std::log(kStuckOdds);
    // Or a run while the other racks' inlets moved: a live sensor would have followed.
    const std::optional<double> room_now = MeanInlet();
    const bool others_moved = room_now && rack.room_at_run_start &&
                              std::abs(*room_now - *rack.room_at_run_start) >= kPeersMovedK;
    rack.stuck = !rack.stale && !rack.recent.empty() && rack.last_time &&
                 (unlikely || others_moved) &&
                 *rack.last_time - rack.identical_since >= config_.stuck_after;
    SetCondition(
        "sensor_stuck", id, rack.stuck, now,
        fmt::format("rack {} inlet: the same value {} C for {}", id, rack.last_raw,
                    FormatDuration(rack.last_time ? *rack.last_time - rack.identical_since : 0)));
    SetCondition("sensor_implausible", id, rack.implausible && !rack.stale, now,
                 fmt::format("rack {} inlet: reading outside {}..{} C", id, config_.plausible_min_c,
                             config_.plausible_max_c));
    const double ratio = rack.noisy ? kQuietVarianceRatio : kNoisyVarianceRatio;
    if (median_noise > 0 && rack.noise_n >= kNoiseWarmup && rack.noise > ratio * median_noise) {
      rack.noisy_until = now + kNoisyHold;
    }
    if (rack.noise_cusum >= kNoisyCusumAlarm) rack.noisy_until = now + kNoisyHold;
    const bool noisy = rack.noisy_until && now < *rack.noisy_until;
    rack.noisy = noisy;
    SetCondition("sensor_noisy", id, noisy && !rack.stale, now,
                 fmt::format("rack {} inlet: {:.1f}x the noise of the other sensors; using the "
                             "median of its last {} reads",
                             id,
                             std::sqrt(std::max(median_noise > 0 ? rack.noise / median_noise : 0,
                                                rack.residual_ratio)),
                             kNoisyReads));
  }
  UpdateDrift(now);
  UpdateAcHealth(now);
}

void Controller::UpdateNoiseAgainstPeers() {
  std::vector<double> fresh;
  for (const RackTrack& rack : racks_) {
    if (rack.fresh_value) fresh.push_back(*rack.fresh_value);
  }
  if (fresh.size() < kMinPeersForResidual) return;  // kept for the next check
  std::nth_element(fresh.begin(), fresh.begin() + static_cast<long>(fresh.size() / 2), fresh.end());
  const double median = fresh[fresh.size() / 2];
  // The reference: the median sensor's residual noise, before this read.
  std::vector<double> levels;
  for (const RackTrack& rack : racks_) {
    if (rack.residual_n >= kNoiseWarmup) levels.push_back(rack.residual_noise);
  }
  double reference = 0;
  if (levels.size() >= kMinPeersForResidual) {
    std::nth_element(levels.begin(), levels.begin() + static_cast<long>(levels.size() / 2),
                     levels.end());
    reference = levels[levels.size() / 2];
  }
  const double llr_per_x = 0.5 * (1 - 1 / kNoisyVarianceRatio);
  const double llr_offset = 0.5 * std::log(kNoisyVarianceRatio);
  const double max_x = (kNoisyCusumAlarm / 4 + llr_offset) / llr_per_x;  // llr(max_x) = alarm/4
  for (RackTrack& rack : racks_) {
    if (!rack.fresh_value) continue;
    const double offset = *rack.fresh_value - median;
    rack.fresh_value.reset();
    if (rack.residual_n == 0) {
      rack.offset_mean = offset;
      ++rack.residual_n;
      continue;
    }
    const double residual = offset - rack.offset_mean;
    const double squared = residual * residual;
    // Noise is a sensor moving on its own: a read equal to the one before carries no
    // evidence of it (a stuck sensor stands still while the others move: that is
    // sensor_stuck's to name, not this test's).
    if (reference > 0 && rack.fresh_moved) {
      const double x = std::min(squared / reference, max_x);
      rack.noise_cusum =
          std::clamp(rack.noise_cusum + llr_per_x * x - llr_offset, 0.0, kNoisyCusumCap);
    }
    rack.offset_mean += residual / kOffsetMeanReads;
    rack.residual_noise =
        rack.residual_n == 1
            ? squared
            : rack.residual_noise + kNoiseEwmaShare * (squared - rack.residual_noise);
    ++rack.residual_n;
    if (reference > 0) rack.residual_ratio = rack.residual_noise / reference;
  }
}

void Controller::UpdateDrift(TimeNs now) {
  // Each rack's inlet minus the mean of the others': the racks share their cold air, so this
  // difference (their recirculation) holds still while the room swings. A sensor that
  // drifts moves it; a fast average leaving a slow one by kDriftK gives it away.
  std::vector<std::optional<double>> values(racks_.size());
  double sum = 0;
  size_t n = 0;
  for (size_t r = 0; r < racks_.size(); ++r) {
    const RackTrack& rack = racks_[r];
    if (!rack.stale && !rack.stuck && !rack.implausible) values[r] = rack.Smoothed();
    if (values[r]) {
      sum += *values[r];
      ++n;
    }
  }
  if (n < 3) return;
  for (size_t r = 0; r < racks_.size(); ++r) {
    RackTrack& rack = racks_[r];
    if (!values[r] || !rack.last_time || *rack.last_time == rack.drift_read_time) continue;
    rack.drift_read_time = *rack.last_time;
    const double deviation = *values[r] - (sum - *values[r]) / static_cast<double>(n - 1);
    if (!rack.drift_since_start) {
      rack.drift_since_start = now;
      rack.deviation_fast = rack.deviation_slow = deviation;
      rack.drift_last = now;
      continue;
    }
    const double dt = static_cast<double>(now - rack.drift_last);
    rack.drift_last = now;
    rack.deviation_fast +=
        (1 - std::exp(-dt / static_cast<double>(kDriftFast))) * (deviation - rack.deviation_fast);
    const double gap = rack.deviation_fast - rack.deviation_slow;
    // The slow average learns the rack's own offset, but not a drift once seen.
    if (!rack.drifting) {
      rack.deviation_slow +=
          (1 - std::exp(-dt / static_cast<double>(kDriftSlow))) * (deviation - rack.deviation_slow);
    }
    const bool warm = now - *rack.drift_since_start >= kDriftWarmup;
    if (!rack.drifting && warm && std::abs(gap) > kDriftK) {
      rack.drifting = true;
    } else if (rack.drifting && std::abs(gap) < kDriftClearK) {
      rack.drifting = false;
    }
    SetCondition("sensor_drift", rack.spec.id, rack.drifting, now,
                 fmt::format("rack {} inlet: {:+.1f} K away from where it stood against the other "
                             "racks; treated as blind",
                             rack.spec.id, gap));
  }
}

void Controller::UpdateAcHealth(TimeNs now) {
  // The coolest fresh inlet: the room air is at least about this warm.
  std::optional<double> coolest;
  for (size_t r = 0; r < racks_.size(); ++r) {
    if (RackBlind(r)) continue;
    const std::optional<double> v = racks_[r].Smoothed();
    if (v && (!coolest || *v < *coolest)) coolest = v;
  }
  for (AcTrack& ac : acs_) {
    const std::string& name = ac.spec.name;
    const bool metered = ac.power_time && now - *ac.power_time <= config_.stale_after;
    if (!metered) {
      ac.short_cycled = false;
      ac.warm_since.reset();
      continue;
    }
    const TimeNs window_start = now - config_.obey_timeout;
    const bool settled = ac.last_change && *ac.last_change <= window_start;
    // Rule 1: the fan's draw says whether the unit is on at all.
    bool mismatch = false;
    std::string why;
    if (settled && ac.spec.fan_w > 0 && ac.sent) {
      size_t n = 0, powered = 0;
      for (const auto& [t, w] : ac.samples) {
        if (t < window_start) continue;
        ++n;
        if (w >= kPoweredFanShare * ac.spec.fan_w) ++powered;
      }
      if (n >= 3 && ac.sent->power_on && powered == 0) {
        mismatch = true;
        why = "told to run but draws no power";
      } else if (n >= 3 && !ac.sent->power_on && powered == n) {
        mismatch = true;
        why = "told to stop but still draws power";
      }
    }
    // Rule 2: idle although the room is clearly above its setpoint.
    const bool warm =
        ac.wanted.power_on && coolest && *coolest >= ac.wanted.setpoint_c + kWarmAboveSetpointK;
    if (!warm) {
      ac.warm_since.reset();
    } else if (!ac.warm_since) {
      ac.warm_since = now;
    }
    if (!mismatch && ac.warm_since && now - *ac.warm_since >= kWarmFor && ac.off_since &&
        now - *ac.off_since >= std::max(config_.obey_timeout, kMinCompressorRun) && settled) {
      mismatch = true;
      why = fmt::format("compressor idle for {} while the room is above its setpoint {} C",
                        FormatDuration(now - *ac.off_since), ac.wanted.setpoint_c);
    }
    // Rule 3: a peer told the same thing, seeing the same return air, cools while this one
    // idles: it started after this one's anti-short-cycle timer ran out (so the room was
    // above their common turn-on point), or it kept running when this one stopped (so the
    // room was above their common turn-off point).
    if (!mismatch && ac.off_since && Powered(ac)) {
      for (const AcTrack& peer : acs_) {
        if (&peer == &ac || !peer.on_since || !Powered(peer) ||
            peer.wanted.setpoint_c != ac.wanted.setpoint_c) {
          continue;
        }
        // Both had their current state before the event that tells them apart.
        auto told_before = [&](TimeNs event) {
          return ac.last_change && peer.last_change && *ac.last_change <= event &&
                 *peer.last_change <= event;
        };
        const bool started_later = *peer.on_since >= *ac.off_since + kMinCompressorRun &&
                                   now - *peer.on_since >= kPeerConfirm &&
                                   told_before(*peer.on_since);
        const bool kept_running = *peer.on_since + kMinCompressorRun <= *ac.off_since &&
                                  now - *ac.off_since >= kPeerConfirm && told_before(*ac.off_since);
        if (started_later || kept_running) {
          mismatch = true;
          why = fmt::format("its compressor idles while {} (same setpoint {} C) cools",
                            peer.spec.name, ac.wanted.setpoint_c);
          break;
        }
      }
    }
    // Rule 4: a compressor that stopped sooner than any anti-short-cycle timer allows.
    if (!mismatch && ac.short_cycled) {
      mismatch = true;
      why = "compressor stopped minutes before its anti-short-cycle timer allows";
    }
    if (mismatch && !ac.not_obeying) {
      ac.not_obeying = true;
      ac.not_obeying_since = now;
      ac.quarantined_until = now + config_.quarantine;
      SetCondition("ac_not_obeying", name, true, now,
                   fmt::format("{} does not obey: {}; cooling with the other units", name, why));
    }
    // Recovery, once the quarantine let it be tried again: its power agrees with what it
    // was told and, when told to run, it has cooled normally for a while.
    if (ac.not_obeying && ac.quarantined_until && now >= *ac.quarantined_until) {
      ac.short_cycled = false;
      ac.quarantined_until.reset();
    }
    const bool cooling_well = ac.on_since && now - *ac.on_since >= config_.obey_timeout;
    const bool obeys = !mismatch && (!ac.wanted.power_on || cooling_well);
    if (ac.not_obeying && !ac.quarantined_until && settled && obeys) {
      ac.not_obeying = false;
      SetCondition("ac_not_obeying", name, false, now, "");
    }
    // Rule 5: cooling, but with a step down in compressor power (lost capacity).
    if (ac.on_since && now - *ac.on_since >= kReferenceFrom + kRecentPower) {
      double ref = 0, recent = 0;
      int ref_n = 0, recent_n = 0;
      for (const auto& [t, w] : ac.samples) {
        const double compressor = w - ac.spec.fan_w;
        if (t > now - kRecentPower) {
          recent += compressor;
          ++recent_n;
        } else if (t >= now - kReferenceFrom && t <= now - kReferenceTo) {
          ref += compressor;
          ++ref_n;
        }
      }
      if (ref_n > 0 && recent_n > 0) {
        ref /= ref_n;
        recent /= recent_n;
        if (!ac.underperforming && ref > 0 && recent < kWeakShare * ref) {
          ac.underperforming = true;
          ac.weak_reference_w = ref;
          SetCondition("ac_underperforming", name, true, now,
                       fmt::format("{}'s compressor power fell from {:.0f} W to {:.0f} W while "
                                   "running: lost capacity (refrigerant, filter, coil)",
                                   name, ref, recent));
        } else if (ac.underperforming && recent >= kRecoveredShare * ac.weak_reference_w) {
          ac.underperforming = false;
          SetCondition("ac_underperforming", name, false, now, "");
        }
      }
    }
  }
}

Observation Controller::Observe(TimeNs now) const {
  Observation o;
  o.now = now;
  double it = 0;
  bool it_complete = true;
  for (size_t r = 0; r < racks_.size(); ++r) {
    const RackTrack& rack = racks_[r];
    RackView v;
    v.healthy = !RackBlind(r);
    if (v.healthy) {
      v.raw_c = rack.last_raw;
      v.latest_c = rack.Smoothed();
      v.peak_c = rack.peak ? rack.peak : v.latest_c;
      if (v.peak_c && (!o.hottest_peak_c || *v.peak_c > *o.hottest_peak_c)) {
        o.hottest_peak_c = v.peak_c;
      }
    }
    if (rack.power_time && now - *rack.power_time <= config_.stale_after) {
      v.power_w = rack.power_w;
      it += rack.power_w;
    } else {
      it_complete = false;
    }
    o.racks.push_back(v);
  }
  if (it_complete) o.it_power_w = it;
  double cooling = 0;
  bool cooling_complete = true;
  for (const AcTrack& ac : acs_) {
    AcView v;
    v.available = !ac.Quarantined(now);
    v.underperforming = ac.underperforming;
    v.commanded = ac.wanted;
    if (ac.interval_n > 0 && ac.power_time && now - *ac.power_time <= config_.stale_after) {
      v.duty = static_cast<double>(ac.interval_on) / static_cast<double>(ac.interval_n);
      v.power_w = ac.interval_sum / static_cast<double>(ac.interval_n);
      cooling += *v.power_w;
    } else {
      cooling_complete = false;
    }
    o.acs.push_back(v);
  }
  if (cooling_complete) o.cooling_power_w = cooling;
  return o;
}

std::vector<AcCommandOut> Controller::Tick(TimeNs now) {
  if (now_ && now < *now_) now = *now_;
  now_ = now;
  if (!first_tick_) first_tick_ = now;
  UpdateHealth(now);
  bool blind = false;
  for (size_t r = 0; r < racks_.size(); ++r)
    blind = blind || RackBlind(r);
  bool any_quarantined = false;
  for (const AcTrack& ac : acs_)
    any_quarantined = any_quarantined || ac.Quarantined(now);
  // The safety layer acts at once when a rack goes blind or a unit is quarantined.
  const bool safety_change = (blind || any_quarantined) != last_blind_;
  last_blind_ = blind || any_quarantined;
  const bool due = !next_decision_ || now >= *next_decision_;
  if (due || safety_change) {
    Decide(now, !due);
    if (due) next_decision_ = (next_decision_ ? *next_decision_ : now) + config_.interval;
    if (next_decision_ && *next_decision_ <= now) next_decision_ = now + config_.interval;
  }

  // Send what differs from what was last sent, within the dwell; resend the rest on time.
  std::vector<AcCommandOut> out;
  std::vector<std::string> sent_names;
  for (AcTrack& ac : acs_) {
    const bool changed = !ac.sent || !(*ac.sent == ac.wanted);
    const bool dwell_ok = !ac.last_sent || now - *ac.last_sent >= config_.min_dwell;
    const bool resend = ac.last_sent && now - *ac.last_sent >= config_.resend_every;
    if (!((changed || ac.retry) && dwell_ok) && !resend) continue;
    AcCommandOut c;
    c.id = fmt::format("ctl-{}", next_command_id_++);
    c.ac = ac.spec.name;
    c.box = ac.spec.box;
    c.device = ac.spec.device;
    c.state = ac.wanted;
    c.reason = changed ? "decision" : (ac.retry ? "retry" : "resend");
    if (!changed && !ac.retry) ++counters_.resends;
    if (changed) ac.last_change = now;
    ac.retry = false;
    ac.sent = ac.wanted;
    ac.last_sent = now;
    ac.pending.emplace_back(c.id, c.state);
    if (ac.pending.size() > 16) ac.pending.erase(ac.pending.begin());
    ++counters_.commands;
    sent_names.push_back(ac.spec.name);
    out.push_back(std::move(c));
  }
  if (!sent_names.empty() && !decisions_.empty() && decisions_.back().time == now) {
    decisions_.back().sent = sent_names;
  }
  return out;
}

void Controller::Decide(TimeNs now, bool safety_only) {
  const Observation o = Observe(now);
  DecisionRecord d;
  d.time = now;
  d.policy = policy_->name();
  d.hottest_peak_c = o.hottest_peak_c;
  d.it_power_w = o.it_power_w;
  d.cooling_power_w = o.cooling_power_w;
  for (size_t r = 0; r < racks_.size(); ++r) {
    if (RackBlind(r)) {
      d.blind_racks.push_back(racks_[r].spec.id);
    } else {
      ++d.healthy_racks;
    }
  }
  for (size_t a = 0; a < acs_.size(); ++a) {
    if (!o.acs[a].available) d.unavailable_acs.push_back(acs_[a].spec.name);
  }
  PolicyDecision proposal;
  if (safety_only) {
    for (const AcTrack& ac : acs_)
      proposal.targets.push_back(ac.wanted);
    proposal.reason = "between decisions: the safety layer acts on a change of health";
  } else {
    proposal = policy_->Decide(o);
    proposal.targets.resize(acs_.size(), AcTarget{true, config_.initial_setpoint_c});
  }
  d.proposed = proposal.targets;
  d.model = policy_->ModelJson();
  std::vector<AcTarget> decided = proposal.targets;
  d.mode = "policy";
  std::string reason = proposal.reason;

  std::optional<double> hottest_now;
  for (const RackView& v : o.racks) {
    if (v.latest_c && (!hottest_now || *v.latest_c > *hottest_now)) hottest_now = v.latest_c;
  }
  const bool over_limit = hottest_now && *hottest_now > config_.inlet_limit_c;
  const bool blind = !d.blind_racks.empty();
  const bool compensate = !d.unavailable_acs.empty();
  for (size_t a = 0; a < acs_.size(); ++a) {
    AcTarget& t = decided[a];
    t.setpoint_c =
        std::clamp(Quantise(t.setpoint_c), config_.min_setpoint_c, config_.max_setpoint_c);
    const bool available = o.acs[a].available;
    if (over_limit) {
      // Everything that can cool, cools, and harder than before.
      t.power_on = true;
      t.setpoint_c = std::min(
          {t.setpoint_c, acs_[a].wanted.setpoint_c - config_.max_step_c, config_.safe_setpoint_c});
      t.setpoint_c = std::max(t.setpoint_c, config_.min_setpoint_c);
    } else if (blind) {
      t.power_on = true;
      t.setpoint_c = std::min(t.setpoint_c, config_.safe_setpoint_c);
    } else if (!available) {
      // A quarantined unit is switched off (its fan would only stir warm air) and retried
      // when its quarantine ends.
      t.power_on = false;
    } else if (compensate) {
      t.power_on = true;
    }
  }
  if (over_limit) {
    d.mode = "limit";
    reason = fmt::format("inlet {:.1f} C above the limit {} C: every unit on, setpoints down",
                         *hottest_now, config_.inlet_limit_c);
  } else if (blind) {
    d.mode = "safe";
    reason = fmt::format("blind racks ({}): every unit on at most {} C",
                         fmt::join(d.blind_racks, ", "), config_.safe_setpoint_c);
  } else if (compensate) {
    d.mode = "safe";
    reason = fmt::format("{} not obeying: off and retried later; every other unit on; {}",
                         fmt::join(d.unavailable_acs, ", "), proposal.reason);
  }
  if (d.mode != "policy") ++counters_.safety_overrides;
  // Policy moves are bounded in size; moves toward more cooling by the safety layer are not.
  if (d.mode == "policy") {
    bool bounded = false;
    for (size_t a = 0; a < acs_.size(); ++a) {
      // From what the unit was last sent: a held-back command does not let steps pile up.
      const double from = acs_[a].sent ? acs_[a].sent->setpoint_c : acs_[a].wanted.setpoint_c;
      const double to = decided[a].setpoint_c;
      if (std::abs(to - from) > config_.max_step_c) {
        decided[a].setpoint_c = from + std::copysign(config_.max_step_c, to - from);
        bounded = true;
      }
    }
    if (bounded) {
      d.mode = "bounded";
      reason += fmt::format(" (step limited to {} C)", config_.max_step_c);
    }
  }
  for (size_t a = 0; a < acs_.size(); ++a)
    acs_[a].wanted = decided[a];
  d.decided = decided;
  d.reason = reason;
  for (RackTrack& rack : racks_)
    rack.peak.reset();
  for (AcTrack& ac : acs_) {
    ac.interval_n = ac.interval_on = 0;
    ac.interval_sum = 0;
  }
  decisions_.push_back(std::move(d));
  while (decisions_.size() > config_.decision_log_size)
    decisions_.pop_front();
}

void Controller::OnCommandResult(std::string_view id, CommandResult result, TimeNs now) {
  for (AcTrack& ac : acs_) {
    auto it = std::find_if(ac.pending.begin(), ac.pending.end(),
                           [&](const auto& p) { return p.first == id; });
    if (it == ac.pending.end()) continue;
    ac.pending.erase(it);
    switch (result) {
      case CommandResult::kApplied:
        ++counters_.results_applied;
        SetCondition("command_refused", ac.spec.name, false, now, "");
        return;
      case CommandResult::kRateLimited:
        ++counters_.results_rate_limited;
        ac.retry = true;
        ac.last_sent.reset();
        return;
      case CommandResult::kRefused:
      case CommandResult::kFailed:
        ++(result == CommandResult::kRefused ? counters_.results_refused
                                             : counters_.results_failed);
        ac.retry = true;
        SetCondition("command_refused", ac.spec.name, true, now,
                     fmt::format("the agent {} command {} for {}",
                                 result == CommandResult::kRefused ? "refused" : "failed", id,
                                 ac.spec.name));
        return;
    }
  }
  ++counters_.results_unknown;
}

Status Controller::SetPolicy(std::string_view spec) {
  auto policy = PolicyRegistry::Global().Make(spec, config_);
  if (!policy.ok()) return policy.status();
  policy_ = std::move(*policy);
  config_.policy = std::string(spec);
  // A manual policy starts from what the units were last told.
  for (size_t a = 0; a < acs_.size(); ++a)
    (void)policy_->SetManual(a, acs_[a].wanted);
  next_decision_.reset();
  return Status::Ok();
}

Status Controller::SetManualSetpoint(std::string_view ac, double setpoint_c, bool power_on) {
  std::optional<size_t> a = AcIndex(ac);
  if (!a) return NotFound(fmt::format("no AC \"{}\"", ac));
  if (Status s = policy_->SetManual(*a, {power_on, setpoint_c}); !s.ok()) return s;
  next_decision_.reset();  // act at the next Tick
  return Status::Ok();
}

Status Controller::NudgeManualSetpoint(std::string_view ac, int direction) {
  std::optional<size_t> a = AcIndex(ac);
  if (!a) return NotFound(fmt::format("no AC \"{}\"", ac));
  if (direction != 1 && direction != -1) return InvalidArgument("direction must be +1 or -1");
  const double next = acs_[*a].wanted.setpoint_c + direction;
  if (next < config_.min_setpoint_c || next > config_.max_setpoint_c) {
    return OutOfRange(fmt::format("setpoint {} C is outside {}..{} C", next, config_.min_setpoint_c,
                                  config_.max_setpoint_c));
  }
  return SetManualSetpoint(ac, next, true);
}

std::vector<Condition> Controller::conditions() const {
  return conditions_;
}

std::vector<AcTarget> Controller::commanded() const {
  std::vector<AcTarget> out;
  for (const AcTrack& ac : acs_)
    out.push_back(ac.wanted);
  return out;
}

std::string Controller::DecisionsJson(size_t max) const {
  std::vector<std::string> names;
  for (const AcTrack& ac : acs_)
    names.push_back(ac.spec.name);
  std::string out = "[";
  const size_t start = decisions_.size() > max ? decisions_.size() - max : 0;
  for (size_t i = start; i < decisions_.size(); ++i) {
    if (i > start) out += ',';
    out += DecisionJson(decisions_[i], names);
  }
  return out + "]";
}

}  // namespace coolflow::hub::control
