#include "room/sensors.h"

#include <algorithm>
#include <cmath>

#include "room/psychrometrics.h"

namespace coolflow::room {
namespace {

// Datasheet resolutions: DHT22 (AM2302) 0.1 C / 0.1 %RH; DS18B20 at 12 bits 0.0625 C;
// BME280 0.01 C.
double Resolution(SensorModel model) {
  switch (model) {
    case SensorModel::kDht22:
      return 0.1;
    case SensorModel::kDs18b20:
      return 0.0625;
    case SensorModel::kBme280:
      return 0.01;
  }
  return 0.1;
}

// A part's fixed calibration error stays within its stated accuracy: a uniform share of
// the noise sigma keeps it well inside (DHT22: +-0.5 C).
constexpr double kBiasShareOfSigma = 1.0;
constexpr uint64_t kSensorStream = 5000;
constexpr uint64_t kMeterStream = 6000;
constexpr uint64_t kServerStream = 100000;
// Power meters and tachometers: 1 % noise.
constexpr double kMeterNoise = 0.01;
// A typical 2U server: 16 cores, 64 GiB of memory, 8 GiB of swap, Linux's 100 Hz ticks.
constexpr double kCores = 16;
constexpr double kTicksPerSecond = 100;
constexpr double kUserShare = 0.8;  // of busy CPU time spent in user space
constexpr double kMemoryKb = 64.0 * 1024 * 1024;
constexpr double kMemoryBaseShare = 0.15;  // used by the OS and idle services
constexpr double kMemoryLoadShare = 0.55;  // used at full load on top
constexpr double kBufferShare = 0.02;
constexpr double kCachedShare = 0.5;  // of available memory, used as page cache
constexpr double kSwapKb = 8.0 * 1024 * 1024;
constexpr double kSwapLoadShare = 0.05;
constexpr double kDiskGrowthPerDay = 0.2;  // percentage points of / filled per day
constexpr double kDiskFullPercent = 99;
constexpr double kIdleBytesPerS = 50e3;  // monitoring, heartbeats
constexpr double kBusyInBytesPerS = 20e6;
constexpr double kBusyOutBytesPerS = 35e6;
// Servers were booted between a day and 90 days before the scenario starts.
constexpr double kMinUptimeS = 86400;
constexpr double kMaxUptimeS = 90 * 86400;

// Divides by the steps per unit rather than multiplying by the step, so 0.1 steps give the
// double nearest 23.7 (as a device printing "23.7" does), not 237 x 0.1 = 23.700000000000003.
double Quantise(double value, double step) {
  return std::round(value / step) / (1.0 / step);
}

}  // namespace

SensorBank::SensorBank(const Scenario& scenario)
    : config_(scenario.sensors),
      resolution_c_(Resolution(scenario.sensors.model)),
      meter_rng_(Rng::For(scenario.seed, kMeterStream)) {
  sensors_.reserve(scenario.racks.size());
  for (size_t r = 0; r < scenario.racks.size(); ++r) {
    Sensor sensor{Rng::For(scenario.seed, kSensorStream + r)};
    sensor.bias_c =
        (2 * sensor.rng.Uniform() - 1) * kBiasShareOfSigma * config_.temperature_sigma_c;
    sensors_.push_back(std::move(sensor));
  }
}

std::optional<double> SensorBank::ReadInletTemperature(size_t r, const RoomModel& model) {
  return Read(r, model, /*with_humidity=*/false).temperature_c;
}

InletSample SensorBank::ReadInlet(size_t r, const RoomModel& model) {
  return Read(r, model, /*with_humidity=*/true);
}

InletSample SensorBank::Read(size_t r, const RoomModel& model, bool with_humidity) {
  Sensor& sensor = sensors_[r];
  const bool faulty = !model.RackFaults(r).empty();
  if (faulty) {
    if (model.RackFaultActive(r, FaultKind::kSensorDead)) return {};
    if (model.RackFaultActive(r, FaultKind::kSensorStuck) && sensor.last.temperature_c) {
      return sensor.last;
    }
  }
  if (sensor.rng.Uniform() < config_.read_failure_rate) return {};
  const RoomState& state = model.state();
  const double true_c = state.racks[r].inlet_c;
  double sigma = config_.temperature_sigma_c;
  double rh_sigma = config_.humidity_sigma_rh;
  double drift_c = 0;
  if (faulty) {
    if (const double noisy = model.RackFaultSeverity(r, FaultKind::kSensorNoisy); noisy > 0) {
      sigma *= 1 + noisy;
      rh_sigma *= 1 + noisy;
    }
    for (const FaultConfig* fault : model.RackFaults(r)) {
      if (fault->kind != FaultKind::kSensorDrift) continue;
      const TimeNs since_start = model.now() - model.scenario().start_time;
      if (fault->ActiveAt(since_start)) {
        drift_c += fault->severity * static_cast<double>(since_start - fault->start) /
                   (3600.0 * kNanosPerSecond);
      }
    }
  }
  InletSample sample;
  sample.temperature_c =
      Quantise(true_c + sensor.bias_c + drift_c + sigma * sensor.rng.Normal(), resolution_c_);
  if (with_humidity) {
    const double true_rh = RelativeHumidity(true_c, state.humidity_ratio);
    sample.humidity_rh =
        std::clamp(Quantise(true_rh + rh_sigma * sensor.rng.Normal(), 0.1), 0.0, 100.0);
  }
  sensor.last = sample;
  return sample;
}

double SensorBank::ReadRackPower(size_t r, const RoomModel& model) {
  const double true_w = model.state().racks[r].it_power_w;
  return std::max(0.0, Quantise(true_w * (1 + kMeterNoise * meter_rng_.Normal()), 1));
}

double SensorBank::ReadFanRpm(size_t r, const RoomModel& model) {
  const double true_rpm = model.state().racks[r].fan_rpm;
  return std::max(0.0, Quantise(true_rpm * (1 + kMeterNoise * meter_rng_.Normal()), 60));
}

double SensorBank::ReadAcPower(size_t a, const RoomModel& model) {
  const double true_w = model.state().acs[a].electric_w;
  return std::max(0.0, Quantise(true_w * (1 + kMeterNoise * meter_rng_.Normal()), 1));
}

SnmpSample SensorBank::ReadSnmp(size_t r, int s, const RoomModel& model) const {
  // Each server has its own fixed traits (boot time, disk fill, traffic share), drawn from
  // the scenario seed, so reads of the same server agree with each other.
  Rng traits = Rng::For(model.scenario().seed, kServerStream + r * 1000 + static_cast<size_t>(s));
  const double boot_s = kMinUptimeS + traits.Uniform() * (kMaxUptimeS - kMinUptimeS);
  const double disk_start = 20 + 40 * traits.Uniform();
  const double traffic = 0.5 + traits.Uniform();
  const RackState& rack = model.state().racks[r];
  const double elapsed_s = static_cast<double>(model.now() - model.scenario().start_time) /
                           static_cast<double>(kNanosPerSecond);
  const double up_s = boot_s + elapsed_s;
  const double ticks_per_s = kCores * kTicksPerSecond;
  // Busy time before the scenario started is taken at the room's base utilisation.
  const double busy_s = model.scenario().load.base * boot_s + rack.busy_seconds;
  const double total = ticks_per_s * up_s;
  const double busy = ticks_per_s * busy_s;
  SnmpSample sample;
  sample.cpu_user_ticks = static_cast<uint64_t>(kUserShare * busy);
  sample.cpu_system_ticks = static_cast<uint64_t>((1 - kUserShare) * busy);
  sample.cpu_idle_ticks = static_cast<uint64_t>(std::max(0.0, total - busy));
  sample.load1 = kCores * rack.load1;
  sample.load5 = kCores * rack.load5;
  sample.load15 = kCores * rack.load15;
  sample.memory_total_kb = static_cast<uint64_t>(kMemoryKb);
  const double used_share = kMemoryBaseShare + kMemoryLoadShare * rack.utilisation;
  const auto available = static_cast<uint64_t>(kMemoryKb * (1 - used_share));
  sample.memory_available_kb = available;
  sample.memory_buffers_kb = static_cast<uint64_t>(kMemoryKb * kBufferShare);
  sample.memory_cached_kb = static_cast<uint64_t>(static_cast<double>(available) * kCachedShare);
  sample.swap_available_kb =
      static_cast<uint64_t>(kSwapKb * (1 - kSwapLoadShare * rack.utilisation));
  sample.disk_used_percent =
      std::min(kDiskFullPercent, disk_start + kDiskGrowthPerDay * up_s / 86400.0);
  sample.net_in_octets =
      static_cast<uint64_t>(traffic * (kIdleBytesPerS * up_s + kBusyInBytesPerS * busy_s));
  sample.net_out_octets =
      static_cast<uint64_t>(traffic * (kIdleBytesPerS * up_s + kBusyOutBytesPerS * busy_s));
  sample.uptime_ticks = static_cast<uint64_t>(up_s * kTicksPerSecond);
  return sample;
}

}  // namespace coolflow::room
