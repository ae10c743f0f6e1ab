#include "agent/agent.h"

#include <pthread.h>

#include <algorithm>
#include <map>
#include <utility>

#include "fmt/format.h"
#include "reading/format.h"
#include "spdlog/spdlog.h"

namespace coolflow::agent {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Tokens of messages published outside the spool (replies, device states) have this bit set,
// so their acknowledgements are not taken for spool records'.
constexpr uint64_t kDirectToken = uint64_t{1} << 63;
constexpr size_t kMaxQueuedCommands = 256;
// Failed polls in a row before a source's failure is logged as a warning.
constexpr int kFailuresBeforeWarning = 3;
// How soon the delivery thread tries again after the transport refused a message for a
// reason no callback will announce the end of.
constexpr auto kPublishRetry = std::chrono::seconds(1);

// The name (as reading::MakeEncoder knows it) of the wire format for readings of
// `measurement`.
std::string_view WireFormatName(WireFormat format, std::string_view measurement) {
  if (format == WireFormat::kSeed) {
    if (measurement == "temp") return "temp-csv";
    if (measurement == "resource") return "resource-json";
  }
  return "json";
}

const reading::Encoder& EncoderNamed(std::string_view name) {
  auto make = [](std::string_view n) {
    std::unique_ptr<reading::Encoder> encoder = reading::MakeEncoder(n);
    if (encoder == nullptr) {
      spdlog::critical("format {} has no encoder", n);
      std::abort();  // cannot happen: the formats are compiled in
    }
    return encoder;
  };
  // Encoders keep no state: one of each, made on first use.
  static const std::unique_ptr<reading::Encoder> json = make("json");
  static const std::unique_ptr<reading::Encoder> temp_csv = make("temp-csv");
  static const std::unique_ptr<reading::Encoder> resource_json = make("resource-json");
  if (name == "temp-csv") return *temp_csv;
  if (name == "resource-json") return *resource_json;
  return *json;
}

// Names a thread as top and gdb show it (at most 15 bytes), so a profile says which part of
// the agent used the CPU.
void NameThread(std::thread& thread, const std::string& name) {
  constexpr size_t kMaxThreadName = 15;
  pthread_setname_np(thread.native_handle(), name.substr(0, kMaxThreadName).c_str());
}

}  // namespace

std::string Topics::Readings(std::string_view measurement) const {
  return fmt::format("{}{}{}", prefix, separator, measurement);
}
std::string Topics::Command(std::string_view box) const {
  return fmt::format("{}{}command{}{}", prefix, separator, separator, box);
}
std::string Topics::Reply(std::string_view box) const {
  return fmt::format("{}{}reply{}{}", prefix, separator, separator, box);
}
std::string Topics::Status(std::string_view box) const {
  return fmt::format("{}{}status{}{}", prefix, separator, separator, box);
}

Topics TopicsFor(const DeliverySettings& delivery) {
  return {delivery.topic_prefix, delivery.transport == TransportKind::kKafka ? '.' : '/'};
}

