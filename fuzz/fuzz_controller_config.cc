// Fuzzes the controller's `control:` config section (hub/control/controller_config.h) and,
// for an accepted config, a controller built from it fed a few readings and ticks.
// Properties:
//  - never hangs, crashes or throws; a refusal reads "fuzz:LINE:COL: ..." with a line that
//    exists in the input;
//  - an accepted config validates, makes a controller, and its commands carry setpoints
//    inside the configured range, at most one per AC per Tick.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "hub/control/controller.h"

namespace coolflow::fuzz {
namespace {

void CheckControllerConfig(std::string_view input) {
  Result<hub::control::ControllerConfig> config =
      hub::control::ParseControllerConfigText(input, "fuzz");
  if (!config.ok()) {
    CheckConfigRefusal(input, "fuzz", config.status().message());
    return;
  }
  FUZZ_CHECK(hub::control::ValidateControllerConfig(*config).ok());
  auto controller = hub::control::Controller::Create(*config);
  FUZZ_CHECK(controller.ok());
  constexpr TimeNs kStart = 1'748'822'400LL * kNanosPerSecond;
  reading::Reading inlet;
  inlet.box = config->racks.front().box.empty() ? "box" : config->racks.front().box;
  inlet.measurement = "temp";
  inlet.metric = "temperature";
  inlet.tags = {{"rack", config->racks.front().id}};
  for (int i = 0; i < 20; ++i) {
    const TimeNs now = kStart + i * 10 * kNanosPerSecond;
    inlet.time = now;
    inlet.value = 20.0 + i % 7;
    (*controller)->OnReading(inlet);
    std::set<std::string> seen;
    for (const auto& command : (*controller)->Tick(now)) {
      FUZZ_CHECK(seen.insert(command.ac).second);
      FUZZ_CHECK(command.state.setpoint_c >= config->min_setpoint_c &&
                 command.state.setpoint_c <= config->max_setpoint_c);
    }
  }
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coolflow::fuzz::CheckControllerConfig(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
