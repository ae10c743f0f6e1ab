#include "agent/commands.h"

#include <cmath>

#include "common/time.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "reading/ac_command.h"

namespace coolflow::agent {
namespace {

constexpr std::string_view kModes[] = {"cool", "dry", "fan", "heat", "auto"};
constexpr std::string_view kFanSpeeds[] = {"auto", "low", "medium", "high"};

template <size_t N>
bool OneOf(std::string_view value, const std::string_view (&names)[N]) {
  for (std::string_view name : names) {
    if (name == value) return true;
  }
  return false;
}

Result<Command> ParseJsonCommand(std::string_view payload) {
  nlohmann::json j = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("command: not valid JSON");
  if (!j.is_object()) return InvalidArgument("command: expected a JSON object");
  Command c;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const nlohmann::json& v = it.value();
    auto want = [&](bool ok, std::string_view what) -> Status {
      if (ok) return Status::Ok();
      return InvalidArgument(fmt::format("command: {}: expected {}", key, what));
    };
    Status s;
    if (key == "id") {
      s = want(v.is_string(), "a string");
      if (s.ok()) c.id = v.get<std::string>();
    } else if (key == "device") {
      s = want(v.is_string(), "a string");
      if (s.ok()) c.device = v.get<std::string>();
    } else if (key == "power") {
      s = want(v.is_boolean(), "true or false");
      if (s.ok()) c.power = v.get<bool>();
    } else if (key == "setpoint_c") {
      s = want(v.is_number() && std::isfinite(v.get<double>()), "a number");
      if (s.ok()) c.setpoint_c = v.get<double>();
    } else if (key == "fan_percent") {
      s = want(v.is_number() && std::isfinite(v.get<double>()), "a number");
      if (s.ok()) c.fan_percent = v.get<double>();
    } else if (key == "mode") {
      s = want(v.is_string() && OneOf(v.get<std::string>(), kModes),
               "one of cool, dry, fan, heat, auto");
      if (s.ok()) c.mode = v.get<std::string>();
    } else if (key == "fan") {
      s = want(v.is_string() && OneOf(v.get<std::string>(), kFanSpeeds),
               "one of auto, low, medium, high");
      if (s.ok()) c.fan = v.get<std::string>();
    } else {
      s = InvalidArgument(fmt::format("command: unknown field \"{}\"", key.substr(0, 40)));
    }
    if (!s.ok()) return s;
  }
  if (c.device.empty()) return InvalidArgument("command: missing field \"device\"");
  if (!c.power && !c.setpoint_c && !c.mode && !c.fan && !c.fan_percent) {
    return InvalidArgument(
        "command: nothing to do (no power, setpoint_c, mode, fan or fan_percent)");
  }
  return c;
}

}  // namespace

Result<Command> ParseCommand(std::string_view payload) {
  const size_t first = payload.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return InvalidArgument("command: empty message");
  if (payload[first] == '{') return ParseJsonCommand(payload);
  // The seed's form; the range is checked per device by the gate, not with the seed's limits.
  reading::AcCommandLimits any;
  any.min_setpoint = -1e9;
  any.max_setpoint = 1e9;
  Result<reading::AcCommand> seed = reading::ParseAcCommand(payload, any);
  if (!seed.ok()) return InvalidArgument("command: " + seed.status().message());
  Command c;
  c.device = seed->name;
  c.power = true;
  c.setpoint_c = seed->temperature;
  return c;
}

std::string_view CommandOutcomeName(CommandOutcome outcome) {
  switch (outcome) {
    case CommandOutcome::kApplied:
      return "applied";
    case CommandOutcome::kRefused:
      return "refused";
    case CommandOutcome::kRateLimited:
      return "rate_limited";
    case CommandOutcome::kFailed:
      return "failed";
  }
  return "failed";
}

CommandGate::CommandGate(const std::vector<DeviceSpec>& devices) {
  for (const DeviceSpec& spec : devices)
    devices_.emplace(spec.name, Device{&spec, std::nullopt});
}

Status CommandGate::Admit(const Command& command, TimeNs now, CommandOutcome& outcome) {
  outcome = CommandOutcome::kRefused;
  auto it = devices_.find(command.device);
  if (it == devices_.end()) {
    return NotFound(fmt::format("unknown device \"{}\"", command.device.substr(0, 64)));
  }
  Device& device = it->second;
  const DeviceSpec& spec = *device.spec;
  if (command.setpoint_c) {
    if (spec.device_class != DeviceClass::kAirConditioner) {
      return InvalidArgument(fmt::format("{} is a fan: it has no setpoint", spec.name));
    }
    if (*command.setpoint_c < spec.min_setpoint_c || *command.setpoint_c > spec.max_setpoint_c) {
      return OutOfRange(fmt::format("setpoint {} C is outside {}..{} C for {}", *command.setpoint_c,
                                    spec.min_setpoint_c, spec.max_setpoint_c, spec.name));
    }
  }
  if (command.fan_percent) {
    if (spec.device_class != DeviceClass::kFan) {
      return InvalidArgument(fmt::format("{} is not a fan: fan_percent refused", spec.name));
    }
    if (*command.fan_percent < 0 || *command.fan_percent > 100) {
      return OutOfRange(fmt::format("fan_percent {} is outside 0..100", *command.fan_percent));
    }
  }
  if ((command.mode || command.fan) && spec.device_class != DeviceClass::kAirConditioner) {
    return InvalidArgument(fmt::format("{} is a fan: mode and fan speed are for ACs", spec.name));
  }
  if (device.last_accepted && now - *device.last_accepted < spec.min_interval) {
    outcome = CommandOutcome::kRateLimited;
    return Unavailable(fmt::format("{} took a command {} ago; at most one per {}", spec.name,
                                   FormatDuration(now - *device.last_accepted),
                                   FormatDuration(spec.min_interval)));
  }
  device.last_accepted = now;
  outcome = CommandOutcome::kApplied;
  return Status::Ok();
}

std::string FormatReply(std::string_view box, const Command& command, CommandOutcome outcome,
                        const Status& status, const std::optional<AcState>& state, TimeNs now) {
  nlohmann::json j = {{"id", command.id},         {"box", box},
                      {"device", command.device}, {"outcome", CommandOutcomeName(outcome)},
                      {"ok", status.ok()},        {"time", FormatRfc3339(now)}};
  if (!status.ok()) j["error"] = status.message();
  if (state) {
    j["state"] = {{"power", state->power},
                  {"setpoint_c", state->setpoint_c},
                  {"mode", state->mode},
                  {"fan", state->fan}};
  }
  // Invalid UTF-8 from a bad command is replaced rather than thrown on.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace coolflow::agent
