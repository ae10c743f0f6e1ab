#include "hub/hub_runtime.h"

#include <utility>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "room/scenario.h"
#include "spdlog/spdlog.h"

namespace coolflow::hub {
namespace {

Status InSection(const HubConfig& config, std::string_view section, const Status& s) {
  return Status(s.code(), fmt::format("{}: {}: {}", config.source, section, s.message()));
}

}  // namespace

Result<std::unique_ptr<HubRuntime>> HubRuntime::Create(const HubConfig& config, const Clock& clock,
                                                       TimeNs tick) {
  std::unique_ptr<HubRuntime> runtime(new HubRuntime(clock, tick));
  runtime->live_ = std::make_unique<live::LiveState>(live::LiveOptions{});
  runtime->evaluation_interval_ = config.alerts.evaluation_interval;
  auto engine = alerts::AlertEngine::Create(config.alerts, *runtime->live_);
  if (!engine.ok()) return InSection(config, "alerts", engine.status());
  runtime->alerts_ = std::move(*engine);

  std::optional<control::ControllerConfig> control = config.control;
  if (!control && !config.scenario.empty()) {
    auto scenario = room::LoadScenario(config.scenario);
    if (!scenario.ok()) return InSection(config, "scenario", scenario.status());
    control = control::ControllerConfigFromScenario(*scenario, config.room_box);
  }
  runtime->name_ = config.hub;
  if (control) {
    runtime->room_ = control;
    auto controller = control::Controller::Create(*control);
    if (!controller.ok()) return InSection(config, "control", controller.status());
    runtime->controller_ = std::move(*controller);
    alerts::AlertEngine* engine_ptr = runtime->alerts_.get();
    const Clock* clock_ptr = &clock;
    runtime->controller_->SetConditionListener(
        [engine_ptr, clock_ptr](const control::Condition& condition, bool active) {
          const std::string subject_key = condition.kind.starts_with("sensor") ? "rack" : "ac";
          engine_ptr->SetCondition(condition.kind, {{subject_key, condition.subject}}, active,
                                   condition.message, clock_ptr->Now());
        });
  }

  HubRuntime* self = runtime.get();
  BrokerHandlers handlers;
  handlers.status = [self](std::string_view box, bool online, TimeNs time) {
    self->live_->SetBoxStatus(box, online, time);
  };
  handlers.reply = [self](std::string_view box, std::string_view payload, TimeNs time) {
    (void)box;
    self->OnReply(box, payload, time);
  };
  auto hub = Hub::Create(config, clock, std::move(handlers));
  if (!hub.ok()) return hub.status();
  runtime->hub_ = std::move(*hub);
  runtime->hub_->AddSink(runtime.get());
  return runtime;
}

HubRuntime::~HubRuntime() {
  Stop();
}

Status HubRuntime::Start() {
  if (Status s = hub_->Start(); !s.ok()) return s;
  started_ = true;
  ticker_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void HubRuntime::Stop() {
  {
    std::lock_guard lock(run_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  run_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (hub_ != nullptr) hub_->Stop();
}

void HubRuntime::Accept(std::span<const reading::Reading> readings, TimeNs now) {
  live_->Apply(readings, now);
  if (controller_ == nullptr) return;
  std::lock_guard lock(control_mu_);
  for (const reading::Reading& r : readings)
    controller_->OnReading(r);
}

void HubRuntime::OnReply(std::string_view box, std::string_view payload, TimeNs now) {
  if (controller_ == nullptr) return;
  nlohmann::json reply = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!reply.is_object() || !reply.contains("id") || !reply["id"].is_string() ||
      !reply.contains("outcome") || !reply["outcome"].is_string()) {
    spdlog::debug("reply from {}: not a command reply", box);
    return;
  }
  const auto result = control::ParseCommandResult(reply["outcome"].get<std::string>());
  if (!result) return;
  std::lock_guard lock(control_mu_);
  controller_->OnCommandResult(reply["id"].get<std::string>(), *result, now);
}

void HubRuntime::Run() {
  while (true) {
    {
      std::unique_lock lock(run_mu_);
      if (run_cv_.wait_for(lock, std::chrono::nanoseconds(tick_), [&] { return stopping_; })) {
        return;
      }
    }
    Tick(clock_.Now());
  }
}

void HubRuntime::Tick(TimeNs now) {
  live_->Publish(now);
  std::vector<control::AcCommandOut> commands;
  if (controller_ != nullptr) {
    std::lock_guard lock(control_mu_);
    const size_t before = controller_->decisions().size();
    const TimeNs newest_before = before == 0 ? 0 : controller_->decisions().back().time;
    commands = controller_->Tick(now);
    const size_t after = controller_->decisions().size();
    if (after != before || (after > 0 && controller_->decisions().back().time != newest_before)) {
      decisions_made_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  for (const control::AcCommandOut& command : commands) {
    if (command.box.empty()) {
      ++commands_unsent_;
      continue;
    }
    const Status s = hub_->PublishCommand(command.box, control::FormatAgentCommandJson(command));
    if (s.ok()) {
      ++commands_published_;
    } else {
      ++commands_unsent_;
      spdlog::warn("controller: command {} to {} not sent: {}", command.id, command.box,
                   s.ToString());
    }
  }
  if (now - last_evaluation_ >= evaluation_interval_) {
    last_evaluation_ = now;
    const std::vector<alerts::Alert> events = alerts_->Evaluate(now);
    if (!events.empty() && alert_listener_) alert_listener_(events);
  }
}

Status HubRuntime::SetPolicy(std::string_view spec) {
  if (controller_ == nullptr) return Unavailable("the hub controls no room (no control: section)");
  std::lock_guard lock(control_mu_);
  return controller_->SetPolicy(spec);
}

Status HubRuntime::SetSetpoint(std::string_view ac, double setpoint_c, bool power_on) {
  if (controller_ == nullptr) return Unavailable("the hub controls no room (no control: section)");
  std::lock_guard lock(control_mu_);
  return controller_->SetManualSetpoint(ac, setpoint_c, power_on);
}

Status HubRuntime::NudgeSetpoint(std::string_view ac, int direction) {
  if (controller_ == nullptr) return Unavailable("the hub controls no room (no control: section)");
  std::lock_guard lock(control_mu_);
  return controller_->NudgeManualSetpoint(ac, direction);
}

std::string HubRuntime::ControllerJson(size_t decisions) const {
  if (controller_ == nullptr) return "{}";
  std::lock_guard lock(control_mu_);
  nlohmann::json out;
  out["policy"] = controller_->policy_name();
  nlohmann::json commanded = nlohmann::json::array();
  const auto& acs = controller_->config().acs;
  const auto targets = controller_->commanded();
  for (size_t i = 0; i < targets.size() && i < acs.size(); ++i) {
    commanded.push_back({{"ac", acs[i].name},
                         {"power", targets[i].power_on},
                         {"setpoint_c", targets[i].setpoint_c}});
  }
  out["commanded"] = std::move(commanded);
  nlohmann::json conditions = nlohmann::json::array();
  for (const control::Condition& c : controller_->conditions()) {
    conditions.push_back(
        {{"kind", c.kind}, {"subject", c.subject}, {"since", c.since}, {"message", c.message}});
  }
  out["conditions"] = std::move(conditions);
  out["decisions"] = nlohmann::json::parse(controller_->DecisionsJson(decisions), nullptr, false);
  return out.dump();
}

std::string HubRuntime::RenderMetrics() const {
  std::string out;
  const auto counter = [&](std::string_view name, std::string_view help, uint64_t value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, value);
  };
  const auto snapshot = live_->snapshot();
  if (snapshot != nullptr) {
    counter("coolflow_hub_live_readings_total", "Readings applied to the live state.",
            snapshot->counters().readings);
    counter("coolflow_hub_live_dropped_series_total",
            "Readings of series past the live state's bounds.",
            snapshot->counters().dropped_series);
  }
  const alerts::EngineCounters engine = alerts_->counters();
  counter("coolflow_hub_alert_evaluations_total", "Alert rule evaluations.", engine.evaluations);
  counter("coolflow_hub_alert_notifications_total", "Notifications handed to the notifiers.",
          engine.notifications);
  out += fmt::format(
      "# HELP coolflow_hub_alerts_active Alerts pending or firing.\n# TYPE "
      "coolflow_hub_alerts_active "
      "gauge\ncoolflow_hub_alerts_active {}\n",
      alerts_->Active().size());
  counter("coolflow_hub_controller_commands_published_total",
          "Controller commands handed to a broker.", commands_published_.load());
  counter("coolflow_hub_controller_commands_unsent_total",
          "Controller commands no broker took (or with no agent box to go to).",
          commands_unsent_.load());
  if (controller_ != nullptr) {
    std::lock_guard lock(control_mu_);
    const control::ControllerCounters& c = controller_->counters();
    counter("coolflow_hub_controller_commands_total", "AC commands the controller issued.",
            c.commands);
    counter("coolflow_hub_controller_safety_overrides_total",
            "Decisions where the safety layer overrode the policy.", c.safety_overrides);
    counter("coolflow_hub_controller_implausible_total", "Readings refused as implausible.",
            c.implausible);
  }
  return out;
}

}  // namespace coolflow::hub
