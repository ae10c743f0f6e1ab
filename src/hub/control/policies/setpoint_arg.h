// Reading a setpoint out of a policy spec ("fixed:18").
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "hub/control/controller_config.h"

namespace coolflow::hub::control {

// `text` as a setpoint inside the config's range; the error names the spec.
Result<double> ParseSetpointArg(std::string_view text, std::string_view spec,
                                const ControllerConfig& config);

}  // namespace coolflow::hub::control
