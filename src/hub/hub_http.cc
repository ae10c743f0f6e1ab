#include "hub/hub_http.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <utility>

#include "common/time.h"
#include "fmt/format.h"
#include "hub/alerts/history.h"
#include "hub/alerts/notifier.h"
#include "hub/http_params.h"
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

constexpr uint64_t kMaxBuckets = 100'000;

Result<store::AggregateFunction> FunctionOf(std::string_view name) {
  using F = store::AggregateFunction;
  static constexpr std::pair<std::string_view, F> kNames[] = {
      {"mean", F::kMean},   {"min", F::kMin},   {"max", F::kMax},
      {"count", F::kCount}, {"last", F::kLast}, {"sum", F::kSum}};
  for (const auto& [n, f] : kNames) {
    if (n == name) return f;
  }
  return InvalidArgument(fmt::format("fn={:?}: one of mean, min, max, count, last, sum", name));
}

// The aggregate query of GET /api/store/aggregate: the selector, from/to (default the last
// hour), step (required), fn (default mean), group_by (comma-separated tag keys).
Result<store::AggregateQuery> AggregateQueryOf(const web::Request& request, TimeNs now) {
  store::AggregateQuery q;
  auto selector = SelectorOf(request);
  if (!selector.ok()) return selector.status();
  q.selector = std::move(*selector);
  auto from = TimeParam(request, "from", now, now - kNanosPerHour);
  if (!from.ok()) return from.status();
  auto to = TimeParam(request, "to", now, now + kNanosPerMinute);
  if (!to.ok()) return to.status();
  if (*to <= *from) return InvalidArgument("to must be after from");
  q.from = *from;
  q.to = *to;
  auto step_text = request.Query("step");
  if (!step_text) return InvalidArgument("step is required (10s, 5m, 1h)");
  auto step = ParseDuration(*step_text);
  if (!step.ok()) return InvalidArgument(fmt::format("step: {}", step.status().message()));
  if (*step < kNanosPerSecond) return InvalidArgument("step: at least 1s");
  q.step = *step;
  if (auto fn = request.Query("fn")) {
    auto f = FunctionOf(*fn);
    if (!f.ok()) return f.status();
    q.function = *f;
  }
  if (auto group_by = request.Query("group_by"); group_by && !group_by->empty()) {
    std::string_view rest = *group_by;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view key = rest.substr(0, comma);
      if (key.empty()) return InvalidArgument("group_by: an empty tag key");
      q.group_by.emplace_back(key);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  return q;
}

// {"step_ms": .., "series": [{"group": {..}} or {"measurement","tags","field"},
//  "buckets": [[start_ms, value, count], ...]}]}
std::string BucketsJson(const store::AggregateQuery& query,
                        const std::vector<store::GroupBuckets>& groups) {
  std::string out = fmt::format("{{\"step_ms\":{},\"series\":[", query.step / kNanosPerMilli);
  for (size_t i = 0; i < groups.size(); ++i) {
    const store::GroupBuckets& g = groups[i];
    if (i > 0) out += ',';
    out += '{';
    const auto append_tags = [&](const std::vector<reading::Tag>& tags) {
      out += '{';
      for (size_t t = 0; t < tags.size(); ++t) {
        if (t > 0) out += ',';
        reading::json::AppendString(out, tags[t].key);
        out += ':';
        reading::json::AppendString(out, tags[t].value);
      }
      out += '}';
    };
    if (g.series) {
      out += "\"measurement\":";
      reading::json::AppendString(out, g.series->measurement);
      out += ",\"tags\":";
      append_tags(g.series->tags);
      out += ",\"field\":";
      reading::json::AppendString(out, g.series->field);
    } else {
      out += "\"group\":";
      append_tags(g.group);
    }
    out += ",\"buckets\":[";
    for (size_t b = 0; b < g.buckets.size(); ++b) {
      const store::Bucket& bucket = g.buckets[b];
      if (b > 0) out += ',';
      if (std::isfinite(bucket.value)) {
        fmt::format_to(std::back_inserter(out), "[{},{},{}]", bucket.start / kNanosPerMilli,
                       bucket.value, bucket.count);
      } else {
        fmt::format_to(std::back_inserter(out), "[{},null,{}]", bucket.start / kNanosPerMilli,
                       bucket.count);
      }
    }
    out += "]}";
  }
  out += "]}";
  return out;
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
        const TimeNs now = clock.Now();
        auto from = TimeParam(request, "from", now, now - kNanosPerHour);
        auto to = TimeParam(request, "to", now, now + kNanosPerMinute);
        if (!from.ok()) return web::Response::Error(400, from.status().message());
        if (!to.ok()) return web::Response::Error(400, to.status().message());
        auto limit_param = CountParam(request, "limit", kDefaultPointLimit, SIZE_MAX);
        if (!limit_param.ok()) return web::Response::Error(400, limit_param.status().message());
        const size_t limit = *limit_param;
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

  s = server.HandleSync(
      web::Method::kGet, "/api/store/aggregate", {.min_role = web::Role::kViewer},
      [&hub, &clock](const web::Request& request) {
        auto query = AggregateQueryOf(request, clock.Now());
        if (!query.ok()) return web::Response::Error(400, query.status().message());
        const uint64_t buckets = static_cast<uint64_t>((query->to - query->from) / query->step);
        if (buckets > kMaxBuckets) {
          return web::Response::Error(
              413, fmt::format("{} buckets per series, more than {}: a longer step or a shorter "
                               "range",
                               buckets, kMaxBuckets));
        }
        auto result = hub.store().Aggregate(*query);
        if (!result.ok()) {
          return web::Response::Error(HttpStatusOf(result.status()), result.status().message());
        }
        size_t total = 0;
        for (const store::GroupBuckets& g : *result)
          total += g.buckets.size();
        if (total > kMaxBuckets) {
          return web::Response::Error(
              413, fmt::format("{} buckets, more than {}: narrow the selector, the range or a "
                               "longer step",
                               total, kMaxBuckets));
        }
        return web::Response::Json(BucketsJson(*query, *result));
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
  s = server.HandleSync(web::Method::kGet, "/api/control", {.min_role = web::Role::kViewer},
                        [&runtime](const web::Request& request) {
                          auto decisions = CountParam(request, "decisions", 20, 1000);
                          if (!decisions.ok())
                            return web::Response::Error(400, decisions.status().message());
                          return web::Response::Json(runtime.ControllerJson(*decisions));
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