Agent::Agent(const AgentConfig& config, const Clock& clock)
    : config_(config),
      clock_(clock),
      topics_(TopicsFor(config.delivery)),
      readings_read_(registry_.Counter("coolflow_agent_readings_read_total",
                                       "Readings produced by each input", {"input"})),
      readings_spooled_(registry_.Counter("coolflow_agent_readings_spooled_total",
                                          "Readings numbered, encoded and appended to the spool",
                                          {"input"})),
      encode_errors_(registry_.Counter(
          "coolflow_agent_encode_errors_total",
          "Readings the configured wire format could not carry (dropped)", {"input"})),
      poll_errors_(registry_.Counter("coolflow_agent_poll_errors_total",
                                     "Problems met while polling, by input and source",
                                     {"input", "source"})),
      polls_(registry_.Counter("coolflow_agent_polls_total", "Polls run", {"input"})),
      poll_overruns_(registry_.Counter("coolflow_agent_poll_overruns_total",
                                       "Intervals skipped because a poll ran past them",
                                       {"input"})),
      messages_sent_(registry_.Counter("coolflow_agent_messages_sent_total",
                                       "Spool records the broker acknowledged")),
      messages_failed_(registry_.Counter(
          "coolflow_agent_messages_failed_total",
          "Records the transport gave up on (they are published again from the spool)")),
      spool_depth_(registry_.Gauge("coolflow_agent_spool_depth_messages",
                                   "Records in the spool not yet acknowledged")),
      spool_bytes_(registry_.Gauge("coolflow_agent_spool_bytes", "Bytes of spool segments")),
      spool_dropped_(registry_.Gauge(
          "coolflow_agent_spool_dropped_messages",
          "Unacknowledged records dropped because the spool was full, since start")),
      spool_torn_(registry_.Gauge("coolflow_agent_spool_torn_records",
                                  "Damaged records cut off when the spool was opened")),
      spool_errors_(registry_.Counter("coolflow_agent_spool_errors_total",
                                      "Appends that failed (the readings are lost)")),
      broker_connected_(registry_.Gauge("coolflow_agent_broker_connected",
                                        "1 while the broker connection is up")),
      broker_disconnects_(registry_.Counter("coolflow_agent_broker_disconnects_total",
                                            "Times the broker connection went down")),
      command_results_(registry_.Counter("coolflow_agent_commands_total",
                                         "Commands by device and outcome", {"device", "outcome"})),
      bad_commands_(registry_.Counter("coolflow_agent_bad_commands_total",
                                      "Command messages that could not be read")),
      metrics_bad_requests_(registry_.Counter("coolflow_agent_metrics_bad_requests_total",
                                              "Bad requests to the metrics endpoint", {"status"})) {
}

Result<std::unique_ptr<Agent>> Agent::Create(const AgentConfig& config, const Clock& clock,
                                             std::unique_ptr<transport::Transport> transport,
                                             std::unique_ptr<Spool> spool) {
  if (!transport || !spool) return InvalidArgument("agent: a transport and a spool are needed");
  std::unique_ptr<Agent> agent(new Agent(config, clock));  // private constructor
  agent->transport_ = std::move(transport);
  agent->spool_ = std::move(spool);
  if (config.room) {
    auto scenario = room::LoadScenario(config.room->scenario);
    if (!scenario.ok()) return scenario.status();
    auto room = SimulatedRoom::Create(*scenario, config.room->speed, clock.Now());
    if (!room.ok()) return room.status();
    agent->room_ = std::move(*room);
  }
  AgentEnv env;
  env.box = config.box;
  env.clock = &clock;
  env.room = agent->room_.get();
  env.topic_prefix = agent->topics_.prefix;
  env.topic_separator = agent->topics_.separator;
  env.publish = [a = agent.get()](const transport::Message& m) { return a->PublishDirect(m); };
  for (const InputSpec& spec : config.inputs) {
    auto input = spec.make(env);
    if (!input.ok()) {
      return Status(input.status().code(), spec.location + ": " + input.status().message());
    }
    auto running = std::make_unique<RunningInput>();
    running->spec = spec;
    running->input = std::move(*input);
    agent->inputs_.push_back(std::move(running));
  }
  for (const DeviceSpec& spec : config.devices) {
    auto actuator = spec.make(env);
    if (!actuator.ok()) {
      return Status(actuator.status().code(), spec.location + ": " + actuator.status().message());
    }
    agent->devices_.push_back({spec, std::move(*actuator)});
  }
  return agent;
}

Agent::~Agent() {
  Stop(0);
}

