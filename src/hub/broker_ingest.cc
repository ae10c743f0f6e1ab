#include "hub/broker_ingest.h"

#include <algorithm>
#include <utility>

#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace coolflow::hub {
namespace {

// Waits for a set of pipeline submissions to complete.
class Round {
 public:
  explicit Round(size_t inputs) : outcomes_(inputs), left_(inputs) {}
  Done Completion(size_t i) {
    return [this, i](const Status& outcome, const InputReport&) {
      std::lock_guard lock(mu_);
      outcomes_[i] = outcome;
      if (--left_ == 0) cv_.notify_all();
    };
  }
  // A submission that never got in counts as failed at once.
  void Refused(size_t i, const Status& why) {
    std::lock_guard lock(mu_);
    outcomes_[i] = why;
    --left_;
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return left_ == 0; });
  }
  const std::vector<Status>& outcomes() const { return outcomes_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Status> outcomes_;
  size_t left_;
};

std::vector<std::unique_ptr<transport::Transport>> One(
    std::unique_ptr<transport::Transport> transport) {
  std::vector<std::unique_ptr<transport::Transport>> transports;
  transports.push_back(std::move(transport));
  return transports;
}

}  // namespace

BrokerIngest::BrokerIngest(BrokerIngestOptions options,
                           std::unique_ptr<transport::Transport> transport, Pipeline& pipeline,
                           DeadLetterLog& dead_letters, BrokerHandlers handlers, const Clock& clock)
    : BrokerIngest(std::move(options), One(std::move(transport)), pipeline, dead_letters,
                   std::move(handlers), clock) {}

BrokerIngest::BrokerIngest(BrokerIngestOptions options,
                           std::vector<std::unique_ptr<transport::Transport>> transports,
                           Pipeline& pipeline, DeadLetterLog& dead_letters, BrokerHandlers handlers,
                           const Clock& clock)
    : options_(std::move(options)),
      pipeline_(pipeline),
      dead_letters_(dead_letters),
      handlers_(std::move(handlers)),
      clock_(clock) {
  for (auto& transport : transports) {
    auto connection = std::make_unique<Connection>();
    connection->transport = std::move(transport);
    connections_.push_back(std::move(connection));
  }
}

BrokerIngest::~BrokerIngest() {
  Stop(0);
}

std::string BrokerIngest::Topic(std::string_view kind, std::string_view box) const {
  return fmt::format("{}{}{}{}{}", options_.prefix, options_.separator, kind, options_.separator,
                     box);
}

Status BrokerIngest::Start() {
  for (size_t i = 0; i < connections_.size(); ++i) {
    Connection& connection = *connections_[i];
    transport::Callbacks callbacks;
    callbacks.received = [this, &connection](const transport::Message& message) {
      Received(connection, message);
    };
    callbacks.settle = [this, &connection] { Settle(connection); };
    callbacks.delivered = [this](uint64_t, const Status& outcome) {
      if (outcome.ok()) {
        ++commands_sent_;
      } else {
        ++commands_failed_;
        spdlog::warn("{}: a command was not delivered: {}", options_.source, outcome.ToString());
      }
    };
    const std::string name = connections_.size() == 1
                                 ? options_.source
                                 : fmt::format("{} connection {}", options_.source, i + 1);
    callbacks.connection = [this, name](const Status& state) {
      if (state.ok()) {
        spdlog::info("{}: connected", name);
      } else {
        spdlog::warn("{}: {}", name, state.ToString());
      }
      if (handlers_.connection) handlers_.connection(state);
    };
    if (Status s = connection.transport->Start(std::move(callbacks)); !s.ok()) return s;
    if (Status s = Subscribe(i); !s.ok()) return s;
  }
  return Status::Ok();
}

