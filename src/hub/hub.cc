#include "hub/hub.h"

#include <utility>

#include "common/files.h"
#include "fmt/format.h"
#include "spdlog/spdlog.h"
#include "store/engine/engine.h"
#include "store/influxdb/influxdb_store.h"
#include "transport/kafka/kafka_transport.h"
#include "transport/mqtt/mqtt_transport.h"

namespace coolflow::hub {
namespace {

// The WAL window the broker clients keep unacknowledged: the pipeline groups what arrives
// meanwhile into one store write.
constexpr int kMqttInflight = 1'000;

Status InSection(const HubConfig& config, std::string_view section, const Status& s) {
  return Status(s.code(), fmt::format("{}: {}: {}", config.source, section, s.message()));
}

Result<std::unique_ptr<store::Store>> OpenStore(const HubConfig& config, const Clock& clock) {
  const StoreSettings& settings = config.store;
  if (settings.kind == StoreKind::kInfluxDb) {
    store::InfluxDbOptions options;
    options.url = settings.influxdb.url;
    options.database = settings.influxdb.database;
    options.username = settings.influxdb.username;
    if (!settings.influxdb.password_file.empty()) {
      auto password = ReadSecretFile(settings.influxdb.password_file);
      if (!password.ok()) return InSection(config, "store.influxdb", password.status());
      options.password = std::move(*password);
    }
    options.create_database = settings.influxdb.create_database;
    auto store = store::OpenInfluxDbStore(options);
    if (!store.ok()) return InSection(config, "store.influxdb", store.status());
    return std::move(*store);
  }
  store::engine::EngineOptions options;
  options.fsync = settings.fsync == FsyncMode::kBatch      ? store::wal::FsyncPolicy::kPerBatch
                  : settings.fsync == FsyncMode::kInterval ? store::wal::FsyncPolicy::kInterval
                                                           : store::wal::FsyncPolicy::kNone;
  options.sync_interval = std::chrono::milliseconds(settings.sync_interval / kNanosPerMilli);
  for (const auto& [measurement, keep] : settings.retention)
    options.retention.push_back({measurement, keep});
  options.default_retention = settings.default_retention;
  options.clock = &clock;
  auto engine = store::engine::Engine::Open(settings.dir, options);
  if (!engine.ok()) return InSection(config, "store", engine.status());
  return std::unique_ptr<store::Store>(std::move(*engine));
}

}  // namespace

Result<std::unique_ptr<Hub>> Hub::Create(const HubConfig& config, const Clock& clock,
                                         BrokerHandlers handlers) {
  std::unique_ptr<Hub> hub(new Hub(config));
  auto store = OpenStore(config, clock);
  if (!store.ok()) return store.status();
  hub->store_ = std::move(*store);

  DeadLetterOptions dead;
  dead.path = config.pipeline.dead_letters;
  dead.max_bytes = config.pipeline.dead_letters_max_mb << 20;
  hub->dead_letters_ = std::make_unique<DeadLetterLog>(dead);

  PipelineOptions pipeline;
  pipeline.max_queue_bytes = config.pipeline.max_queue_mb << 20;
  pipeline.dedup_window = config.pipeline.dedup_window;
  pipeline.validation.max_future = config.pipeline.max_future;
  hub->pipeline_ = std::make_unique<Pipeline>(pipeline, *hub->store_, *hub->dead_letters_, clock);

  if (config.mqtt) {
    // One persistent session per connection: the first keeps the hub's client id (and so the
    // session an earlier hub left), the others add "-2", "-3"...
    std::vector<std::unique_ptr<transport::Transport>> transports;
    for (int i = 0; i < config.mqtt_connections; ++i) {
      auto options = transport::MqttOptionsFrom(*config.mqtt, "coolflow-hub-" + config.hub);
      if (!options.ok()) return InSection(config, "mqtt", options.status());
      if (i > 0) options->client_id += fmt::format("-{}", i + 1);
      // A persistent session: the broker keeps QoS 1 messages for the hub while it is away.
      options->clean_session = false;
      options->max_inflight = kMqttInflight;
      if (Status s = transport::ValidateMqttOptions(*options); !s.ok()) {
        return InSection(config, "mqtt", s);
      }
      auto made = transport::MakeMqttTransport(*options);
      if (!made.ok()) return InSection(config, "mqtt", made.status());
      transports.push_back(std::move(*made));
    }
    BrokerIngestOptions ingest;
    ingest.source = "mqtt";
    ingest.prefix = config.topic_prefix;
    ingest.separator = '/';
    ingest.formats = config.formats;
    ingest.share_group = "coolflow-hub-" + config.hub;
    hub->brokers_.push_back(std::make_unique<BrokerIngest>(
        ingest, std::move(transports), *hub->pipeline_, *hub->dead_letters_, handlers, clock));
  }
  if (config.kafka) {
    transport::KafkaOptions options = transport::KafkaOptionsFrom(config.kafka->kafka);
    options.client_id = "coolflow-hub-" + config.hub;
    options.consumer_group = config.kafka->consumer_group;
    if (Status s = transport::ValidateKafkaOptions(options); !s.ok()) {
      return InSection(config, "kafka", s);
    }
    auto made = transport::MakeKafkaTransport(options);
    if (!made.ok()) return InSection(config, "kafka", made.status());
    BrokerIngestOptions ingest;
    ingest.source = "kafka";
    ingest.prefix = config.topic_prefix;
    ingest.separator = '.';
    ingest.formats = config.formats;
    hub->brokers_.push_back(std::make_unique<BrokerIngest>(
        ingest, std::move(*made), *hub->pipeline_, *hub->dead_letters_, handlers, clock));
  }
  return hub;
}

Hub::~Hub() {
  Stop();
}

Status Hub::Start() {
  pipeline_->Start();
  started_ = true;
  for (auto& broker : brokers_) {
    if (Status s = broker->Start(); !s.ok()) return s;
  }
  return Status::Ok();
}

void Hub::Stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& broker : brokers_)
    broker->Stop();
  if (pipeline_ != nullptr) pipeline_->Stop();
  if (dead_letters_ != nullptr) dead_letters_->Flush();
  if (auto* engine = dynamic_cast<store::engine::Engine*>(store_.get())) {
    if (Status s = engine->Close(); !s.ok()) spdlog::error("store: close: {}", s.ToString());
  }
}

Status Hub::PublishCommand(std::string_view box, std::string_view payload) {
  Status last = Unavailable("no broker is configured (mqtt or kafka)");
  for (auto& broker : brokers_) {
    last = broker->PublishCommand(box, payload);
    if (last.ok()) return last;
  }
  return last;
}

std::string Hub::RenderMetrics() const {
  std::string out = pipeline_->RenderMetrics();
  out += dead_letters_->RenderMetrics();
  for (size_t i = 0; i < brokers_.size(); ++i)
    out += brokers_[i]->RenderMetrics(/*headers=*/i == 0);
  return out;
}

}  // namespace coolflow::hub
