// The seed's air-conditioner command, Kafka topic `controlAC1`:
//   name=<ac>&temperature=<t>&direction=±1
// The Pi turns it into `irsend SEND_ONCE <remote> SET_<t>`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coolflow::reading {

// The setpoints the seed's AC accepts, inclusive.
inline constexpr double kDefaultMinSetpoint = 18.0;
inline constexpr double kDefaultMaxSetpoint = 30.0;

struct AcCommand {
  std::string name;        // the AC unit ("ServerRoom_AC1")
  double temperature = 0;  // setpoint in °C
  int direction = 0;       // +1 (▲), -1 (▼), or 0 when absent: an absolute setpoint
  friend bool operator==(const AcCommand&, const AcCommand&) = default;
};

struct AcCommandLimits {
  double min_setpoint = kDefaultMinSetpoint;
  double max_setpoint = kDefaultMaxSetpoint;
};

// Parses the query string (percent-decoding, '+' as space). Keys may come in any order;
// name and temperature are required, direction is optional; unknown or repeated keys and
// setpoints outside `limits` are errors that name the key and say why.
Result<AcCommand> ParseAcCommand(std::string_view text, const AcCommandLimits& limits = {});

// The query-string form, percent-encoding what needs it. Omits direction when it is 0.
std::string FormatAcCommand(const AcCommand& command);

// coolflow JSON form: {"command":"set_ac","name":...,"temperature":...,"direction":...}
std::string FormatAcCommandJson(const AcCommand& command);
Result<AcCommand> ParseAcCommandJson(std::string_view text, const AcCommandLimits& limits = {});

}  // namespace coolflow::reading
