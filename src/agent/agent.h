// The edge agent at run time: polls every input on its own thread, numbers and encodes the
// readings, appends them to the spool, and a delivery thread publishes the spool in order
// through the transport, acknowledging records as the broker acknowledges them. Commands
// arriving on the command topic are checked, applied by their device's actuator and
// answered on the reply topic. docs/agent.md walks through it.
//
// Thread safety: Start and Stop from one thread. Inside: one thread per input, one delivery
// thread, one command thread, the metrics server's thread and the transport's own; they
// share the spool and the transport (both thread-safe) and the state below, guarded by
// mutex_.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/actuator.h"
#include "agent/agent_config.h"
#include "agent/commands.h"
#include "agent/input.h"
#include "agent/metrics/metrics.h"
#include "agent/metrics/metrics_server.h"
#include "agent/room/simulated_room.h"
#include "agent/spool.h"
#include "common/clock.h"
#include "common/thread_annotations.h"
#include "transport/transport.h"

namespace coolflow::agent {

// Topic names under the configured prefix ('/' for MQTT, '.' for Kafka, which allows no
// '/'): <prefix><sep><measurement> for readings, <prefix><sep>command<sep><box> for commands,
// <prefix><sep>reply<sep><box> for replies, <prefix><sep>status<sep><box> for online/offline.
struct Topics {
  std::string prefix;
  char separator = '/';
  std::string Readings(std::string_view measurement) const;
  std::string Command(std::string_view box) const;
  std::string Reply(std::string_view box) const;
  std::string Status(std::string_view box) const;
};
Topics TopicsFor(const DeliverySettings& delivery);

class Agent {
 public:
  // Builds every input and actuator of `config` (errors carry the entry's file position),
  // with `transport` and `spool` already made from the config (see agent_builder.h).
  static Result<std::unique_ptr<Agent>> Create(const AgentConfig& config, const Clock& clock,
                                               std::unique_ptr<transport::Transport> transport,
                                               std::unique_ptr<Spool> spool);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Starts the transport, the metrics endpoint and every thread.
  Status Start();
  // Stops polling, lets the delivery thread hand over what it can within `drain_ms`, closes
  // the transport and syncs the spool. Idempotent.
  void Stop(int drain_ms = 2'000);

  // The port the metrics endpoint listens on (0 when disabled).
  uint16_t metrics_port() const;
  // The metrics as /metrics serves them.
  std::string RenderMetrics();
  const Topics& topics() const { return topics_; }

 private:
  Agent(const AgentConfig& config, const Clock& clock);

  struct RunningInput {
    InputSpec spec;
    std::unique_ptr<Input> input;
    std::thread thread;
  };
  struct RunningDevice {
    DeviceSpec spec;
    std::unique_ptr<Actuator> actuator;
  };

  void PollLoop(RunningInput& input);
  void Deliver(const std::string& input, std::vector<reading::Reading>& readings);
  void DeliveryLoop();
  void CommandLoop();
  void HandleCommand(const transport::Message& message);
  Status PublishDirect(const transport::Message& message);
  void OnDelivered(uint64_t token, const Status& outcome);
  void OnReceived(const transport::Message& message);
  void OnConnection(const Status& state);
  void Wake();

  AgentConfig config_;
  const Clock& clock_;
  Topics topics_;
  std::unique_ptr<SimulatedRoom> room_;
  std::unique_ptr<transport::Transport> transport_;
  std::unique_ptr<Spool> spool_;
  std::vector<std::unique_ptr<RunningInput>> inputs_;
  std::vector<RunningDevice> devices_;
  std::unique_ptr<metrics::MetricsServer> metrics_server_;

  Mutex mutex_;
  // One condition per waiter, so an acknowledgement wakes the delivery thread only, a command
  // the command thread only, and Stop all of them.
  std::condition_variable stop_wake_;  // poll threads: stopping_
  std::condition_variable
      delivery_wake_;  // delivery thread: work_, rewind_, stopping_, window_wanted_
  std::condition_variable command_wake_;  // command thread: commands_, stopping_
  bool stopping_ COOLFLOW_GUARDED_BY(mutex_) = false;
  bool rewind_ COOLFLOW_GUARDED_BY(mutex_) = false;  // the transport gave up on a record
  bool work_ COOLFLOW_GUARDED_BY(mutex_) = false;    // something to look at
  // The delivery thread waits for an acknowledgement to open its full in-flight window.
  bool window_wanted_ COOLFLOW_GUARDED_BY(mutex_) = false;
  std::deque<transport::Message> commands_ COOLFLOW_GUARDED_BY(mutex_);
  std::atomic<uint64_t> direct_tokens_{0};
  std::thread delivery_thread_;
  std::thread command_thread_;
  bool started_ = false;

  // Metrics.
  metrics::Registry registry_;
  metrics::CounterFamily& readings_read_;
  metrics::CounterFamily& readings_spooled_;
  metrics::CounterFamily& encode_errors_;
  metrics::CounterFamily& poll_errors_;
  metrics::CounterFamily& polls_;
  metrics::CounterFamily& poll_overruns_;
  metrics::CounterFamily& messages_sent_;
  metrics::CounterFamily& messages_failed_;
  metrics::GaugeFamily& spool_depth_;
  metrics::GaugeFamily& spool_bytes_;
  metrics::GaugeFamily& spool_dropped_;
  metrics::GaugeFamily& spool_torn_;
  metrics::CounterFamily& spool_errors_;
  metrics::GaugeFamily& broker_connected_;
  metrics::CounterFamily& broker_disconnects_;
  metrics::CounterFamily& command_results_;
  metrics::CounterFamily& bad_commands_;
  metrics::CounterFamily& metrics_bad_requests_;
};

}  // namespace coolflow::agent
