// Commands from the hub, as they arrive on the agent's command topic, and the replies the
// agent sends back (docs/agent.md, "Commands"). Two forms are read:
//   coolflow JSON  {"id":"c-17","device":"ac1","power":true,"setpoint_c":24,"mode":"cool",
//                   "fan":"auto","fan_percent":60}
//   the seed's     name=ac1&temperature=24&direction=1   (topic controlAC1)
// A command is checked against its device before any actuator sees it: the device must be
// configured, its values in range, and the previous accepted command for it at least
// `min_interval` ago.
//
// Thread safety: CommandGate is used by one thread at a time.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/actuator.h"
#include "agent/agent_config.h"
#include "common/clock.h"
#include "common/status.h"

namespace coolflow::agent {

// Parses a command payload; errors name the field and why.
Result<Command> ParseCommand(std::string_view payload);

// How a command ended, as the reply and the metrics name it.
enum class CommandOutcome { kApplied, kRefused, kRateLimited, kFailed };
std::string_view CommandOutcomeName(CommandOutcome outcome);

class CommandGate {
 public:
  explicit CommandGate(const std::vector<DeviceSpec>& devices);
  // Ok when `command` may go to its device now; otherwise the outcome and why. An admitted
  // command starts the device's min_interval.
  Status Admit(const Command& command, TimeNs now, CommandOutcome& outcome);

 private:
  struct Device {
    const DeviceSpec* spec;
    std::optional<TimeNs> last_accepted;
  };
  std::map<std::string, Device, std::less<>> devices_;
};

// The reply JSON: {"id","box","device","outcome","ok","error"?,"state"?,"time"}.
std::string FormatReply(std::string_view box, const Command& command, CommandOutcome outcome,
                        const Status& status, const std::optional<AcState>& state, TimeNs now);

}  // namespace coolflow::agent
