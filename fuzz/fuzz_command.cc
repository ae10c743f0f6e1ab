// Fuzzes the agent's command parser (coolflow JSON and the seed's query string) and the
// reply built from what it read.
// Properties:
//  - never crashes or throws; a refusal starts "command: ";
//  - an accepted command names a device and asks for something;
//  - the reply to any command, accepted or not, is one valid JSON object.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/commands.h"
#include "fuzz_check.h"
#include "nlohmann/json.hpp"

namespace coolflow::fuzz {
namespace {

void CheckCommand(std::string_view input) {
  Result<agent::Command> command = agent::ParseCommand(input);
  agent::Command shown;
  Status status;
  if (!command.ok()) {
    status = command.status();
    FUZZ_CHECK_MSG(status.message().starts_with("command: "), status.message());
  } else {
    shown = *command;
    FUZZ_CHECK(!shown.device.empty());
    FUZZ_CHECK(shown.power || shown.setpoint_c || shown.mode || shown.fan || shown.fan_percent);
  }
  const std::string reply =
      agent::FormatReply("pi-1", shown, agent::CommandOutcome::kRefused, status, std::nullopt, 0);
  const nlohmann::json parsed = nlohmann::json::parse(reply, nullptr, false);
  FUZZ_CHECK_MSG(parsed.is_object(), reply);
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coolflow::fuzz::CheckCommand(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
