// Fuzzes the agent's config loader (YAML), every input and device kind's binding included.
// Properties:
//  - never hangs, crashes or throws; a refusal reads "fuzz:LINE:COL: ..." with a line that
//    exists in the input;
//  - an accepted config has a valid box and at least one input, each with a name, a positive
//    interval, a timeout within it, and a factory; each device has a name and a factory.
#include <algorithm>
#include <charconv>
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
    const Status status = config.status();
    const std::string& message = status.message();
    FUZZ_CHECK_MSG(message.starts_with("fuzz:"), message);
    const std::string_view rest = std::string_view(message).substr(5);
    size_t line = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), line);
    FUZZ_CHECK_MSG(ec == std::errc() && *end == ':', message);
    const size_t lines = 1 + static_cast<size_t>(std::count(input.begin(), input.end(), '\n'));
    FUZZ_CHECK_MSG(line >= 1 && line <= lines, message);
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