Status Agent::Start() {
  if (started_) return Status::Ok();
  transport::Callbacks callbacks;
  callbacks.delivered = [this](uint64_t token, const Status& s) { OnDelivered(token, s); };
  callbacks.received = [this](const transport::Message& m) { OnReceived(m); };
  callbacks.connection = [this](const Status& s) { OnConnection(s); };
  if (Status s = transport_->Start(std::move(callbacks)); !s.ok()) return s;
  if (!devices_.empty()) {
    if (Status s = transport_->Subscribe(topics_.Command(config_.box)); !s.ok()) return s;
  }
  if (config_.metrics.port >= 0) {
    metrics::MetricsServer::Options options;
    options.host = config_.metrics.host;
    options.port = static_cast<uint16_t>(config_.metrics.port);
    auto server = metrics::MetricsServer::Start(
        options, [this] { return RenderMetrics(); },
        [this](int status, const std::string& why) {
          metrics_bad_requests_.Add({std::to_string(status)});
          spdlog::debug("metrics endpoint: {} ({})", status, why);
        });
    if (!server.ok()) return server.status();
    metrics_server_ = std::move(*server);
  }
  started_ = true;
  delivery_thread_ = std::thread([this] { DeliveryLoop(); });
  NameThread(delivery_thread_, "cf-deliver");
  command_thread_ = std::thread([this] { CommandLoop(); });
  NameThread(command_thread_, "cf-commands");
  for (auto& input : inputs_) {
    RunningInput* running = input.get();
    running->thread = std::thread([this, running] { PollLoop(*running); });
    NameThread(running->thread, "cf-in-" + running->spec.name);
  }
  spdlog::info("agent {}: {} inputs, {} devices, publishing under {}", config_.box, inputs_.size(),
               devices_.size(), topics_.prefix);
  return Status::Ok();
}

