#include "hub/hub_http.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "common/time.h"
#include "fmt/format.h"
#include "hub/alerts/history.h"
#include "hub/alerts/notifier.h"
#include "hub/influx_write.h"
#include "hub/live/live_json.h"
#include "nlohmann/json.hpp"
#include "reading/json_write.h"

namespace coolflow::hub {
namespace {

constexpr const char* kInfluxVersion = "1.8.10 (coolflow)";

web::Response WithInfluxHeaders(web::Response response) {
  response.headers.emplace_back("X-Influxdb-Version", kInfluxVersion);
  response.headers.emplace_back("X-Influxdb-Build", "OSS");
  return response;
}

int HttpStatusOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kResourceExhausted:
      return 503;
    case StatusCode::kOutOfRange:
      return 413;
    case StatusCode::kInvalidArgument:
      return 400;
    default:
      return 500;
  }
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

constexpr size_t kDefaultPointLimit = 100'000;

// The selector of a store query: measurement (required), field, tag=key:value (repeatable).
Result<store::Selector> SelectorOf(const web::Request& request) {
  store::Selector selector;
  for (const auto& [key, value] : request.query) {
    if (key == "measurement") {
      selector.measurement = value;
    } else if (key == "field") {
      selector.field = value;
    } else if (key == "tag") {
      const size_t colon = value.find(':');
      if (colon == std::string::npos) {
        return InvalidArgument(fmt::format("tag={:?}: write tag=key:value", value));
      }
      selector.tags.push_back({value.substr(0, colon), value.substr(colon + 1)});
    }
  }
  if (selector.measurement.empty()) return InvalidArgument("measurement is required");
  return selector;
}

Result<TimeNs> TimeParam(const web::Request& request, std::string_view name, TimeNs fallback) {
  auto text = request.Query(name);
  if (!text) return fallback;
  auto t = ParseTimestamp(*text);
  if (!t.ok()) return InvalidArgument(fmt::format("{}: {}", name, t.status().message()));
  return *t;
}

void AppendValue(std::string& out, const store::Value& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else {
          out += fmt::format("{}", v);
        }
      },
      value);
}

// {"series":[{"measurement":..,"tags":{..},"field":..,"points":[[time_ns, value],...]}],
//  "points": N}
std::string SeriesJson(const std::vector<store::SeriesPoints>& all) {
  std::string out = "{\"series\":[";
  size_t points = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    const store::SeriesPoints& s = all[i];
    if (i > 0) out += ',';
    out += "{\"measurement\":";
    reading::json::AppendString(out, s.series.measurement);
    out += ",\"tags\":{";
    for (size_t t = 0; t < s.series.tags.size(); ++t) {
      if (t > 0) out += ',';
      reading::json::AppendString(out, s.series.tags[t].key);
      out += ':';
      reading::json::AppendString(out, s.series.tags[t].value);
    }
    out += "},\"field\":";
    reading::json::AppendString(out, s.series.field);
    out += ",\"points\":[";
    for (size_t p = 0; p < s.points.size(); ++p) {
      if (p > 0) out += ',';
      out += fmt::format("[{},", s.points[p].time);
      AppendValue(out, s.points[p].value);
      out += ']';
    }
    out += "]}";
    points += s.points.size();
  }
  out += fmt::format("],\"points\":{}}}", points);
  return out;
}

}  // namespace

