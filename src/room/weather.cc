#include "room/weather.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>

#include "common/time.h"
#include "fmt/format.h"
#include "reading/text_util.h"

namespace coolflow::room {
namespace {

constexpr double kSecondsPerDay = 86400;
constexpr double kDaysPerYear = 365.2425;

// 0..1..0: the heat wave's share at `t`, ramping linearly in and out.
double HeatWaveShare(const HeatWave& wave, TimeNs since_start) {
  const TimeNs into = since_start - wave.start;
  if (into < 0 || into > wave.duration) return 0;
  const auto ramp = static_cast<double>(std::max<TimeNs>(wave.ramp, 1));
  const double up = static_cast<double>(into) / ramp;
  const double down = static_cast<double>(wave.duration - into) / ramp;
  return std::clamp(std::min(up, down), 0.0, 1.0);
}

}  // namespace

Result<Weather> Weather::Create(const WeatherConfig& config, TimeNs scenario_start) {
  Weather weather;
  weather.config_ = config;
  weather.start_ = scenario_start;
  if (config.csv_path.empty()) return weather;
  std::ifstream in(config.csv_path);
  if (!in) return NotFound(fmt::format("{}: cannot open the weather file", config.csv_path));
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view text = reading::Trim(line);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.empty() || text.front() == '#') continue;
    std::vector<std::string_view> fields;
    size_t pos = 0;
    for (;;) {
      const size_t comma = text.find(',', pos);
      fields.push_back(reading::Trim(text.substr(pos, comma - pos)));
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
    auto where = [&](std::string_view why) {
      return InvalidArgument(fmt::format("{}:{}: {}", config.csv_path, line_no, why));
    };
    if (line_no == 1 && fields[0] == "time") continue;  // header
    if (fields.size() < 2 || fields.size() > 3) {
      return where("expected time,temperature_c[,humidity_rh]");
    }
    auto time = ParseTimestamp(fields[0]);
    if (!time.ok()) return where(time.status().message());
    Sample sample{*time, 0, config.humidity_rh};
    if (!reading::ParseDouble(fields[1], sample.temperature_c) || sample.temperature_c < -60 ||
        sample.temperature_c > 60) {
      return where(fmt::format("temperature '{}' is not a number in -60..60 C", fields[1]));
    }
    if (fields.size() == 3 && (!reading::ParseDouble(fields[2], sample.humidity_rh) ||
                               sample.humidity_rh < 0 || sample.humidity_rh > 100)) {
      return where(fmt::format("humidity '{}' is not a number in 0..100 %", fields[2]));
    }
    if (!weather.samples_.empty() && sample.time <= weather.samples_.back().time) {
      return where("times must increase");
    }
    weather.samples_.push_back(sample);
  }
  if (weather.samples_.empty()) {
    return InvalidArgument(fmt::format("{}: no weather samples", config.csv_path));
  }
  return weather;
}

OutdoorConditions Weather::At(TimeNs t) const {
  double temperature = 0;
  double humidity = config_.humidity_rh;
  if (!samples_.empty()) {
    auto after = std::lower_bound(samples_.begin(), samples_.end(), t,
                                  [](const Sample& s, TimeNs x) { return s.time < x; });
    if (after == samples_.begin()) {
      temperature = after->temperature_c;
      humidity = after->humidity_rh;
    } else if (after == samples_.end()) {
      temperature = samples_.back().temperature_c;
      humidity = samples_.back().humidity_rh;
    } else {
      const Sample& before = *(after - 1);
      const double share =
          static_cast<double>(t - before.time) / static_cast<double>(after->time - before.time);
      temperature = before.temperature_c + share * (after->temperature_c - before.temperature_c);
      humidity = before.humidity_rh + share * (after->humidity_rh - before.humidity_rh);
    }
  } else {
    const double seconds_of_day =
        std::fmod(static_cast<double>(t / kNanosPerSecond), kSecondsPerDay);
    const double hours = seconds_of_day / 3600.0;
    temperature =
        config_.mean_c +
        config_.amplitude_k * std::cos(2 * std::numbers::pi * (hours - config_.peak_hour) / 24.0);
    if (config_.seasonal_amplitude_k > 0) {
      // Day of the year from the epoch (1 January 1970 is day 0), good to a day for
      // centuries; the Gregorian year is 365.2425 days long.
      const double days = static_cast<double>(t / kNanosPerSecond) / kSecondsPerDay;
      const double day_of_year = std::fmod(days, kDaysPerYear);
      temperature +=
          config_.seasonal_amplitude_k *
          std::cos(2 * std::numbers::pi * (day_of_year - config_.warmest_day) / kDaysPerYear);
    }
  }
  for (const HeatWave& wave : config_.heat_waves) {
    temperature += wave.extra_k * HeatWaveShare(wave, t - start_);
  }
  return {temperature, humidity};
}

}  // namespace coolflow::room
