#include "hub/live_feed.h"

#include <cmath>
#include <utility>

#include "common/time.h"
#include "fmt/format.h"
#include "hub/alerts/notifier.h"
#include "hub/live/live_json.h"
#include "nlohmann/json.hpp"
#include "reading/json_write.h"
#include "spdlog/spdlog.h"

namespace coolflow::hub {
namespace {

constexpr const char* kChannel = "live";
constexpr const char* kPath = "/ws/live";

void AppendNumber(std::string& out, double v) {
  if (std::isfinite(v)) {
    fmt::format_to(std::back_inserter(out), "{}", v);
  } else {
    out += "null";
  }
}

bool SameBoxStatus(const live::BoxState& a, const live::BoxState& b) {
  return a.online == b.online && a.status_time == b.status_time && a.series == b.series;
}

}  // namespace

LiveFeed::LiveFeed(web::HttpServer& server, HubRuntime& runtime, const Clock& clock,
                   Options options)
    : server_(server), runtime_(runtime), clock_(clock), options_(options) {}

LiveFeed::~LiveFeed() {
  Stop();
}

Status LiveFeed::Register() {
  runtime_.SetAlertListener(
      [this](const std::vector<alerts::Alert>& events) { OnAlertEvents(events); });
  web::WebSocketOptions ws;
  ws.min_role = web::Role::kViewer;
  ws.channels = {kChannel};
  // The client is subscribed before on_open. The hello is built and queued under frame_mu_,
  // so it sits wholly before or after a frame: a frame queued before it is one the client
  // skips (the hello is newer), and the next frame starts from a snapshot no newer than the
  // hello's, so no change falls between them.
  ws.on_open = [this](web::WebSocketClient& client) {
    uint64_t after = 0;
    for (const auto& [key, value] : client.query()) {
      if (key != "after") continue;
      try {
        after = std::stoull(value);
      } catch (const std::exception&) {
        after = 0;  // a bad resume point: the client gets every kept event
      }
    }
    ++hellos_;
    std::lock_guard lock(frame_mu_);
    client.Send(Hello(after));
  };
  return server_.AddWebSocket(kPath, std::move(ws));
}

void LiveFeed::Start() {
  std::lock_guard lock(run_mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void LiveFeed::Stop() {
  {
    std::lock_guard lock(run_mu_);
    stopping_ = true;
  }
  run_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LiveFeed::Run() {
  while (true) {
    {
      std::unique_lock lock(run_mu_);
      if (run_cv_.wait_for(lock, std::chrono::nanoseconds(options_.frame_interval),
                           [&] { return stopping_; })) {
        return;
      }
    }
    Frame(clock_.Now());
  }
}

void LiveFeed::Frame(TimeNs now) {
  std::lock_guard lock(frame_mu_);
  web::Broadcaster& broadcaster = server_.broadcaster();
  if (broadcaster.Subscribers(kChannel) == 0) {
    // Taken before a client can subscribe: its hello is at least this new.
    previous_ = runtime_.live().snapshot();
    decisions_seen_ = runtime_.decisions_made();
    return;
  }
  if (const uint64_t decisions = runtime_.decisions_made(); decisions != decisions_seen_) {
    decisions_seen_ = decisions;
    broadcaster.Publish(kChannel, ControlMessage());
  }
  // The live state publishes on its own every 500 ms; the feed wants fresher values.
  runtime_.live().Publish(now);
  std::shared_ptr<const live::Snapshot> snapshot = runtime_.live().snapshot();
  if (previous_ == nullptr) previous_ = std::make_shared<const live::Snapshot>();
  std::string frame = R"({"type":"delta","time":)";
  reading::json::AppendString(frame, FormatRfc3339(snapshot->time()));
  frame += R"(,"series":[)";
  bool any = false;
  const size_t known = previous_->series_count();
  for (size_t i = 0; i < snapshot->series_count(); ++i) {
    const live::SeriesState& st = snapshot->state(i);
    if (i < known) {
      const live::SeriesState& was = previous_->state(i);
      if (was.time == st.time && was.count == st.count) continue;
    }
    if (any) frame += ',';
    any = true;
    frame += '[';
    reading::json::AppendString(frame, snapshot->info(i).key);
    frame += ',';
    AppendNumber(frame, st.value);
    fmt::format_to(std::back_inserter(frame), ",{}]", st.time / kNanosPerMilli);
  }
  frame += R"(],"boxes":[)";
  bool any_box = false;
  const auto old_boxes = previous_->boxes();
  const auto boxes = snapshot->boxes();
  for (size_t b = 0; b < boxes.size(); ++b) {
    if (b < old_boxes.size() && SameBoxStatus(old_boxes[b], boxes[b])) continue;
    if (any_box) frame += ',';
    any_box = true;
    frame += live::BoxJson(boxes[b]).dump();
  }
  frame += R"(],"means":)";
  frame += live::MeansJson(*snapshot).dump();
  frame += '}';
  previous_ = std::move(snapshot);
  if (!any && !any_box) return;
  ++frames_;
  frame_bytes_ += frame.size();
  broadcaster.Publish(kChannel, std::move(frame));
}

std::string LiveFeed::ControlMessage() const {
  std::string out = R"({"type":"control","control":)";
  out += runtime_.ControllerJson(options_.hello_decisions);
  out += '}';
  return out;
}

nlohmann::json LiveFeed::AlertsJson() const {
  nlohmann::json out;
  out["active"] = nlohmann::json::array();
  for (const alerts::Alert& alert : runtime_.alerts().Active())
    out["active"].push_back(alerts::AlertToJson(alert));
  out["silences"] = nlohmann::json::array();
  for (const alerts::Silence& silence : runtime_.alerts().Silences(clock_.Now()))
    out["silences"].push_back(alerts::SilenceToJson(silence));
  MutexLock lock(events_mu_);
  out["seq"] = seq_;
  return out;
}

std::string LiveFeed::Hello(uint64_t after) {
  const TimeNs now = clock_.Now();
  nlohmann::json hello;
  hello["type"] = "hello";
  const auto snapshot = runtime_.live().snapshot();
  hello["live"] = snapshot ? live::ToJson(*snapshot, now) : nlohmann::json::object();
  hello["alerts"] = AlertsJson();
  hello["control"] = nlohmann::json::parse(runtime_.ControllerJson(options_.hello_decisions),
                                           nullptr, /*allow_exceptions=*/false);
  nlohmann::json events = nlohmann::json::array();
  {
    MutexLock lock(events_mu_);
    for (const auto& [seq, text] : events_) {
      if (seq > after) events.push_back(nlohmann::json::parse(text));
    }
    hello["seq"] = seq_;
  }
  hello["events"] = std::move(events);
  return hello.dump();
}

void LiveFeed::OnAlertEvents(const std::vector<alerts::Alert>& events) {
  nlohmann::json active = nlohmann::json::array();
  for (const alerts::Alert& alert : runtime_.alerts().Active())
    active.push_back(alerts::AlertToJson(alert));
  const TimeNs now = clock_.Now();
  std::vector<std::string> messages;
  {
    MutexLock lock(events_mu_);
    for (const alerts::Alert& alert : events) {
      nlohmann::json event = alerts::AlertToJson(alert);
      event["time"] = FormatRfc3339(now);
      event["seq"] = ++seq_;
      events_.emplace_back(seq_, event.dump());
      while (events_.size() > options_.event_ring)
        events_.pop_front();
      nlohmann::json message = {{"type", "alert"}, {"seq", seq_}, {"event", std::move(event)}};
      message["active"] = active;
      messages.push_back(message.dump());
    }
  }
  for (std::string& message : messages) {
    ++alert_messages_;
    server_.broadcaster().Publish(kChannel, std::move(message));
  }
}

void LiveFeed::AlertsChanged() {
  nlohmann::json message = AlertsJson();
  message["type"] = "alert";
  message["event"] = nullptr;
  ++alert_messages_;
  server_.broadcaster().Publish(kChannel, message.dump());
}

std::string LiveFeed::RenderMetrics() const {
  std::string out;
  const auto counter = [&](std::string_view name, std::string_view help, uint64_t value) {
    fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name,
                   help, value);
  };
  counter("coolflow_hub_ws_frames_total", "Live delta frames sent to the WebSocket clients.",
          frames_.load());
  counter("coolflow_hub_ws_frame_bytes_total", "Bytes of those frames (once, not per client).",
          frame_bytes_.load());
  counter("coolflow_hub_ws_hellos_total", "Hellos sent: WebSocket (re)connects.", hellos_.load());
  counter("coolflow_hub_ws_alert_messages_total", "Alert messages sent to the clients.",
          alert_messages_.load());
  fmt::format_to(std::back_inserter(out),
                 "# HELP coolflow_hub_ws_clients Clients of /ws/live.\n"
                 "# TYPE coolflow_hub_ws_clients gauge\ncoolflow_hub_ws_clients {}\n",
                 server_.broadcaster().Subscribers(kChannel));
  return out;
}

}  // namespace coolflow::hub