Status RegisterHubRoutes(web::HttpServer& server, Hub& hub, const Clock& clock,
                         HubHttpOptions options) {
  const size_t max_write = options.max_write_bytes;
  Status s = server.Handle(
      web::Method::kPost, "/write",
      {.min_role = web::Role::kOperator, .max_body_bytes = max_write, .audit = false},
      [&hub, &clock, max_write](web::Request& request, web::Responder done) {
        auto query = ParseWriteQuery(request.query);
        if (!query.ok()) {
          done.Send(WithInfluxHeaders(
              web::Response::Error(HttpStatusOf(query.status()), query.status().message())));
          return;
        }
        std::string body = std::move(request.body);
        if (auto encoding = request.Header("Content-Encoding");
            encoding && Lower(*encoding) == "gzip") {
          auto inflated = Gunzip(body, max_write);
          if (!inflated.ok()) {
            done.Send(WithInfluxHeaders(web::Response::Error(HttpStatusOf(inflated.status()),
                                                             inflated.status().message())));
            return;
          }
          body = std::move(*inflated);
        }
        Input input{"http",          fmt::format("POST /write from {}", request.peer_address),
                    "line-protocol", std::move(body),
                    clock.Now(),     query->precision};
        const Status submitted = hub.pipeline().Submit(
            std::move(input),
            [done](const Status& outcome, const InputReport& report) {
              const WriteAnswer answer = AnswerWrite(outcome, report);
              done.Send(WithInfluxHeaders(answer.status == 204
                                              ? web::Response::Text("", 204)
                                              : web::Response::Error(answer.status, answer.error)));
            },
            /*wait=*/false);
        if (!submitted.ok()) {
          web::Response refused =
              web::Response::Error(HttpStatusOf(submitted), submitted.message());
          if (refused.status == 503) refused.headers.emplace_back("Retry-After", "1");
          done.Send(WithInfluxHeaders(std::move(refused)));
        }
      });
  if (!s.ok()) return s;

  const auto ping = [](const web::Request&) {
    return WithInfluxHeaders(web::Response::Text("", 204));
  };
  if (s = server.HandleSync(web::Method::kGet, "/ping", {.min_role = web::Role::kAnonymous}, ping);
      !s.ok()) {
    return s;
  }
  if (s = server.HandleSync(web::Method::kPost, "/ping", {.min_role = web::Role::kAnonymous}, ping);
      !s.ok()) {
    return s;
  }

  s = server.HandleSync(
      web::Method::kPost, "/query", {.min_role = web::Role::kOperator},
      [](const web::Request& request) {
        std::string q(request.Query("q").value_or(""));
        if (q.empty() && request.Header("Content-Type")
                             .value_or("")
                             .starts_with("application/x-www-form-urlencoded")) {
          // q=... in the body: the hub only needs to recognise CREATE DATABASE.
          const size_t at = request.body.find("q=");
          if (at != std::string::npos) q = request.body.substr(at + 2);
          for (char& c : q)
            c = c == '+' ? ' ' : c;
        }
        if (Lower(q).starts_with("create database") || Lower(q).starts_with("create%20database")) {
          return WithInfluxHeaders(web::Response::Json(R"({"results":[{"statement_id":0}]})"));
        }
        return WithInfluxHeaders(web::Response::Error(
            400,
            "the hub answers only CREATE DATABASE on /query; read its store through "
            "/api/ (docs/hub.md)"));
      });
  if (!s.ok()) return s;

  s = server.HandleSync(web::Method::kGet, "/api/store/last", {.min_role = web::Role::kViewer},
                        [&hub](const web::Request& request) {
                          auto selector = SelectorOf(request);
                          if (!selector.ok())
                            return web::Response::Error(400, selector.status().message());
                          auto last = hub.store().Last(*selector);
                          if (!last.ok()) return web::Response::Error(500, last.status().message());
                          return web::Response::Json(SeriesJson(*last));
                        });
  if (!s.ok()) return s;
  s = server.HandleSync(
      web::Method::kGet, "/api/store/range", {.min_role = web::Role::kViewer},
      [&hub, &clock](const web::Request& request) {
        auto selector = SelectorOf(request);
        if (!selector.ok()) return web::Response::Error(400, selector.status().message());
        auto from = TimeParam(request, "from", clock.Now() - kNanosPerHour);
        auto to = TimeParam(request, "to", clock.Now() + kNanosPerMinute);
        if (!from.ok()) return web::Response::Error(400, from.status().message());
        if (!to.ok()) return web::Response::Error(400, to.status().message());
        size_t limit = kDefaultPointLimit;
        if (auto text = request.Query("limit")) {
          try {
            limit = std::stoul(std::string(*text));
          } catch (const std::exception&) {
            return web::Response::Error(400, fmt::format("limit={:?} is not a count", *text));
          }
        }
        auto range = hub.store().Range(*selector, *from, *to);
        if (!range.ok()) return web::Response::Error(500, range.status().message());
        size_t points = 0;
        for (const auto& series : *range)
          points += series.points.size();
        if (points > limit) {
          return web::Response::Error(
              413,
              fmt::format("{} points match, more than limit={}: narrow the range", points, limit));
        }
        return web::Response::Json(SeriesJson(*range));
      });
  if (!s.ok()) return s;

  s = server.HandleSync(web::Method::kGet, "/metrics", {.min_role = web::Role::kAnonymous},
                        [&hub, &server, extra = options.extra_metrics](const web::Request&) {
                          std::string text = hub.RenderMetrics();
                          text += server.RenderMetrics();
                          if (extra) text += extra();
                          web::Response response = web::Response::Text(std::move(text));
                          response.content_type = "text/plain; version=0.0.4; charset=utf-8";
                          return response;
                        });
  if (!s.ok()) return s;

  return server.HandleSync(web::Method::kGet, "/healthz", {.min_role = web::Role::kAnonymous},
                           [&hub](const web::Request&) {
                             for (const auto& broker : hub.brokers()) {
                               if (!broker->connected()) {
                                 return web::Response::Error(503, "a broker is not connected");
                               }
                             }
                             return web::Response::Text("ok\n");
                           });
}

}  // namespace coolflow::hub

