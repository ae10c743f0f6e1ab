#include "hub/control/policies/setpoint_arg.h"

#include "fmt/format.h"
#include "reading/text_util.h"

namespace coolflow::hub::control {

Result<double> ParseSetpointArg(std::string_view text, std::string_view spec,
                                const ControllerConfig& config) {
  double value = 0;
  if (!reading::ParseDouble(text, value) || value < config.min_setpoint_c ||
      value > config.max_setpoint_c) {
    return InvalidArgument(fmt::format("policy \"{}\": \"{}\" is not a setpoint in {}..{} C", spec,
                                       text, config.min_setpoint_c, config.max_setpoint_c));
  }
  return value;
}

}  // namespace coolflow::hub::control
