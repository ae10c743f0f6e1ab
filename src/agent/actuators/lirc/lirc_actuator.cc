#include "agent/actuators/lirc/lirc_actuator.h"

#include <cmath>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "agent/actuators/lirc/lircd_client.h"
#include "fmt/format.h"
#include "fmt/ranges.h"

namespace coolflow::agent {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string DescribeState(const AcState& state) {
  if (!state.power) return "power off";
  return fmt::format("setpoint {} °C, mode {}, fan {}", state.setpoint_c, state.mode, state.fan);
}

std::string JoinKeys(const std::vector<std::string>& keys) {
  return fmt::format("{}", fmt::join(keys, ", "));
}

// lircd's reason for an ERROR reply, on one line.
std::string Reason(const LircdReply& reply) {
  if (reply.data.empty()) return "no reason given";
  return fmt::format("{}", fmt::join(reply.data, "; "));
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

class LircActuator final : public Actuator {
 public:
  explicit LircActuator(LircOptions options)
      : options_(std::move(options)),
        carries_mode_(LircKeysCarryMode(options_.keys)),
        carries_fan_(LircKeysCarryFan(options_.keys)),
        state_(options_.initial) {}

  Status Apply(const Command& command) override {
    AcState current;
    {
      std::lock_guard lock(mutex_);
      current = state_;
    }
    auto next = Merge(current, command);
    if (!next.ok()) return next.status();
    // Every state must be sendable when the unit is on, even one that switches it off now:
    // otherwise a later "power on" would fail on a setpoint accepted today.
    AcState on = *next;
    on.power = true;
    auto on_keys = LircKeySequence(options_.keys, on);
    if (!on_keys.ok()) return on_keys.status().WithContext(Where());
    auto keys = LircKeySequence(options_.keys, *next);
    if (!keys.ok()) return keys.status().WithContext(Where());

    if (Status sent = Send(*keys, *next); !sent.ok()) return sent;
    std::lock_guard lock(mutex_);
    state_ = *next;
    return Status::Ok();
  }

  std::optional<AcState> ac_state() const override {
    std::lock_guard lock(mutex_);
    return state_;
  }

 private:
  std::string Where() const { return fmt::format("remote {}", options_.remote); }

  // `current` with the command's fields applied, or why the unit cannot take them.
  Result<AcState> Merge(const AcState& current, const Command& command) const {
    if (command.fan_percent) {
      return InvalidArgument(fmt::format(
          "remote {}: an air conditioner takes no fan_percent (that is for PWM fans); its fan "
          "speed is `fan` (auto, low, medium, high)",
          options_.remote));
    }
    AcState next = current;
    if (command.power) next.power = *command.power;
    if (command.setpoint_c) {
      const double setpoint = *command.setpoint_c;
      if (!std::isfinite(setpoint) || setpoint < options_.min_setpoint_c ||
          setpoint > options_.max_setpoint_c) {
        return OutOfRange(fmt::format("remote {}: setpoint {} °C is outside {}..{} °C",
                                      options_.remote, setpoint, options_.min_setpoint_c,
                                      options_.max_setpoint_c));
      }
      next.setpoint_c = setpoint;
    }
    if (command.mode) {
      if (Status s = CheckSetting("mode", *command.mode, current.mode, carries_mode_); !s.ok()) {
        return s;
      }
      next.mode = *command.mode;
    }
    if (command.fan) {
      if (Status s = CheckSetting("fan", *command.fan, current.fan, carries_fan_); !s.ok()) {
        return s;
      }
      next.fan = *command.fan;
    }
    return next;
  }

  // A new mode or fan speed must be a usable key fragment and carried by some key.
  Status CheckSetting(std::string_view field, const std::string& value, const std::string& now,
                      bool carried) const {
    if (!IsValidLircName(value)) {
      return InvalidArgument(
          fmt::format("remote {}: {} \"{}\" must be 1 to {} printable "
                      "characters without spaces",
                      options_.remote, field, value, kMaxLircName));
    }
    if (value != now && !carried) {
      return InvalidArgument(fmt::format(
          "remote {}: no key template carries the {} (set keys.{}, e.g. \"{}_{{{}}}\"), so it "
          "cannot change from {} to {}",
          options_.remote, field, field, field == "mode" ? "MODE" : "FAN",
          field == "mode" ? "MODE" : "FAN", now, value));
    }
    return Status::Ok();
  }

  // Checks that lircd knows the remote and every key, then sends the keys in order.
  Status Send(const std::vector<std::string>& keys, const AcState& next) const {
    const auto deadline = SteadyClock::now() + options_.timeout;
    auto connection = LircdConnection::Connect(options_.socket);
    if (!connection.ok()) return connection.status();
    LircdConnection& lircd = **connection;

    if (Status known = CheckKeysKnown(lircd, keys, next, deadline); !known.ok()) return known;

    std::vector<std::string> sent;
    for (const std::string& key : keys) {
      const std::string command = fmt::format("SEND_ONCE {} {}", options_.remote, key);
      auto reply = lircd.Run(command, deadline);
      const std::string so_far = sent.empty()
                                     ? "nothing was sent"
                                     : fmt::format(
                                           "already sent: {} (the unit may be between states; the "
                                           "next command sends the whole state again)",
                                           JoinKeys(sent));
      if (!reply.ok()) {
        return reply.status().WithContext(
            fmt::format("remote {}, key {} ({})", options_.remote, key, so_far));
      }
      if (!reply->success) {
        const std::string reason = Reason(*reply);
        const StatusCode code =
            StartsWith(reason, "unknown ") ? StatusCode::kNotFound : StatusCode::kUnavailable;
        return {code, fmt::format("lircd at {} did not send key {} of remote {}: {}; {}",
                                  options_.socket, key, options_.remote, reason, so_far)};
      }
      sent.push_back(key);
    }
    return Status::Ok();
  }

  // One `LIST <remote>`: NotFound when lircd does not know the remote or one of `keys`.
  Status CheckKeysKnown(LircdConnection& lircd, const std::vector<std::string>& keys,
                        const AcState& next, LircdConnection::Deadline deadline) const {
    auto listed = lircd.Run(fmt::format("LIST {}", options_.remote), deadline);
    if (!listed.ok()) return listed.status().WithContext("checking the remote's keys");
    if (!listed->success) {
      const std::string reason = Reason(*listed);
      if (StartsWith(reason, "unknown remote")) {
        return NotFound(
            fmt::format("lircd at {} has no remote {} in its config ({}); nothing "
                        "was sent",
                        options_.socket, options_.remote, reason));
      }
      return Unavailable(fmt::format("lircd at {} refused LIST {}: {}; nothing was sent",
                                     options_.socket, options_.remote, reason));
    }
    // Each line is "<code> <key>".
    std::set<std::string, std::less<>> known;
    for (const std::string& line : listed->data) {
      const size_t space = line.rfind(' ');
      known.insert(space == std::string::npos ? line : line.substr(space + 1));
    }
    for (const std::string& key : keys) {
      if (!known.contains(key)) {
        return NotFound(fmt::format(
            "lircd at {}: remote {} has no key {} in its config (needed for {}); nothing was "
            "sent",
            options_.socket, options_.remote, key, DescribeState(next)));
      }
    }
    return Status::Ok();
  }

  const LircOptions options_;
  const bool carries_mode_;
  const bool carries_fan_;
  mutable std::mutex mutex_;
  AcState state_;  // guarded by mutex_: the state last sent in full
};

}  // namespace

Result<std::unique_ptr<Actuator>> MakeLircActuator(const LircOptions& options) {
  if (!IsValidLircName(options.remote)) {
    return InvalidArgument(
        fmt::format("remote: \"{}\" must be 1 to {} printable characters without spaces",
                    options.remote, kMaxLircName));
  }
  if (options.socket.empty())
    return InvalidArgument(
        "socket: empty; lircd's default is "
        "/var/run/lirc/lircd");
  if (Status keys = ValidateLircKeys(options.keys); !keys.ok()) return keys;
  if (!std::isfinite(options.min_setpoint_c) || !std::isfinite(options.max_setpoint_c) ||
      options.min_setpoint_c > options.max_setpoint_c) {
    return InvalidArgument(
        fmt::format("min_setpoint_c {} and max_setpoint_c {} must be finite "
                    "with min <= max",
                    options.min_setpoint_c, options.max_setpoint_c));
  }
  if (options.timeout <= std::chrono::milliseconds::zero()) {
    return InvalidArgument(fmt::format("timeout: {} ms must be positive", options.timeout.count()));
  }
  const AcState& initial = options.initial;
  if (!std::isfinite(initial.setpoint_c) || initial.setpoint_c < options.min_setpoint_c ||
      initial.setpoint_c > options.max_setpoint_c) {
    return InvalidArgument(fmt::format("initial.setpoint_c {} °C is outside {}..{} °C",
                                       initial.setpoint_c, options.min_setpoint_c,
                                       options.max_setpoint_c));
  }
  for (const auto& [field, value] :
       {std::pair<std::string_view, const std::string&>{"initial.mode", initial.mode},
        std::pair<std::string_view, const std::string&>{"initial.fan", initial.fan}}) {
    if (!IsValidLircName(value)) {
      return InvalidArgument(
          fmt::format("{}: \"{}\" must be 1 to {} printable characters without spaces", field,
                      value, kMaxLircName));
    }
  }
  AcState on = initial;
  on.power = true;
  if (auto keys = LircKeySequence(options.keys, on); !keys.ok()) {
    return keys.status().WithContext("initial state");
  }
  return std::unique_ptr<Actuator>(std::make_unique<LircActuator>(options));
}

}  // namespace coolflow::agent