namespace coolflow::hub {
namespace {

size_t CountParam(const web::Request& request, std::string_view name, size_t fallback, size_t max) {
  auto text = request.Query(name);
  if (!text) return fallback;
  try {
    return std::min(std::stoul(std::string(*text)), max);
  } catch (const std::exception&) {
    return fallback;
  }
}

// The answer to a room command, with `change` for the audit log when it took effect.
web::Response FromStatus(const Status& s, std::string change) {
  if (s.ok()) {
    web::Response ok = web::Response::Json(R"({"ok":true})");
    ok.audit = std::move(change);
    return ok;
  }
  const int status = s.code() == StatusCode::kUnavailable ? 409 : 400;
  return web::Response::Error(status, s.message());
}

}  // namespace

Status RegisterRoomRoutes(web::HttpServer& server, HubRuntime& runtime, const Clock& clock) {
  Status s = server.HandleSync(
      web::Method::kGet, "/api/live", {.min_role = web::Role::kViewer},
      [&runtime, &clock](const web::Request& request) {
        live::JsonOptions options;
        options.measurement = std::string(request.Query("measurement").value_or(""));
        const auto snapshot = runtime.live().snapshot();
        if (snapshot == nullptr) return web::Response::Json("{}");
        return web::Response::Json(live::ToJson(*snapshot, clock.Now(), options).dump());
      });
  if (!s.ok()) return s;
  s = server.HandleSync(web::Method::kGet, "/api/alerts", {.min_role = web::Role::kViewer},
                        [&runtime](const web::Request& request) {
                          nlohmann::json out;
                          out["active"] = nlohmann::json::array();
                          for (const alerts::Alert& alert : runtime.alerts().Active())
                            out["active"].push_back(alerts::AlertToJson(alert));
                          out["history"] = nlohmann::json::array();
                          if (alerts::AlertHistory* history = runtime.alerts().history()) {
                            auto recent = history->Recent(CountParam(request, "history", 50, 1000));
                            if (recent.ok()) {
                              for (const alerts::HistoryEntry& entry : *recent) {
                                nlohmann::json e = alerts::AlertToJson(entry.alert);
                                e["history_id"] = entry.id;
                                e["time"] = entry.time;
                                out["history"].push_back(std::move(e));
                              }
                            }
                          }
                          return web::Response::Json(out.dump());
                        });
  if (!s.ok()) return s;
  s = server.HandleSync(web::Method::kGet, "/api/control", {.min_role = web::Role::kViewer},
                        [&runtime](const web::Request& request) {
                          return web::Response::Json(
                              runtime.ControllerJson(CountParam(request, "decisions", 20, 1000)));
                        });
  if (!s.ok()) return s;
  s = server.HandleSync(
      web::Method::kPost, "/api/control/policy", {.min_role = web::Role::kOperator},
      [&runtime](const web::Request& request) {
        const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
        if (!body.is_object() || !body.contains("policy") || !body["policy"].is_string()) {
          return web::Response::Error(400, R"(expected {"policy": "<spec>"})");
        }
        const std::string policy = body["policy"].get<std::string>();
        return FromStatus(runtime.SetPolicy(policy), fmt::format("control policy {}", policy));
      });
  if (!s.ok()) return s;
  return server.HandleSync(
      web::Method::kPost, "/api/control/ac", {.min_role = web::Role::kOperator},
      [&runtime](const web::Request& request) {
        const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
        if (!body.is_object() || !body.contains("ac") || !body["ac"].is_string()) {
          return web::Response::Error(
              400,
              R"(expected {"ac": "<name>", "setpoint_c": <number>} or {"ac": "<name>", "direction": 1 or -1})");
        }
        const std::string ac = body["ac"].get<std::string>();
        if (body.contains("direction")) {
          if (!body["direction"].is_number_integer() ||
              (body["direction"].get<int>() != 1 && body["direction"].get<int>() != -1)) {
            return web::Response::Error(400, "direction: 1 or -1");
          }
          const int direction = body["direction"].get<int>();
          return FromStatus(runtime.NudgeSetpoint(ac, direction),
                            fmt::format("{} setpoint {}", ac, direction > 0 ? "up" : "down"));
        }
        if (!body.contains("setpoint_c") || !body["setpoint_c"].is_number()) {
          return web::Response::Error(400, "setpoint_c: a number is required");
        }
        const bool power =
            body.contains("power") && body["power"].is_boolean() ? body["power"].get<bool>() : true;
        const double setpoint = body["setpoint_c"].get<double>();
        return FromStatus(
            runtime.SetSetpoint(ac, setpoint, power),
            fmt::format("{} setpoint {} C, power {}", ac, setpoint, power ? "on" : "off"));
      });
}

}  // namespace coolflow::hub
