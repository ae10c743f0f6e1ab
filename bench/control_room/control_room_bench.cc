// control_room_bench: the Control Room's live path and API under a room of 1,000 boxes
// (docs/benchmarks.md "Control Room").
//
//   publisher ──MQTT──▶ Mosquitto ──▶ hub (pipeline, store, live state) ──/ws/live──▶ 50 clients
//                                  └──▶ a plain MQTT subscriber (the peer: the broker's floor)
//
// Every box publishes 16 series once a second as one line-protocol message stamped with its
// publish time; each WebSocket client takes every delta frame and, for each series in it,
// records now − the reading's time. The peer is a subscriber of the same broker doing the
// same: what any consumer of the readings pays before the hub does anything. Then, with the
// publisher stopped, the API: the last values of one box (16 series) and a rack's 24 h chart
// (a day of 10 s readings in 5 min buckets), beside InfluxDB 1.x answering the same
// questions in InfluxQL over the same HTTP keep-alive client.
//
//   control_room_bench [--boxes 1000] [--series 16] [--clients 50] [--seconds 30]
//                      [--requests 2000]
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "hub/control_room_http.h"
#include "hub/hub_http.h"
#include "hub/hub_runtime.h"
#include "hub/live_feed.h"
#include "spdlog/spdlog.h"
#include "support/influxdb_server.h"
#include "support/mosquitto_server.h"
#include "transport/mqtt/mqtt_transport.h"
#include "web/authenticator.h"
#include "web/password.h"
#include "web/users.h"

namespace coolflow::hub {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

struct Args {
  int boxes = 1000;
  int series = 16;
  int clients = 50;
  int seconds = 30;
  int requests = 2000;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Latencies in 0.1 ms buckets up to 60 s: cheap enough to record every series of every frame
// of every client.
class Histogram {
 public:
  void Add(double ms) {
    const size_t b = std::min(kBuckets - 1, static_cast<size_t>(std::max(0.0, ms) * 10));
    counts_[b].fetch_add(1, std::memory_order_relaxed);
    total_.fetch_add(1, std::memory_order_relaxed);
  }
  double Quantile(double q) const {
    const uint64_t total = total_.load();
    if (total == 0) return 0;
    const uint64_t want = static_cast<uint64_t>(q * static_cast<double>(total - 1)) + 1;
    uint64_t seen = 0;
    for (size_t b = 0; b < kBuckets; ++b) {
      seen += counts_[b].load();
      if (seen >= want) return static_cast<double>(b) / 10;
    }
    return 60'000;
  }
  uint64_t total() const { return total_.load(); }

 private:
  static constexpr size_t kBuckets = 600'000;
  std::vector<std::atomic<uint64_t>> counts_ = std::vector<std::atomic<uint64_t>>(kBuckets);
  std::atomic<uint64_t> total_{0};
};

// Each series of a delta frame ends with `,<time_ms>]`; the bench's keys hold no ']'.
void RecordFrame(std::string_view frame, int64_t now_ms, Histogram& latency) {
  const size_t start = frame.find("\"series\":[");
  const size_t end = frame.find("],\"boxes\"");
  if (start == std::string_view::npos || end == std::string_view::npos) return;
  for (size_t at = frame.find(']', start); at != std::string_view::npos && at < end;
       at = frame.find(']', at + 1)) {
    size_t digits = at;
    while (digits > 0 && frame[digits - 1] >= '0' && frame[digits - 1] <= '9')
      --digits;
    if (digits == at || frame[digits - 1] != ',') continue;
    int64_t t = 0;
    for (size_t i = digits; i < at; ++i)
      t = t * 10 + (frame[i] - '0');
    latency.Add(static_cast<double>(now_ms - t));
  }
}

// One /ws/live client on a shared io_context: reads every message, times the deltas.
class WsClient : public std::enable_shared_from_this<WsClient> {
 public:
  WsClient(asio::io_context& ioc, Histogram& latency) : ws_(ioc), latency_(latency) {}
  bool Connect(uint16_t port, const std::string& token) {
    asio::ip::tcp::resolver resolver(ws_.get_executor());
    asio::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.set_option(websocket::stream_base::decorator([token](websocket::request_type& r) {
      r.set(beast::http::field::authorization, "Bearer " + token);
    }));
    ws_.read_message_max(256 << 20);
    beast::error_code ec;
    ws_.handshake("127.0.0.1", "/ws/live", ec);
    return !ec;
  }
  void Read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) {
        self->closed_ = true;
        return;
      }
      const int64_t now = NowMs();
      const std::string_view text(static_cast<const char*>(self->buffer_.cdata().data()),
                                  self->buffer_.size());
      if (text.starts_with("{\"type\":\"delta\"")) {
        ++self->frames_;
        RecordFrame(text, now, self->latency_);
      }
      self->buffer_.consume(self->buffer_.size());
      self->Read();
    });
  }
  void Close() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).close(ec);
  }
  uint64_t frames() const { return frames_; }
  bool closed() const { return closed_; }

 private:
  websocket::stream<asio::ip::tcp::socket> ws_;
  beast::flat_buffer buffer_;
  Histogram& latency_;
  uint64_t frames_ = 0;
  bool closed_ = false;
};

