#include "hub/control_room_http.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <utility>

#include "common/time.h"
#include "fmt/format.h"
#include "hub/alerts/history.h"
#include "hub/alerts/notifier.h"
#include "hub/http_params.h"
#include "nlohmann/json.hpp"
#include "reading/units.h"

namespace coolflow::hub {
namespace {

constexpr TimeNs kMinSilence = kNanosPerMinute;
constexpr TimeNs kMaxSilence = 30 * 24 * kNanosPerHour;
constexpr size_t kMaxComment = 1000;
constexpr TimeNs kEnergyCacheFor = 10 * kNanosPerSecond;

// Map positions: given ones, else racks in a row and ACs along the wall before it.
constexpr double kRackPitchM = 0.8;

double OrDefault(double v, double fallback) {
  return std::isnan(v) ? fallback : v;
}

Result<nlohmann::json> JsonBody(const web::Request& request) {
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return InvalidArgument("the body is not JSON");
  if (!body.is_object()) return InvalidArgument("the body must be a JSON object");
  return body;
}

Result<std::string> OptionalString(const nlohmann::json& body, std::string_view key,
                                   size_t max_size) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) return InvalidArgument(fmt::format("{}: a string is expected", key));
  std::string value = it->get<std::string>();
  if (value.size() > max_size) {
    return InvalidArgument(fmt::format("{}: longer than {} bytes", key, max_size));
  }
  return value;
}

std::string UserOf(const web::Request& request) {
  return request.user ? request.user->name : "anonymous";
}

// The energy ledger of the days asked lately, recomputed at most every kEnergyCacheFor.
class EnergyCache {
 public:
  Result<std::string> Get(Hub& hub, const control::ControllerConfig* room, std::string_view day,
                          TimeNs now, const EnergyOptions& options) {
    auto range = LocalDay(day, now);
    if (!range.ok()) return range.status();
    const std::string key = fmt::format("{}", range->first);
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && now - it->second.computed < kEnergyCacheFor) return it->second.json;
    const TimeNs to = std::min(range->second, now);
    auto ledger = ComputeEnergy(hub.store(), room, range->first, to, options);
    if (!ledger.ok()) return ledger.status();
    std::string label = std::string(day);
    if (label.empty()) {
      const time_t seconds = static_cast<time_t>(range->first / kNanosPerSecond);
      struct tm local {};
      localtime_r(&seconds, &local);
      label =
          fmt::format("{:04}-{:02}-{:02}", local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
    }
    if (cache_.size() > 64) cache_.clear();
    Entry& e = cache_[key];
    e.computed = now;
    e.json = EnergyToJson(*ledger, label).dump();
    return e.json;
  }

 private:
  struct Entry {
    TimeNs computed = 0;
    std::string json;
  };
  std::mutex mu_;
  std::map<std::string, Entry> cache_;
};

web::Response AlertsResponse(HubRuntime& runtime, LiveFeed& feed, const web::Request& request,
                             TimeNs now) {
  auto history_count = CountParam(request, "history", 50, 1000);
  if (!history_count.ok()) return web::Response::Error(400, history_count.status().message());
  nlohmann::json out = feed.AlertsJson();
  out["history"] = nlohmann::json::array();
  alerts::AlertHistory* history = runtime.alerts().history();
  if (history == nullptr) return web::Response::Json(out.dump());
  Result<std::vector<alerts::HistoryEntry>> entries = std::vector<alerts::HistoryEntry>{};
  if (request.Query("from") || request.Query("to")) {
    auto from = TimeParam(request, "from", now, now - 24 * kNanosPerHour);
    auto to = TimeParam(request, "to", now, now + kNanosPerMinute);
    if (!from.ok()) return web::Response::Error(400, from.status().message());
    if (!to.ok()) return web::Response::Error(400, to.status().message());
    entries = history->Between(*from, *to, *history_count);
  } else if (*history_count > 0) {
    entries = history->Recent(*history_count);
  }
  if (!entries.ok()) return web::Response::Error(500, entries.status().message());
  for (const alerts::HistoryEntry& entry : *entries) {
    nlohmann::json e = alerts::AlertToJson(entry.alert);
    e["history_id"] = entry.id;
    e["time"] = FormatRfc3339(entry.time);
    out["history"].push_back(std::move(e));
  }
  return web::Response::Json(out.dump());
}