void Agent::Stop(int drain_ms) {
  if (!started_) return;
  {
    MutexLock lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_wake_.notify_all();
  delivery_wake_.notify_all();
  command_wake_.notify_all();
  for (auto& input : inputs_) {
    if (input->thread.joinable()) input->thread.join();
  }
  if (command_thread_.joinable()) command_thread_.join();
  if (delivery_thread_.joinable()) delivery_thread_.join();
  transport_->Close(drain_ms);
  if (metrics_server_) metrics_server_->Stop();
  if (Status s = spool_->Sync(); !s.ok()) spdlog::error("spool sync at stop: {}", s.ToString());
}

uint16_t Agent::metrics_port() const {
  return metrics_server_ ? metrics_server_->port() : 0;
}

std::string Agent::RenderMetrics() {
  const SpoolStats stats = spool_->stats();
  spool_depth_.Set({}, static_cast<double>(stats.depth));
  spool_bytes_.Set({}, static_cast<double>(stats.bytes));
  spool_dropped_.Set({}, static_cast<double>(stats.dropped));
  spool_torn_.Set({}, static_cast<double>(stats.torn));
  broker_connected_.Set({}, transport_->connected() ? 1 : 0);
  return registry_.Render();
}

void Agent::Wake() {
  {
    MutexLock lock(mutex_);
    work_ = true;
  }
  delivery_wake_.notify_one();
}

// --- Polling ----------------------------------------------------------------------------

void Agent::PollLoop(RunningInput& running) {
  const InputSpec& spec = running.spec;
  const auto interval = std::chrono::nanoseconds(spec.interval);
  const auto timeout = std::chrono::nanoseconds(spec.timeout);
  // Failed polls in a row, per source. One-off failures are normal for some parts (a DHT22
  // misses a read now and then): they are counted, and logged at debug; a source that keeps
  // failing is logged once as a warning, and again when it recovers.
  std::map<std::string, int> failing;
  auto next = SteadyClock::now();
  for (;;) {
    {
      MutexLock lock(mutex_);
      while (!stopping_ && lock.WaitUntil(stop_wake_, next)) {
      }
      if (stopping_) return;
    }
    const auto started = SteadyClock::now();
    PollResult result;
    running.input->Poll(clock_.Now(), started + timeout, result);
    polls_.Add({spec.name});
    std::map<std::string, int> now_failing;
    for (const InputError& error : result.errors) {
      poll_errors_.Add({spec.name, error.source});
      const int streak = failing[error.source] + 1;
      now_failing[error.source] = streak;
      if (streak == kFailuresBeforeWarning) {
        spdlog::warn("input {}: {}: {} ({} polls in a row)", spec.name, error.source, error.why,
                     streak);
      } else {
        spdlog::debug("input {}: {}: {}", spec.name, error.source, error.why);
      }
    }
    for (const auto& [source, streak] : failing) {
      if (streak >= kFailuresBeforeWarning && now_failing.find(source) == now_failing.end()) {
        spdlog::info("input {}: {}: recovered after {} failed polls", spec.name, source, streak);
      }
    }
    failing = std::move(now_failing);
    readings_read_.Add({spec.name}, static_cast<double>(result.readings.size()));
    if (!result.readings.empty()) Deliver(spec.name, result.readings);

    next += interval;
    const auto now = SteadyClock::now();
    if (next <= now) {
      const auto missed = (now - next) / interval + 1;
      poll_overruns_.Add({spec.name}, static_cast<double>(missed));
      next += missed * interval;
    }
  }
}

void Agent::Deliver(const std::string& input, std::vector<reading::Reading>& readings) {
  // One message per (measurement, box), in first-seen order, numbered per box.
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, std::vector<reading::Reading>> groups;
  for (reading::Reading& r : readings) {
    auto key = std::make_pair(r.measurement, r.box);
    auto [it, inserted] = groups.try_emplace(key);
    if (inserted) order.push_back(key);
    it->second.push_back(std::move(r));
  }
  bool appended = false;
  for (const auto& key : order) {
    std::vector<reading::Reading>& group = groups[key];
    const uint64_t first = spool_->ReserveSeq(key.second, group.size());
    for (size_t i = 0; i < group.size(); ++i)
      group[i].seq = first + i;
    const std::string_view format = WireFormatName(config_.delivery.format, key.first);
    transport::Message message;
    message.topic = topics_.Readings(key.first);
    message.key = key.second;
    std::vector<reading::EncodeError> errors;
    EncoderNamed(format).Encode(group, message.payload, errors);
    for (const reading::EncodeError& e : errors) {
      encode_errors_.Add({input}, static_cast<double>(e.count));
      spdlog::debug("input {}: {} cannot carry a reading: {}", input, format, e.message);
    }
    if (message.payload.empty()) continue;
    if (Status s = spool_->Append(message); !s.ok()) {
      spool_errors_.Add({});
      spdlog::error("spool append failed ({} readings lost): {}", group.size(), s.ToString());
      continue;
    }
    readings_spooled_.Add({input}, static_cast<double>(group.size()));
    appended = true;
  }
  if (appended) Wake();
}

// --- Delivery ---------------------------------------------------------------------------

void Agent::DeliveryLoop() {
  std::optional<SpoolRecord> pending;  // taken from the spool, not yet taken by the transport
  // Acknowledgements reach the spool's checkpoint (and emptied segments are deleted) when it
  // syncs; appends sync it, rate-limited to the checkpoint interval, and so does this timer,
  // for an agent whose inputs have gone quiet.
  const auto sync_every =
      std::chrono::nanoseconds(std::max<TimeNs>(config_.spool.checkpoint_interval, kNanosPerMilli));
  auto next_sync = SteadyClock::now() + sync_every;
  bool retry = false;  // the last Publish was refused
  for (;;) {
    if (SteadyClock::now() >= next_sync) {
      if (Status s = spool_->Sync(); !s.ok()) {
        spool_errors_.Add({});
        spdlog::error("spool sync failed: {}", s.ToString());
      }
      next_sync = SteadyClock::now() + sync_every;
    }
    // Woken by new records (Wake), a reconnection, an acknowledgement that opens a full
    // window, a record to publish again, the sync timer, or a retry after a refusal: never
    // to find nothing to do, which is what an idle agent's CPU time is made of.
    bool rewind = false;
    {
      MutexLock lock(mutex_);
      const auto until =
          retry ? std::min(next_sync, SteadyClock::now() + kPublishRetry) : next_sync;
      while (!stopping_ && !work_ && lock.WaitUntil(delivery_wake_, until)) {
      }
      if (stopping_) return;
      work_ = false;
      rewind = std::exchange(rewind_, false);
    }
    if (rewind) {
      spool_->Rewind();
      pending.reset();
    }
    retry = false;
    while (transport_->connected()) {
      if (transport_->in_flight() >= config_.delivery.max_in_flight) {
        // Ask for the acknowledgement that opens the window, then look again: one that came
        // meanwhile either shows here or sees the request (both sides take mutex_ after the
        // transport has counted it).
        {
          MutexLock lock(mutex_);
          window_wanted_ = true;
        }
        if (transport_->in_flight() >= config_.delivery.max_in_flight) break;
      }
      if (!pending) pending = spool_->Next();
      if (!pending) break;
      if (!transport_->Publish(pending->message, pending->id).ok()) {
        retry = true;
        break;
      }
      pending.reset();
    }
  }
}

void Agent::OnDelivered(uint64_t token, const Status& outcome) {
  if ((token & kDirectToken) != 0) {
    if (!outcome.ok()) spdlog::warn("reply or device message lost: {}", outcome.ToString());
    return;
  }
  if (outcome.ok()) {
    spool_->Acknowledge(token);
    messages_sent_.Add({});
    bool wanted = false;
    {
      MutexLock lock(mutex_);
      wanted = std::exchange(window_wanted_, false);
      work_ = work_ || wanted;
    }
    if (wanted) delivery_wake_.notify_one();
    return;
  }
  if (outcome.code() == StatusCode::kCancelled) {
    // Closing: the record stays in the spool and goes out after the next start.
    return;
  }
  messages_failed_.Add({});
  spdlog::warn("transport gave up on spool record {}: {}; publishing again", token,
               outcome.ToString());
  {
    MutexLock lock(mutex_);
    rewind_ = true;
    work_ = true;
  }
  delivery_wake_.notify_one();
}

void Agent::OnConnection(const Status& state) {
  if (state.ok()) {
    spdlog::info("broker connection up");
  } else {
    broker_disconnects_.Add({});
    spdlog::warn("broker connection down: {}", state.message());
  }
  Wake();
}

Status Agent::PublishDirect(const transport::Message& message) {
  const uint64_t token = kDirectToken | direct_tokens_.fetch_add(1);
  return transport_->Publish(message, token);
}

// --- Commands ---------------------------------------------------------------------------

void Agent::OnReceived(const transport::Message& message) {
  {
    MutexLock lock(mutex_);
    if (commands_.size() >= kMaxQueuedCommands) {
      bad_commands_.Add({});
      spdlog::warn("command queue full ({}); command on {} dropped", kMaxQueuedCommands,
                   message.topic);
      return;
    }
    commands_.push_back(message);
  }
  command_wake_.notify_one();
}

void Agent::CommandLoop() {
  CommandGate gate(config_.devices);
  for (;;) {
    transport::Message message;
    {
      MutexLock lock(mutex_);
      while (!stopping_ && commands_.empty())
        lock.Wait(command_wake_);
      if (stopping_) return;
      message = std::move(commands_.front());
      commands_.pop_front();
    }
    const TimeNs now = clock_.Now();
    Result<Command> command = ParseCommand(message.payload);
    Command shown;
    CommandOutcome outcome = CommandOutcome::kRefused;
    Status status;
    std::optional<AcState> state;
    if (!command.ok()) {
      bad_commands_.Add({});
      status = command.status();
      spdlog::warn("command on {} refused: {}", message.topic, status.message());
    } else {
      shown = *command;
      status = gate.Admit(*command, now, outcome);
      RunningDevice* device = nullptr;
      for (RunningDevice& d : devices_) {
        if (d.spec.name == command->device) device = &d;
      }
      if (status.ok() && device != nullptr) {
        status = device->actuator->Apply(*command);
        outcome = status.ok() ? CommandOutcome::kApplied : CommandOutcome::kFailed;
      }
      if (device != nullptr) state = device->actuator->ac_state();
      command_results_.Add({device != nullptr ? command->device : "(unknown)",
                            std::string(CommandOutcomeName(outcome))});
      if (status.ok()) {
        spdlog::info("command {} for {}: applied", command->id, command->device);
      } else {
        spdlog::warn("command {} for {}: {}: {}", command->id, command->device.substr(0, 64),
                     CommandOutcomeName(outcome), status.message());
      }
    }
    transport::Message reply{topics_.Reply(config_.box), config_.box,
                             FormatReply(config_.box, shown, outcome, status, state, now)};
    // A reply that cannot go now waits in the spool with the readings.
    if (!PublishDirect(reply).ok()) {
      if (Status s = spool_->Append(reply); !s.ok()) spool_errors_.Add({});
      Wake();
    }
  }
}

}  // namespace coolflow::agent
