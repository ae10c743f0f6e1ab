#include "hub/energy_ledger.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/time.h"
#include "fmt/format.h"

namespace coolflow::hub {
namespace {

constexpr TimeNs kMinute = kNanosPerMinute;
constexpr double kJoulesPerKwh = 3.6e6;

std::string_view TagOf(const store::SeriesId& id, std::string_view key) {
  for (const reading::Tag& t : id.tags) {
    if (t.key == key) return t.value;
  }
  return {};
}

Result<std::vector<store::GroupBuckets>> PerMinute(store::Store& store, std::string measurement,
                                                   std::string field, TimeNs from, TimeNs to,
                                                   store::AggregateFunction fn) {
  store::AggregateQuery q;
  q.selector.measurement = std::move(measurement);
  q.selector.field = std::move(field);
  q.from = from;
  q.to = to;
  q.step = kMinute;
  q.function = fn;
  return store.Aggregate(q);
}

struct Minute {
  double cooling_w = 0;
  double compressor_w = 0;
  double it_w = 0;
  bool has_cooling = false;
  bool has_it = false;
  double air_sum = 0;
  int air_n = 0;
  std::optional<double> outdoor_c;
  bool outside_recommended = false;
  bool outside_allowable = false;
  bool has_temperature = false;
};

}  // namespace

double ModelCop(double air_c, double outdoor_c) {
  const double evaporating = air_c - 15;
  const double condensing = outdoor_c + 12;
  return std::clamp(0.45 * (evaporating + 273.15) / std::max(condensing - evaporating, 5.0), 1.0,
                    9.0);
}

Result<EnergyDay> ComputeEnergy(store::Store& store, const control::ControllerConfig* room,
                                TimeNs from, TimeNs to, const EnergyOptions& options) {
  EnergyDay day;
  day.from = from;
  day.to = to;
  if (to <= from) return day;
  std::map<TimeNs, Minute> minutes;

  auto power = PerMinute(store, "power", "power", from, to, store::AggregateFunction::kMean);
  if (!power.ok()) return power.status();
  for (const store::GroupBuckets& g : *power) {
    if (!g.series) continue;
    const std::string_view ac = TagOf(*g.series, "ac");
    const std::string_view rack = TagOf(*g.series, "rack");
    double fan_w = 0;
    bool cooling = !ac.empty();
    bool it = ac.empty() && !rack.empty();
    if (room != nullptr) {
      const auto unit = std::find_if(room->acs.begin(), room->acs.end(),
                                     [&](const control::AcSpec& a) { return a.name == ac; });
      cooling = unit != room->acs.end();
      if (cooling) fan_w = unit->fan_w;
      it = !cooling && std::any_of(room->racks.begin(), room->racks.end(),
                                   [&](const control::RackSpec& r) { return r.id == rack; });
    }
    for (const store::Bucket& b : g.buckets) {
      Minute& m = minutes[b.start];
      if (cooling) {
        m.cooling_w += b.value;
        m.compressor_w += std::max(0.0, b.value - fan_w);
        m.has_cooling = true;
      } else if (it) {
        m.it_w += b.value;
        m.has_it = true;
      }
    }
  }

  // Rack inlets: the mean for the COP, the extremes for the bands.
  for (const auto fn : {store::AggregateFunction::kMean, store::AggregateFunction::kMin,
                        store::AggregateFunction::kMax}) {
    auto temps = PerMinute(store, "temp", "temperature", from, to, fn);
    if (!temps.ok()) return temps.status();
    for (const store::GroupBuckets& g : *temps) {
      if (!g.series || TagOf(*g.series, "rack").empty()) continue;
      for (const store::Bucket& b : g.buckets) {
        Minute& m = minutes[b.start];
        m.has_temperature = true;
        if (fn == store::AggregateFunction::kMean) {
          m.air_sum += b.value;
          ++m.air_n;
        } else {
          const bool low = fn == store::AggregateFunction::kMin;
          if (low ? b.value < options.recommended_low_c : b.value > options.recommended_high_c)
            m.outside_recommended = true;
          if (low ? b.value < options.allowable_low_c : b.value > options.allowable_high_c)
            m.outside_allowable = true;
        }
      }
    }
  }
  auto weather =
      PerMinute(store, "weather", "temperature", from, to, store::AggregateFunction::kMean);
  if (weather.ok()) {
    for (const store::GroupBuckets& g : *weather) {
      for (const store::Bucket& b : g.buckets) {
        auto it = minutes.find(b.start);
        if (it != minutes.end()) it->second.outdoor_c = b.value;
      }
    }
  }

  double cooling_j = 0, it_j = 0, baseline_j = 0;
  int cooling_minutes = 0;
  bool any_cooling = false, any_it = false;
  const double seconds = static_cast<double>(kMinute) / kNanosPerSecond;
  for (const auto& [start, m] : minutes) {
    if (m.outside_recommended) day.minutes_outside_recommended += 1;
    if (m.outside_allowable) day.minutes_outside_allowable += 1;
    const TimeNs hour_start = start - (start - from) % kNanosPerHour;
    if (day.hours.empty() || day.hours.back().start != hour_start) {
      day.hours.push_back({hour_start, 0, 0});
    }
    if (m.has_it) {
      any_it = true;
      it_j += m.it_w * seconds;
      day.hours.back().it_kwh += m.it_w * seconds / kJoulesPerKwh;
    }
    if (!m.has_cooling) continue;
    any_cooling = true;
    ++cooling_minutes;
    cooling_j += m.cooling_w * seconds;
    day.hours.back().cooling_kwh += m.cooling_w * seconds / kJoulesPerKwh;
    double baseline_w = m.cooling_w;
    if (m.air_n > 0) {
      const double outdoor = m.outdoor_c.value_or(options.outdoor_c);
      const double heat_w = m.compressor_w * ModelCop(m.air_sum / m.air_n, outdoor);
      baseline_w =
          (m.cooling_w - m.compressor_w) + heat_w / ModelCop(options.baseline_setpoint_c, outdoor);
    }
    baseline_j += baseline_w * seconds;
  }
  day.hours_covered = cooling_minutes / 60.0;
  if (any_cooling) {
    day.cooling_kwh = cooling_j / kJoulesPerKwh;
    day.baseline_cooling_kwh = baseline_j / kJoulesPerKwh;
    day.saved_kwh = *day.baseline_cooling_kwh - *day.cooling_kwh;
    if (*day.baseline_cooling_kwh > 0) {
      day.saved_percent = 100 * *day.saved_kwh / *day.baseline_cooling_kwh;
    }
  }
  if (any_it) day.it_kwh = it_j / kJoulesPerKwh;
  if (any_it && any_cooling && it_j > 0) day.pue = (it_j + cooling_j) / it_j;
  return day;
}

nlohmann::json EnergyToJson(const EnergyDay& day, std::string_view label) {
  const auto optional = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  nlohmann::json hours = nlohmann::json::array();
  for (const EnergyHour& h : day.hours) {
    hours.push_back(
        {{"start", FormatRfc3339(h.start)}, {"cooling_kwh", h.cooling_kwh}, {"it_kwh", h.it_kwh}});
  }
  return {{"day", label},
          {"from", FormatRfc3339(day.from)},
          {"to", FormatRfc3339(day.to)},
          {"hours_covered", day.hours_covered},
          {"cooling_kwh", optional(day.cooling_kwh)},
          {"it_kwh", optional(day.it_kwh)},
          {"pue", optional(day.pue)},
          {"baseline_cooling_kwh", optional(day.baseline_cooling_kwh)},
          {"saved_kwh", optional(day.saved_kwh)},
          {"saved_percent", optional(day.saved_percent)},
          {"baseline", "fixed 18 °C setpoint, estimated with the room model's COP law"},
          {"minutes_outside_recommended", day.minutes_outside_recommended},
          {"minutes_outside_allowable", day.minutes_outside_allowable},
          {"hours", std::move(hours)}};
}

Result<std::pair<TimeNs, TimeNs>> LocalDay(std::string_view date, TimeNs now) {
  struct tm local {};
  if (date.empty()) {
    const time_t seconds = static_cast<time_t>(now / kNanosPerSecond);
    localtime_r(&seconds, &local);
  } else {
    int y = 0, mo = 0, d = 0;
    char extra = 0;
    const std::string text(date);
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &mo, &d, &extra) != 3 || mo < 1 || mo > 12 ||
        d < 1 || d > 31 || y < 1970 || y > 9999) {
      return InvalidArgument(fmt::format("day={:?}: expected YYYY-MM-DD", date));
    }
    local.tm_year = y - 1900;
    local.tm_mon = mo - 1;
    local.tm_mday = d;
  }
  local.tm_hour = local.tm_min = local.tm_sec = 0;
  local.tm_isdst = -1;
  struct tm next = local;
  ++next.tm_mday;
  const time_t start = mktime(&local);
  const time_t end = mktime(&next);
  if (start == -1 || end == -1) return InvalidArgument(fmt::format("day={:?}: no such day", date));
  return std::pair<TimeNs, TimeNs>{static_cast<TimeNs>(start) * kNanosPerSecond,
                                   static_cast<TimeNs>(end) * kNanosPerSecond};
}

}  // namespace coolflow::hub