Result<alerts::Silence> SilenceOf(const nlohmann::json& body, TimeNs now) {
  alerts::Silence silence;
  auto matchers = body.find("matchers");
  if (matchers == body.end() || !matchers->is_object() || matchers->empty()) {
    return InvalidArgument(R"(matchers: an object of at least one label, {"rack": "r01"})");
  }
  for (const auto& [key, value] : matchers->items()) {
    if (!value.is_string() || value.get<std::string>().empty()) {
      return InvalidArgument(fmt::format("matchers.{}: a non-empty string is expected", key));
    }
    if (key.empty() || key.size() > 256 || value.get<std::string>().size() > 1024) {
      return InvalidArgument(fmt::format("matchers.{}: too long", key));
    }
    silence.matchers.push_back({key, value.get<std::string>()});
  }
  auto duration_field = body.find("duration");
  if (duration_field == body.end() || !duration_field->is_string()) {
    return InvalidArgument(R"(duration: a duration such as "2h" is required)");
  }
  auto duration = ParseDuration(duration_field->get<std::string>());
  if (!duration.ok())
    return InvalidArgument(fmt::format("duration: {}", duration.status().message()));
  if (*duration < kMinSilence || *duration > kMaxSilence) {
    return InvalidArgument("duration: between 1m and 30d");
  }
  auto comment = OptionalString(body, "comment", kMaxComment);
  if (!comment.ok()) return comment.status();
  silence.comment = std::move(*comment);
  silence.starts = now;
  silence.ends = now + *duration;
  return silence;
}

