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

double Quantise(double value, double step) {
  return std::round(value / step) * step;
}

}  // namespace

SensorBank::SensorBank(const Scenario& scenario)
    : config_(scenario.sensors), resolution_c_(Resolution(scenario.sensors.model)) {
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
      const TimeNs since = model.now() - model.scenario().start_time - fault->start;
      const bool active = since >= 0 && (fault->duration == 0 || since < fault->duration);
      if (active) {
        drift_c += fault->severity * static_cast<double>(since) / (3600.0 * kNanosPerSecond);
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

}  // namespace coolflow::room
