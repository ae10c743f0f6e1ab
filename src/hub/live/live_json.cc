#include "hub/live/live_json.h"

#include <cmath>

#include "common/time.h"
#include "reading/units.h"

namespace coolflow::hub::live {
namespace {

nlohmann::json Number(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

double Seconds(TimeNs t) {
  return static_cast<double>(t) / static_cast<double>(kNanosPerSecond);
}

nlohmann::json WindowJson(const WindowStats& w) {
  return {
      {"min", Number(w.min)}, {"max", Number(w.max)}, {"mean", Number(w.mean)}, {"count", w.count}};
}

}  // namespace

nlohmann::json MeansJson(const Snapshot& snapshot) {
  nlohmann::json means = nlohmann::json::object();
  for (const RoomMean& m : snapshot.means())
    means[m.name] = {{"value", Number(m.value)}, {"series", m.series}};
  return means;
}

nlohmann::json BoxJson(const BoxState& b) {
  nlohmann::json box = {{"box", b.box},
                        {"series", b.series},
                        {"last_seen", b.last_seen > 0 ? nlohmann::json(FormatRfc3339(b.last_seen))
                                                      : nlohmann::json(nullptr)}};
  box["online"] = b.online ? nlohmann::json(*b.online) : nlohmann::json(nullptr);
  if (b.online) box["status_time"] = FormatRfc3339(b.status_time);
  return box;
}

nlohmann::json ToJson(const Snapshot& snapshot, TimeNs now, const JsonOptions& options) {
  nlohmann::json out;
  out["time"] = FormatRfc3339(snapshot.time());
  out["now"] = FormatRfc3339(now);

  out["means"] = MeansJson(snapshot);
  nlohmann::json boxes = nlohmann::json::array();
  for (const BoxState& b : snapshot.boxes())
    boxes.push_back(BoxJson(b));
  out["boxes"] = std::move(boxes);

  nlohmann::json series = nlohmann::json::array();
  size_t omitted = 0;
  for (size_t i = 0; i < snapshot.series_count(); ++i) {
    const SeriesInfo& info = snapshot.info(i);
    if (!options.measurement.empty() && info.measurement != options.measurement) continue;
    if (series.size() >= options.max_series) {
      ++omitted;
      continue;
    }
    const SeriesState& st = snapshot.state(i);
    nlohmann::json tags = nlohmann::json::object();
    for (const reading::Tag& t : info.labels)
      tags[t.key] = t.value;
    series.push_back({{"key", info.key},
                      {"box", info.box},
                      {"rack", info.rack},
                      {"measurement", info.measurement},
                      {"metric", info.metric},
                      {"labels", std::move(tags)},
                      {"unit", reading::UnitSymbol(info.unit)},
                      {"value", Number(st.value)},
                      {"time", FormatRfc3339(st.time)},
                      {"age_s", Seconds(snapshot.Age(i, now))},
                      {"interval_s", Seconds(snapshot.Interval(i))},
                      {"rate_per_min", Number(st.rate_per_minute)},
                      {"stale", snapshot.Stale(i, now)}});
  }
  out["series"] = std::move(series);
  out["series_omitted"] = omitted;

  if (options.include_groups) {
    nlohmann::json groups = nlohmann::json::array();
    for (const GroupStats& g : snapshot.groups()) {
      nlohmann::json group = {{"scope", g.rack.empty() ? "room" : "rack"},
                              {"rack", g.rack},
                              {"measurement", g.measurement},
                              {"metric", g.metric}};
      for (size_t w = 0; w < kWindowCount; ++w)
        group[std::string(WindowName(static_cast<Window>(w)))] = WindowJson(g.windows[w]);
      groups.push_back(std::move(group));
    }
    out["groups"] = std::move(groups);
  }

  const LiveCounters& c = snapshot.counters();
  out["counters"] = {{"readings", c.readings},
                     {"non_numeric", c.non_numeric},
                     {"out_of_order", c.out_of_order},
                     {"dropped_series", c.dropped_series},
                     {"dropped_groups", c.dropped_groups}};
  return out;
}

}  // namespace coolflow::hub::live