std::string Labelled(std::string_view key, std::string_view value) {
  std::string out = fmt::format("{}=\"", key);
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string RoomJson(const HubRuntime& runtime, const EnergyOptions& bands) {
  nlohmann::json out;
  out["name"] = runtime.name();
  nlohmann::json racks = nlohmann::json::array();
  nlohmann::json acs = nlohmann::json::array();
  double width = 1, depth = 1;
  const control::ControllerConfig* room = runtime.room();
  if (room != nullptr) {
    for (size_t i = 0; i < room->racks.size(); ++i) {
      const control::RackSpec& r = room->racks[i];
      const double x = OrDefault(r.x, 1 + kRackPitchM * static_cast<double>(i));
      const double y = OrDefault(r.y, 2);
      width = std::max(width, x + 1);
      depth = std::max(depth, y + 1);
      racks.push_back({{"id", r.id}, {"x", x}, {"y", y}});
    }
    for (size_t i = 0; i < room->acs.size(); ++i) {
      const control::AcSpec& a = room->acs[i];
      const double x = OrDefault(a.x, 0.5 + 2 * kRackPitchM * static_cast<double>(i));
      const double y = OrDefault(a.y, 0.1);
      width = std::max(width, x + 1);
      depth = std::max(depth, y + 1);
      nlohmann::json ac = {{"id", a.name}, {"x", x}, {"y", y}};
      ac["rated_capacity_w"] =
          a.rated_capacity_w > 0 ? nlohmann::json(a.rated_capacity_w) : nlohmann::json(nullptr);
      acs.push_back(std::move(ac));
    }
    out["inlet_target_c"] = room->inlet_target_c;
    out["inlet_limit_c"] = room->inlet_limit_c;
    out["setpoint_c"] = {{"min", room->min_setpoint_c},
                         {"max", room->max_setpoint_c},
                         {"step", room->setpoint_resolution_c}};
  } else {
    out["inlet_target_c"] = nullptr;
    out["inlet_limit_c"] = nullptr;
    out["setpoint_c"] = nullptr;
  }
  out["racks"] = std::move(racks);
  out["acs"] = std::move(acs);
  out["bounds"] = {{"width_m", width}, {"depth_m", depth}};
  out["ashrae"] = {{"recommended_c", {bands.recommended_low_c, bands.recommended_high_c}},
                   {"allowable_c", {bands.allowable_low_c, bands.allowable_high_c}}};
  out["controlled"] = runtime.has_controller();
  return out.dump();
}

Status RegisterControlRoom(web::HttpServer& server, HubRuntime& runtime, LiveFeed& feed,
                           const Clock& clock, ControlRoomOptions options) {
  const auto viewer = web::RouteOptions{.min_role = web::Role::kViewer};
  const auto operator_ = web::RouteOptions{.min_role = web::Role::kOperator};
  const EnergyOptions energy = options.energy;

  Status s = server.HandleSync(web::Method::kGet, "/api/room", viewer,
                               [&runtime, energy](const web::Request&) {
                                 return web::Response::Json(RoomJson(runtime, energy));
                               });
  if (!s.ok()) return s;

  s = server.HandleSync(web::Method::kGet, "/api/alerts", viewer,
                        [&runtime, &feed, &clock](const web::Request& request) {
                          return AlertsResponse(runtime, feed, request, clock.Now());
                        });
  if (!s.ok()) return s;

  s = server.HandleSync(
      web::Method::kPost, "/api/alerts/ack", operator_,
      [&runtime, &feed, &clock](const web::Request& request) {
        auto body = JsonBody(request);
        if (!body.ok()) return web::Response::Error(400, body.status().message());
        auto fingerprint = body->find("fingerprint");
        if (fingerprint == body->end() || !fingerprint->is_string()) {
          return web::Response::Error(400, R"(expected {"fingerprint": "...", "comment": "..."})");
        }
        auto comment = OptionalString(*body, "comment", kMaxComment);
        if (!comment.ok()) return web::Response::Error(400, comment.status().message());
        auto alert = runtime.alerts().Acknowledge(
            fingerprint->get<std::string>(),
            {.by = UserOf(request), .at = clock.Now(), .comment = std::move(*comment)});
        if (!alert.ok()) {
          return web::Response::Error(HttpStatusOf(alert.status()), alert.status().message());
        }
        feed.AlertsChanged();
        web::Response ok = web::Response::Json(R"({"ok":true})");
        ok.audit = fmt::format("acknowledged alert {}", alert->fingerprint);
        return ok;
      });
  if (!s.ok()) return s;

  s = server.HandleSync(
      web::Method::kPost, "/api/alerts/silence", operator_,
      [&runtime, &feed, &clock](const web::Request& request) {
        auto body = JsonBody(request);
        if (!body.ok()) return web::Response::Error(400, body.status().message());
        auto silence = SilenceOf(*body, clock.Now());
        if (!silence.ok()) return web::Response::Error(400, silence.status().message());
        silence->created_by = UserOf(request);
        auto added = runtime.alerts().AddSilence(std::move(*silence));
        if (!added.ok()) {
          return web::Response::Error(HttpStatusOf(added.status()), added.status().message());
        }
        feed.AlertsChanged();
        web::Response ok = web::Response::Json(nlohmann::json{{"id", added->id}}.dump());
        ok.audit = fmt::format("silence {} until {}: {}", added->id, FormatRfc3339(added->ends),
                               alerts::SilenceToJson(*added)["matchers"].dump());
        return ok;
      });
  if (!s.ok()) return s;

  s = server.HandleSync(web::Method::kDelete, "/api/alerts/silences/*", operator_,
                        [&runtime, &feed, &clock](const web::Request& request) {
                          const std::string_view id_text = request.path_rest;
                          if (id_text.empty() || id_text.size() > 18 ||
                              id_text.find_first_not_of("0123456789") != std::string_view::npos) {
                            return web::Response::Error(400, "expected /api/alerts/silences/<id>");
                          }
                          const uint64_t id = std::stoull(std::string(id_text));
                          const Status ended = runtime.alerts().EndSilence(id, clock.Now());
                          if (!ended.ok())
                            return web::Response::Error(HttpStatusOf(ended), ended.message());
                          feed.AlertsChanged();
                          web::Response ok = web::Response::Json(R"({"ok":true})");
                          ok.audit = fmt::format("ended silence {}", id);
                          return ok;
                        });
  if (!s.ok()) return s;

  auto cache = std::make_shared<EnergyCache>();
  s = server.HandleSync(
      web::Method::kGet, "/api/energy", viewer,
      [&runtime, &clock, cache, energy](const web::Request& request) {
        auto json = cache->Get(runtime.hub(), runtime.room(), request.Query("day").value_or(""),
                               clock.Now(), energy);
        if (!json.ok()) {
          return web::Response::Error(HttpStatusOf(json.status()), json.status().message());
        }
        return web::Response::Json(*json);
      });
  if (!s.ok()) return s;

  s = server.HandleSync(
      web::Method::kGet, "/api/openapi.json", {.min_role = web::Role::kAnonymous},
      [](const web::Request&) { return web::Response::Json(std::string(OpenApiDocument())); });
  if (!s.ok()) return s;

  if (s = feed.Register(); !s.ok()) return s;
  if (!options.ui_dir.empty()) {
    if (s = server.ServeStatic("/", options.ui_dir); !s.ok()) {
      return s.WithContext("http.ui_dir");
    }
  }
  return Status::Ok();
}

std::string RenderRoomMetrics(HubRuntime& runtime, TimeNs now) {
  std::string out;
  const auto family = [&](std::string_view name, std::string_view help) {
    fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} gauge\n", name, help);
  };
  const auto snapshot = runtime.live().snapshot();
  if (snapshot != nullptr) {
    struct Gauge {
      std::string_view measurement, metric, label, name, help;
    };
    static constexpr Gauge kGauges[] = {
        {"temp", "temperature", "rack", "coolflow_room_inlet_celsius",
         "Latest inlet temperature of each rack."},
        {"temp", "humidity", "rack", "coolflow_room_humidity_percent",
         "Latest relative humidity at each rack."},
        {"power", "power", "rack", "coolflow_room_it_power_watts", "Latest IT power of each rack."},
        {"power", "power", "ac", "coolflow_room_ac_power_watts",
         "Latest electrical power of each air conditioner."},
    };
    for (const Gauge& g : kGauges) {
      bool header = false;
      for (size_t i = 0; i < snapshot->series_count(); ++i) {
        const live::SeriesInfo& info = snapshot->info(i);
        if (info.measurement != g.measurement || info.metric != g.metric) continue;
        std::string_view subject;
        bool has_ac = false;
        for (const reading::Tag& t : info.labels) {
          if (t.key == g.label) subject = t.value;
          has_ac = has_ac || t.key == "ac";
        }
        // An AC's power is no rack's IT power, even when the AC is tagged with its rack.
        if (subject.empty() || (g.label == "rack" && has_ac)) continue;
        const live::SeriesState& st = snapshot->state(i);
        if (!std::isfinite(st.value) || snapshot->Stale(i, now)) continue;
        if (!header) family(g.name, g.help);
        header = true;
        fmt::format_to(std::back_inserter(out), "{}{{{},{}}} {}\n", g.name,
                       Labelled(g.label, subject), Labelled("box", info.box), st.value);
      }
    }
    family("coolflow_room_mean", "The room means of the live state (temperature, humidity, ...).");
    for (const live::RoomMean& m : snapshot->means()) {
      if (std::isfinite(m.value)) {
        fmt::format_to(std::back_inserter(out), "coolflow_room_mean{{{}}} {}\n",
                       Labelled("name", m.name), m.value);
      }
    }
    family("coolflow_box_online", "1 when the box's agent said it is online, 0 when it left.");
    for (const live::BoxState& b : snapshot->boxes()) {
      if (b.online) {
        fmt::format_to(std::back_inserter(out), "coolflow_box_online{{{}}} {}\n",
                       Labelled("box", b.box), *b.online ? 1 : 0);
      }
    }
  }
  std::map<std::string, int> by_severity{{"critical", 0}, {"warning", 0}, {"info", 0}};
  for (const alerts::Alert& a : runtime.alerts().Active()) {
    if (a.state == alerts::AlertState::kFiring)
      ++by_severity[std::string(SeverityName(a.severity))];
  }
  family("coolflow_room_alerts_firing", "Alerts firing, by severity.");
  for (const auto& [severity, n] : by_severity) {
    fmt::format_to(std::back_inserter(out), "coolflow_room_alerts_firing{{{}}} {}\n",
                   Labelled("severity", severity), n);
  }
  const nlohmann::json control =
      nlohmann::json::parse(runtime.ControllerJson(0), nullptr, /*allow_exceptions=*/false);
  if (control.is_object() && control.contains("commanded")) {
    family("coolflow_room_ac_setpoint_celsius", "The setpoint the controller holds for each AC.");
    for (const auto& c : control["commanded"]) {
      fmt::format_to(std::back_inserter(out), "coolflow_room_ac_setpoint_celsius{{{}}} {}\n",
                     Labelled("ac", c.value("ac", "")), c.value("setpoint_c", 0.0));
    }
    family("coolflow_room_ac_on", "1 when the controller holds the AC on.");
    for (const auto& c : control["commanded"]) {
      fmt::format_to(std::back_inserter(out), "coolflow_room_ac_on{{{}}} {}\n",
                     Labelled("ac", c.value("ac", "")), c.value("power", false) ? 1 : 0);
    }
  }
  return out;
}

}  // namespace coolflow::hub
