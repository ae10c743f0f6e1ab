// Fuzzes the agent's config loader (YAML), every input and device kind's binding included.
// Properties:
//  - never hangs, crashes or throws; a refusal reads "fuzz:LINE:COL: ..." with a line that
//    exists in the input;
//  - an accepted config has a valid box and at least one input, each with a name, a positive
//    interval, a timeout within it, and a factory; each device has a name and a factory.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/agent_config.h"
#include "fuzz_check.h"
#include "reading/validate.h"

namespace coolflow::fuzz {
namespace {

void CheckAgentConfig(std::string_view input) {
  // A folder that does not exist: no file the config names can be read.
  Result<agent::AgentConfig> config =
      agent::ParseAgentConfig(input, "fuzz", "/nonexistent-coolflow-fuzz");
  if (!config.ok()) {
    CheckConfigRefusal(input, "fuzz", config.status().message());
    return;
  }
  FUZZ_CHECK(reading::ValidateBoxId(config->box).ok());
  FUZZ_CHECK(!config->inputs.empty());
  for (const agent::InputSpec& spec : config->inputs) {
    FUZZ_CHECK(!spec.name.empty() && spec.make);
    FUZZ_CHECK(spec.interval > 0 && spec.timeout > 0 && spec.timeout <= spec.interval);
  }
  for (const agent::DeviceSpec& spec : config->devices) {
    FUZZ_CHECK(!spec.name.empty() && spec.make);
    FUZZ_CHECK(spec.min_setpoint_c < spec.max_setpoint_c);
  }
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coolflow::fuzz::CheckAgentConfig(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
