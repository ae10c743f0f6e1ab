// The hub process (`coolflow hub`): the store, the pipeline and the brokers' ingest, put
// together from a HubConfig, plus whatever sinks (live state, alerts, the controller) the
// caller adds before Start. docs/hub.md tells the whole story.
//
//   auto hub = Hub::Create(config, SystemClock::Instance());
//   (*hub)->AddSink(&live_state);
//   (*hub)->Start();
//   ...
//   (*hub)->Stop();
//
// Thread safety: Create, AddSink, Start and Stop from one thread; the accessors from any.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "hub/broker_ingest.h"
#include "hub/dead_letters.h"
#include "hub/hub_config.h"
#include "hub/pipeline.h"
#include "store/store.h"

namespace coolflow::hub {

class Hub {
 public:
  // Opens the store (the embedded engine, replaying its WAL, or InfluxDB) and builds the
  // pipeline and the broker clients; connects nothing yet. Errors name the config's file
  // and section.
  static Result<std::unique_ptr<Hub>> Create(const HubConfig& config, const Clock& clock,
                                             BrokerHandlers handlers = {});
  ~Hub();  // Stop()
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  void AddSink(ReadingSink* sink) { pipeline_->AddSink(sink); }
  // Starts the pipeline, then the brokers.
  Status Start();
  // Stops the brokers (no new input), completes what the pipeline holds, closes the store.
  void Stop();

  const HubConfig& config() const { return config_; }
  store::Store& store() { return *store_; }
  Pipeline& pipeline() { return *pipeline_; }
  // The broker clients, MQTT first; empty without brokers.
  const std::vector<std::unique_ptr<BrokerIngest>>& brokers() const { return brokers_; }
  // Publishes a command to a box through the first broker that takes it.
  Status PublishCommand(std::string_view box, std::string_view payload);
  // Prometheus text of the pipeline, the dead letters and the brokers.
  std::string RenderMetrics() const;

 private:
  explicit Hub(HubConfig config) : config_(std::move(config)) {}

  const HubConfig config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<DeadLetterLog> dead_letters_;
  std::unique_ptr<Pipeline> pipeline_;
  std::vector<std::unique_ptr<BrokerIngest>> brokers_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace coolflow::hub