std::unique_ptr<transport::Transport> MqttClient(uint16_t port, const std::string& id,
                                                 transport::Callbacks callbacks) {
  transport::MqttOptions options;
  options.port = port;
  options.client_id = id;
  options.clean_session = true;
  options.max_inflight = 1'000;
  auto made = transport::MakeMqttTransport(options);
  if (!made.ok()) {
    std::cerr << "mqtt: " << made.status().ToString() << "\n";
    std::exit(1);
  }
  (void)(*made)->Start(std::move(callbacks));
  while (!(*made)->connected())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return std::move(*made);
}

// One second of the room: a line per box, 16 fields, stamped now.
std::vector<std::string> Tick(const Args& args, int second) {
  std::vector<std::string> lines;
  lines.reserve(static_cast<size_t>(args.boxes));
  const int64_t ns = NowMs() * kNanosPerMilli;
  for (int b = 0; b < args.boxes; ++b) {
    std::string line = fmt::format("resource,box=box-{:04},rack=r{:03} ", b, b / 20);
    for (int s = 0; s < args.series; ++s) {
      fmt::format_to(std::back_inserter(line), "{}f{:02}={}", s == 0 ? "" : ",", s,
                     20 + (b * 7 + s * 3 + second) % 50 + 0.5);
    }
    fmt::format_to(std::back_inserter(line), " {}", ns);
    lines.push_back(std::move(line));
  }
  return lines;
}

// A keep-alive HTTP client (libcurl reuses the connection), timing each GET.
class Timer {
 public:
  Timer() : curl_(curl_easy_init()) {
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Timer::Sink);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &body_);
    curl_easy_setopt(curl_, CURLOPT_TCP_NODELAY, 1L);
  }
  ~Timer() {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }
  void Header(const std::string& h) {
    headers_ = curl_slist_append(headers_, h.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
  }
  // p50 and p99 in ms of `n` GETs of `url`; checks the answer once.
  std::pair<double, double> Measure(const std::string& url, int n, std::string* first_body) {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
      body_.clear();
      curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
      const auto start = std::chrono::steady_clock::now();
      const CURLcode rc = curl_easy_perform(curl_);
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
      long status = 0;
      curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
      if (rc != CURLE_OK || status != 200) {
        std::cerr << url << ": " << curl_easy_strerror(rc) << " " << status << " " << body_ << "\n";
        std::exit(1);
      }
      if (i == 0 && first_body != nullptr) *first_body = body_;
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms[ms.size() * 99 / 100]};
  }

 private:
  static size_t Sink(char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
  }
  CURL* curl_;
  curl_slist* headers_ = nullptr;
  std::string body_;
};

std::string Escape(const std::string& text) {
  char* escaped = curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()));
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