Status BrokerIngest::Subscribe(size_t index) {
  transport::Transport& transport = *connections_[index]->transport;
  const std::string base = options_.prefix + options_.separator;
  const bool mqtt = options_.separator == '/';
  const bool shared = mqtt && connections_.size() > 1;
  // Kafka has no wildcard topic: a regex subscription (librdkafka: a name starting with ^).
  const auto regex = [&](std::string_view under) {
    std::string escaped;
    for (const char c : options_.prefix + "." + std::string(under)) {
      if (c == '.') escaped += '\\';
      escaped += c;
    }
    return fmt::format("^{}.*", escaped);
  };
  std::vector<std::string> topics;
  if (shared) {
    const std::string share = fmt::format("$share/{}/", options_.share_group);
    if (options_.measurements.empty()) {
      topics.push_back(share + base + "+");
    } else {
      for (const std::string& m : options_.measurements)
        topics.push_back(share + base + m);
    }
    if (index == 0) {
      topics.push_back(base + "status/+");
      topics.push_back(base + "reply/+");
    }
  } else if (options_.measurements.empty()) {
    topics.push_back(mqtt ? base + "#" : regex(""));
  } else {
    for (const std::string& m : options_.measurements)
      topics.push_back(base + m);
    if (mqtt) {
      topics.push_back(base + "status/+");
      topics.push_back(base + "reply/+");
    } else {
      topics.push_back(regex("reply."));
    }
  }
  for (const std::string& topic : topics) {
    if (Status s = transport.Subscribe(topic); !s.ok()) return s;
  }
  return Status::Ok();
}

void BrokerIngest::Stop(int timeout_ms) {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  for (auto& connection : connections_)
    connection->transport->Close(timeout_ms);  // idempotent
}

std::vector<uint64_t> BrokerIngest::messages_per_connection() const {
  std::vector<uint64_t> counts;
  for (const auto& connection : connections_)
    counts.push_back(connection->messages.load());
  return counts;
}

bool BrokerIngest::connected() const {
  return std::all_of(connections_.begin(), connections_.end(),
                     [](const auto& connection) { return connection->transport->connected(); });
}

void BrokerIngest::Received(Connection& connection, const transport::Message& message) {
  const TimeNs now = clock_.Now();
  const std::string base = options_.prefix + options_.separator;
  std::string_view rest = message.topic;
  if (!rest.starts_with(base)) {
    ++ignored_;
    return;
  }
  rest.remove_prefix(base.size());
  const auto per_box = [&](std::string_view kind, std::string_view& box) {
    const std::string head = std::string(kind) + options_.separator;
    if (!rest.starts_with(head)) return false;
    box = rest.substr(head.size());
    return true;
  };
  std::string_view box;
  if (per_box("status", box)) {
    ++status_;
    if (message.payload == "online" || message.payload == "offline") {
      if (handlers_.status) handlers_.status(box, message.payload == "online", now);
    } else {
      ++ignored_;
    }
    return;
  }
  if (per_box("reply", box)) {
    ++replies_;
    if (handlers_.reply) handlers_.reply(box, message.payload, now);
    return;
  }
  if (per_box("command", box)) {
    ++ignored_;
    return;
  }
  ++messages_;
  ++connection.messages;
  const auto format = options_.formats.find(std::string(rest));
  connection.pending.push_back(Input{options_.source, message.topic,
                                     format == options_.formats.end() ? "auto" : format->second,
                                     message.payload, now});
}

