// The hub's side of a broker (MQTT or Kafka): takes the agents' readings into the pipeline,
// acknowledging each message to the broker only once its readings are durable, follows the
// agents' online/offline status and their command replies, and publishes commands.
//
// Topics (docs/agent.md), under `prefix` and `separator` ("coolflow" and '/' for MQTT, '.'
// for Kafka):
//   <prefix>/<measurement>      readings, decoded in the format `formats[measurement]` or, when
//                               not listed, sniffed ("auto": pipeline.h ChooseFormat)
//   <prefix>/status/<box>       MQTT: the agent's retained online / offline (its last will)
//   <prefix>/reply/<box>        the agent's answers to commands
//   <prefix>/command/<box>      commands; the hub publishes there and ignores what it reads
//
// Acknowledgement: the messages a transport hands over between two Callbacks::settle calls
// are submitted to the pipeline together; settle returns once they are durable, and only
// then does the broker hear of it (MQTT PUBACK, Kafka offsets). When the store fails, settle
// retries with backoff (from `retry_min` to `retry_max`) until it succeeds: the broker keeps
// the messages meanwhile. If the hub stops while the store still fails, the messages not
// stored are written whole to the dead-letter log ("not stored: ..."), since the broker will
// hear they were taken.
//
// Several connections (MQTT): while one connection's settle waits for its round to be
// durable (an fsync), that connection reads nothing. With more than one transport, each is
// a connection of its own (its own client id and persistent session) and the readings
// topics are subscribed on every one as the shared subscription
// `$share/<share_group>/<filter>` (Mosquitto 2, MQTT 5; Mosquitto also allows it to MQTT
// 3.1.1 clients): the broker hands each message to one of them, so one connection reads
// while another's round is made durable, and the pipeline stores the rounds of all of them
// with one store write when they are ready together. Each connection still acknowledges only
// what its own settle made durable. A shared subscription gets no retained messages and
// would split the status and replies among the connections, so those topics are subscribed
// on the first connection only, and the readings filter without measurements is
// `<prefix>/+` (a readings topic has one level below the prefix; `#` would take the status
// and replies too). The first connection that is up publishes the commands. Kafka: every
// transport subscribes the same topics; the consumer group divides the partitions.
//
// Thread safety: Start and Stop from one thread; PublishCommand and RenderMetrics from any
// thread. The handlers run on the transports' threads, possibly on several at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "hub/dead_letters.h"
#include "hub/pipeline.h"
#include "transport/transport.h"

namespace coolflow::hub {

struct BrokerIngestOptions {
  std::string source = "mqtt";  // labels metrics and dead letters: "mqtt" or "kafka"
  std::string prefix = "coolflow";
  char separator = '/';
  // The readings topics to subscribe to; empty: every topic under the prefix (MQTT
  // `<prefix>/#`, Kafka the regex `^<prefix>\..*`).
  std::vector<std::string> measurements;
  std::map<std::string, std::string> formats;  // measurement -> format name; default "auto"
  std::chrono::milliseconds retry_min{100};
  std::chrono::milliseconds retry_max{5'000};
  // The MQTT shared-subscription group of the readings topics when there are several
  // transports (see above).
  std::string share_group = "coolflow-hub";
};

struct BrokerHandlers {
  // An agent's status message ("online", "offline"; anything else is counted and ignored).
  std::function<void(std::string_view box, bool online, TimeNs time)> status;
  // An agent's reply to a command (docs/agent.md "Commands and replies"), as received.
  // With several MQTT connections, `status` and `reply` still run on one thread (the first
  // connection's); `connection` runs for each connection, on its thread.
  std::function<void(std::string_view box, std::string_view payload, TimeNs time)> reply;
  // The broker connection came up (Ok) or went down.
  std::function<void(const Status& state)> connection;
};

class BrokerIngest {
 public:
  BrokerIngest(BrokerIngestOptions options, std::unique_ptr<transport::Transport> transport,
               Pipeline& pipeline, DeadLetterLog& dead_letters, BrokerHandlers handlers,
               const Clock& clock);
  // Several connections to one broker (see above); at least one.
  BrokerIngest(BrokerIngestOptions options,
               std::vector<std::unique_ptr<transport::Transport>> transports, Pipeline& pipeline,
               DeadLetterLog& dead_letters, BrokerHandlers handlers, const Clock& clock);
  ~BrokerIngest();  // Stop()
  BrokerIngest(const BrokerIngest&) = delete;
  BrokerIngest& operator=(const BrokerIngest&) = delete;

  // Starts the transports and subscribes; errors only for what can never work.
  Status Start();
  // Closes the transports (waiting up to `timeout_ms` for commands in flight).
  void Stop(int timeout_ms = 2'000);

  // Publishes `payload` on <prefix>/command/<box>. Unavailable while the broker is away:
  // commands are not queued (the controller sends the full state again soon).
  Status PublishCommand(std::string_view box, std::string_view payload);

  // Whether every connection is up (one that is down holds back its share of a shared
  // subscription: the broker queues it for that session).
  bool connected() const;
  size_t connections() const { return connections_.size(); }
  // Readings messages taken so far by each connection, in order.
  std::vector<uint64_t> messages_per_connection() const;
  // Rounds acknowledged so far, over all connections (each covers the messages of one read
  // pass of one connection).
  uint64_t settles() const { return settles_.load(); }
  // Prometheus text: messages by kind, settle rounds and retries, commands. `headers` false
  // leaves out the HELP and TYPE lines (a second broker's series of the same families).
  std::string RenderMetrics(bool headers = true) const;

 private:
  // One broker connection and what its thread took since its last settle.
  struct Connection {
    std::unique_ptr<transport::Transport> transport;
    std::vector<Input> pending;         // its transport's thread only
    std::atomic<uint64_t> messages{0};  // readings messages it took
  };

  Status Subscribe(size_t index);
  void Received(Connection& connection, const transport::Message& message);
  void Settle(Connection& connection);
  std::string Topic(std::string_view kind, std::string_view box) const;

  const BrokerIngestOptions options_;
  std::vector<std::unique_ptr<Connection>> connections_;  // fixed after construction
  Pipeline& pipeline_;
  DeadLetterLog& dead_letters_;
  const BrokerHandlers handlers_;
  const Clock& clock_;

  // Stop wakes a settle that waits to retry.
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;

  std::atomic<uint64_t> next_token_{1};
  std::atomic<uint64_t> messages_{0};  // readings messages taken
  std::atomic<uint64_t> status_{0};    // status messages
  std::atomic<uint64_t> replies_{0};   // replies
  std::atomic<uint64_t> ignored_{0};   // our own commands, unknown status payloads
  std::atomic<uint64_t> settles_{0};   // rounds acknowledged
  std::atomic<uint64_t> retries_{0};   // rounds retried after a store failure
  std::atomic<uint64_t> unstored_{0};  // messages acknowledged unstored at stop
  std::atomic<uint64_t> commands_sent_{0};
  std::atomic<uint64_t> commands_failed_{0};
};

}  // namespace coolflow::hub