int Main(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--boxes")
      args.boxes = value;
    else if (flag == "--series")
      args.series = value;
    else if (flag == "--clients")
      args.clients = value;
    else if (flag == "--seconds")
      args.seconds = value;
    else if (flag == "--requests")
      args.requests = value;
    else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::warn);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  auto broker = coolflow::testing::MosquittoServer::Start();
  if (!broker.ok()) {
    std::cerr << "mosquitto: " << broker.status().ToString() << "\n";
    return 1;
  }
  const std::string dir = fmt::format("/tmp/coolflow-control-room-bench-{}", ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  HubConfig config;
  config.source = "bench";
  config.hub = "bench";
  config.store.dir = dir + "/store";
  config.mqtt = transport::MqttSettings{};
  config.mqtt->port = (*broker)->port();
  config.http.port = 0;
  auto runtime = HubRuntime::Create(config, SystemClock::Instance());
  if (!runtime.ok()) {
    std::cerr << "hub: " << runtime.status().ToString() << "\n";
    return 1;
  }
  auto token = web::NewApiToken();
  std::vector<web::UserRecord> users = {
      {"screen", web::Role::kViewer, "", {{"t", token->sha256_hex}}}};
  web::HttpServer::Options options;
  options.authenticator = std::make_shared<web::Authenticator>(users);
  web::HttpServer server(options);
  LiveFeed feed(server, **runtime, SystemClock::Instance());
  if (Status s = RegisterHubRoutes(server, (*runtime)->hub(), SystemClock::Instance());
      !s.ok() || !RegisterControlRoom(server, **runtime, feed, SystemClock::Instance()).ok()) {
    std::cerr << "routes: " << s.ToString() << "\n";
    return 1;
  }
  // A day of one rack's inlets at 10 s for the chart, stored before the hub starts.
  {
    std::vector<reading::Reading> day;
    const TimeNs now = SystemClock::Instance().Now();
    for (TimeNs t = now - 24 * kNanosPerHour; t < now; t += 10 * kNanosPerSecond) {
      day.push_back({"pi-room",
                     "temp",
                     "temperature",
                     {{"rack", "r001"}},
                     t,
                     22 + 3 * std::sin(static_cast<double>(t / kNanosPerSecond) / 3600.0),
                     reading::Unit::kCelsius});
    }
    if (auto stored = (*runtime)->hub().store().Append(day); !stored.ok()) {
      std::cerr << "store: " << stored.status().ToString() << "\n";
      return 1;
    }
  }
  if (!(*runtime)->Start().ok() || !server.Start().ok()) return 1;
  feed.Start();
  while (!(*runtime)->hub().brokers().front()->connected())
    std::this_thread::sleep_for(std::chrono::milliseconds(10));

  // The clients connect to an empty room (small hellos), as a Control Room left open does.
  Histogram ws_latency, mqtt_latency;
  asio::io_context ioc;
  std::vector<std::shared_ptr<WsClient>> clients;
  for (int c = 0; c < args.clients; ++c) {
    auto client = std::make_shared<WsClient>(ioc, ws_latency);
    if (!client->Connect(server.port(), token->token)) {
      std::cerr << "websocket client " << c << " could not connect\n";
      return 1;
    }
    client->Read();
    clients.push_back(client);
  }
  std::thread io([&] { ioc.run(); });

  transport::Callbacks peer_callbacks;
  peer_callbacks.delivered = [](uint64_t, const Status&) {};
  peer_callbacks.received = [&](const transport::Message& m) {
    const size_t space = m.payload.rfind(' ');
    if (space == std::string::npos) return;
    const int64_t t_ms = std::atoll(m.payload.c_str() + space + 1) / kNanosPerMilli;
    const double ms = static_cast<double>(NowMs() - t_ms);
    for (int s = 0; s < args.series; ++s)
      mqtt_latency.Add(ms);
  };
  auto peer = MqttClient((*broker)->port(), "bench-peer", std::move(peer_callbacks));
  (void)peer->Subscribe("coolflow/#");
  transport::Callbacks pub_callbacks;
  pub_callbacks.delivered = [](uint64_t, const Status&) {};
  auto publisher = MqttClient((*broker)->port(), "bench-publisher", std::move(pub_callbacks));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  std::cerr << fmt::format("publishing {} boxes x {} series at 1 Hz for {} s to {} clients\n",
                           args.boxes, args.series, args.seconds, args.clients);
  const auto start = std::chrono::steady_clock::now();
  uint64_t id = 0;
  for (int second = 0; second < args.seconds; ++second) {
    const auto due = start + std::chrono::seconds(second);
    std::this_thread::sleep_until(due);
    // Spread over the second, as independent boxes are.
    const std::vector<std::string> lines = Tick(args, second);
    for (size_t i = 0; i < lines.size(); ++i) {
      std::this_thread::sleep_until(due + std::chrono::microseconds(1'000'000 * i / lines.size()));
      std::string line = lines[i];
      const size_t space = line.rfind(' ');
      line.replace(space + 1, std::string::npos, std::to_string(NowMs() * kNanosPerMilli));
      while (!publisher->Publish({"coolflow/node", "", line}, ++id).ok())
        std::this_thread::yield();
    }
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  uint64_t frames = 0, max_frames = 0;
  for (const auto& c : clients) {
    frames += c->frames();
    max_frames = std::max(max_frames, c->frames());
  }
  size_t dropped = 0;
  for (const auto& c : clients)
    dropped += c->closed() ? 1u : 0u;

  // The API, quiet.
  Timer hub_http;
  hub_http.Header("Authorization: Bearer " + token->token);
  const std::string base = fmt::format("http://127.0.0.1:{}", server.port());
  std::string body;
  const auto last = hub_http.Measure(base + "/api/store/last?measurement=resource&tag=box:box-0001",
                                     args.requests, &body);
  const bool last_ok = body.find("\"f15\"") != std::string::npos || args.series < 16;
  const auto chart = hub_http.Measure(
      base +
          "/api/store/aggregate?measurement=temp&field=temperature&tag=rack:r001&from=-24h&"
          "step=5m",
      std::max(50, args.requests / 10), &body);
  const bool chart_ok = body.find("\"buckets\":[[") != std::string::npos;

  // InfluxDB with the same last values and day.
  auto influx = coolflow::testing::InfluxDbServer::Start();
  std::pair<double, double> influx_last{0, 0}, influx_chart{0, 0};
  if (influx.ok()) {
    (void)(*influx)->CreateDatabase("bench");
    std::string lines;
    const TimeNs now = SystemClock::Instance().Now();
    for (TimeNs t = now - 24 * kNanosPerHour; t < now; t += 10 * kNanosPerSecond) {
      lines += fmt::format("temp,box=pi-room,rack=r001 temperature={} {}\n",
                           22 + 3 * std::sin(static_cast<double>(t / kNanosPerSecond) / 3600.0), t);
      if (lines.size() > (4 << 20)) {
        (void)(*influx)->Write("bench", lines);
        lines.clear();
      }
    }
    for (const std::string& line : Tick(args, 0))
      lines += line + "\n";
    (void)(*influx)->Write("bench", lines);
    Timer influx_http;
    const std::string url = (*influx)->url() + "/query?db=bench&q=";
    influx_last =
        influx_http.Measure(url + Escape("SELECT last(*) FROM resource WHERE box = 'box-0001'"),
                            args.requests, nullptr);
    influx_chart = influx_http.Measure(
        url + Escape("SELECT mean(temperature) FROM temp WHERE rack = 'r001' AND time > now() - "
                     "24h GROUP BY time(5m)"),
        std::max(50, args.requests / 10), nullptr);
  } else {
    std::cerr << "influxdb: " << influx.status().ToString() << " (no peer for the API rows)\n";
  }

  for (const auto& c : clients)
    c->Close();
  ioc.stop();
  io.join();
  feed.Stop();
  server.Stop();
  (*runtime)->Stop();
  peer->Close(1'000);
  publisher->Close(1'000);
  std::filesystem::remove_all(dir);

  const auto ratio = [](double a, double b) { return b > 0 ? fmt::format("{:.2f}", a / b) : "-"; };
  const double ws_p50 = ws_latency.Quantile(0.5), ws_p99 = ws_latency.Quantile(0.99);
  const double mq_p50 = mqtt_latency.Quantile(0.5), mq_p99 = mqtt_latency.Quantile(0.99);
  std::cout << fmt::format(
      "\nControl Room: {} boxes x {} series at 1 Hz, {} WebSocket clients, {:.0f} s\n\n",
      args.boxes, args.series, args.clients, elapsed);
  std::cout << fmt::format("| {:<44} | {:>17} | {:>17} | {:>11} | {:<18} |\n", "measure",
                           "coolflow p50/p99", "peer p50/p99", "p99 ratio", "target");
  std::cout << fmt::format("|{:-<46}|{:->19}|{:->19}|{:->13}|{:-<20}|\n", "", "", "", "", "");
  std::cout << fmt::format(
      "| {:<44} | {:>7.1f} / {:>5.1f} ms | {:>7.1f} / {:>5.1f} ms | {:>11} | {:<18} |\n",
      "reading published -> frame at a client", ws_p50, ws_p99, mq_p50, mq_p99,
      ratio(ws_p99, mq_p99), fmt::format("p99 <= 100 ms: {}", ws_p99 <= 100 ? "PASS" : "FAIL"));
  std::cout << fmt::format(
      "| {:<44} | {:>7.2f} / {:>5.2f} ms | {:>7.2f} / {:>5.2f} ms | {:>11} | {:<18} |\n",
      "last values of a box (16 series)", last.first, last.second, influx_last.first,
      influx_last.second, ratio(last.second, influx_last.second),
      fmt::format("p99 <= 1 ms: {}", last.second <= 1 ? "PASS" : "FAIL"));
  std::cout << fmt::format(
      "| {:<44} | {:>7.2f} / {:>5.2f} ms | {:>7.2f} / {:>5.2f} ms | {:>11} | {:<18} |\n",
      "24 h chart of a rack (8,640 pts -> 288)", chart.first, chart.second, influx_chart.first,
      influx_chart.second, ratio(chart.second, influx_chart.second),
      fmt::format("p99 <= 10 ms: {}", chart.second <= 10 ? "PASS" : "FAIL"));
  std::cout << fmt::format(
      "\npeer: live row, a plain MQTT subscriber of the same broker (publish -> receive); API "
      "rows, "
      "InfluxDB 1.x /query with the same data over the same keep-alive client.\n"
      "frames: {:.1f}/s per client (mean), {:.1f}/s the busiest; {} latency samples; {} clients "
      "dropped; answers checked: last {}, chart {}\n",
      static_cast<double>(frames) / args.clients / elapsed,
      static_cast<double>(max_frames) / elapsed, ws_latency.total(), dropped,
      last_ok ? "ok" : "WRONG", chart_ok ? "ok" : "WRONG");
  return last_ok && chart_ok ? 0 : 1;
}

}  // namespace
}  // namespace coolflow::hub

int main(int argc, char** argv) {
  return coolflow::hub::Main(argc, argv);
}