void BrokerIngest::Settle(Connection& connection) {
  std::vector<Input> inputs = std::move(connection.pending);
  connection.pending.clear();
  auto retry_delay = options_.retry_min;
  while (!inputs.empty()) {
    Round round(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      // The pipeline keeps its copy; ours stays for a retry.
      const Status s = pipeline_.Submit(inputs[i], round.Completion(i), /*wait=*/true);
      if (!s.ok()) round.Refused(i, s);
    }
    round.Wait();
    std::vector<Input> failed;
    Status why;
    for (size_t i = 0; i < inputs.size(); ++i) {
      // InvalidArgument (an unknown format name) cannot get better by retrying: the pipeline
      // refused the input as a whole.
      if (round.outcomes()[i].ok()) continue;
      if (round.outcomes()[i].code() == StatusCode::kInvalidArgument) {
        dead_letters_.Add({clock_.Now(), options_.source, inputs[i].where, "",
                           round.outcomes()[i].message(), inputs[i].payload});
        continue;
      }
      why = round.outcomes()[i];
      failed.push_back(std::move(inputs[i]));
    }
    inputs = std::move(failed);
    if (inputs.empty()) break;
    std::unique_lock lock(stop_mu_);
    if (stopping_) {
      for (const Input& input : inputs) {
        dead_letters_.Add({clock_.Now(), options_.source, input.where, "",
                           "not stored: " + why.ToString(), input.payload, /*whole=*/true});
      }
      unstored_ += inputs.size();
      spdlog::error(
          "{}: {} messages could not be stored before the hub stopped; they are in the "
          "dead-letter log",
          options_.source, inputs.size());
      break;
    }
    ++retries_;
    spdlog::warn("{}: {} messages wait for the store ({}); retrying in {} ms", options_.source,
                 inputs.size(), why.ToString(), retry_delay.count());
    stop_cv_.wait_for(lock, retry_delay, [&] { return stopping_; });
    retry_delay = std::min(retry_delay * 2, options_.retry_max);
  }
  ++settles_;
}

Status BrokerIngest::PublishCommand(std::string_view box, std::string_view payload) {
  const transport::Message command{Topic("command", box), std::string(box), std::string(payload)};
  Status last;
  for (auto& connection : connections_) {
    last = connection->transport->Publish(command, next_token_++);
    if (last.ok() || last.code() != StatusCode::kUnavailable) return last;
  }
  return last;  // every connection is down
}

std::string BrokerIngest::RenderMetrics(bool headers) const {
  std::string out;
  const auto counter = [&](std::string_view name, std::string_view help, uint64_t value) {
    if (headers) out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n", name, help);
    out += fmt::format("{}{{source=\"{}\"}} {}\n", name, options_.source, value);
  };
  counter("coolflow_hub_broker_messages_total", "Readings messages taken from the broker.",
          messages_);
  counter("coolflow_hub_broker_status_total", "Agents' status messages.", status_);
  counter("coolflow_hub_broker_replies_total", "Agents' command replies.", replies_);
  counter("coolflow_hub_broker_ignored_total", "Messages ignored (commands, unknown status).",
          ignored_);
  counter("coolflow_hub_broker_settles_total", "Rounds of messages acknowledged once durable.",
          settles_);
  counter("coolflow_hub_broker_store_retries_total",
          "Rounds retried because the store failed (the broker kept the messages).", retries_);
  counter("coolflow_hub_broker_unstored_total",
          "Messages acknowledged without being stored, at a stop while the store failed (kept "
          "whole in the dead-letter log).",
          unstored_);
  counter("coolflow_hub_commands_sent_total", "Commands the broker acknowledged.", commands_sent_);
  counter("coolflow_hub_commands_failed_total", "Commands the broker never acknowledged.",
          commands_failed_);
  if (headers) {
    out +=
        "# HELP coolflow_hub_broker_connected Whether the broker connection is up.\n"
        "# TYPE coolflow_hub_broker_connected gauge\n";
  }
  out += fmt::format("coolflow_hub_broker_connected{{source=\"{}\"}} {}\n", options_.source,
                     connected() ? 1 : 0);
  if (headers) {
    out +=
        "# HELP coolflow_hub_broker_connections_up Broker connections up (of the configured "
        "ones).\n"
        "# TYPE coolflow_hub_broker_connections_up gauge\n";
  }
  const auto up = std::count_if(connections_.begin(), connections_.end(),
                                [](const auto& c) { return c->transport->connected(); });
  out +=
      fmt::format("coolflow_hub_broker_connections_up{{source=\"{}\"}} {}\n", options_.source, up);
  return out;
}

}  // namespace coolflow::hub
