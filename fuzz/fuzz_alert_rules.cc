// Fuzzes the alert rule language and the `alerts:` config section (YAML).
// Properties:
//  - never hangs, crashes or throws;
//  - an expression the parser refuses is refused with "line L, column C: ..." where L is a
//    line of the input; one it accepts prints (ToString) to a canonical form that parses
//    back and prints the same, and evaluates against a small live state without crashing;
//  - a refused config reads "fuzz:LINE:COL: ..." with a line that exists in the input; an
//    accepted one has named rules, each with an expression.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "hub/alerts/alerts_config.h"
#include "hub/alerts/expression.h"
#include "hub/live/live_state.h"

namespace coolflow::fuzz {
namespace {

// A small room: three racks of temperature and humidity, a server's memory, an offline box.
const hub::live::LiveState& Room() {
  static const std::unique_ptr<hub::live::LiveState> state = [] {
    hub::live::LiveOptions options;
    options.publish_interval = 0;
    auto s = std::make_unique<hub::live::LiveState>(options);
    std::vector<reading::Reading> batch;
    for (int k = 0; k < 6; ++k) {
      for (int rack = 1; rack <= 3; ++rack) {
        for (const char* metric : {"temperature", "humidity"}) {
          reading::Reading r;
          r.box = "pi-" + std::to_string(rack);
          r.measurement = "temp";
          r.metric = metric;
          r.tags = {{"rack", "r0" + std::to_string(rack)}, {"zone", "a"}};
          r.time = kNow - (5 - k) * 10 * kNanosPerSecond;
          r.value = 20.0 + rack + 0.1 * k;
          batch.push_back(r);
        }
      }
      reading::Reading m;
      m.box = "s1";
      m.measurement = "resource";
      m.metric = "memory_available";
      m.time = kNow - (5 - k) * 10 * kNanosPerSecond;
      m.value = uint64_t{150'000};
      batch.push_back(m);
    }
    s->Apply(batch, kNow);
    s->SetBoxStatus("pi-3", false, kNow - kNanosPerSecond);
    s->Publish(kNow);
    return s;
  }();
  return *state;
}

void CheckExpression(std::string_view input) {
  hub::alerts::ExprError error;
  Result<hub::alerts::Expression> e = hub::alerts::ParseExpression(input, &error);
  if (!e.ok()) {
    const std::string message = e.status().message();
    FUZZ_CHECK_MSG(message.starts_with("line "), message);
    FUZZ_CHECK_MSG(!error.message.empty(), message);
    FUZZ_CHECK_MSG(error.offset <= input.size(), message);
    const size_t lines = 1 + static_cast<size_t>(std::count(input.begin(), input.end(), '\n'));
    FUZZ_CHECK_MSG(error.line >= 1 && error.line <= lines && error.column >= 1, message);
    return;
  }
  const std::string canonical = e->ToString();
  Result<hub::alerts::Expression> again = hub::alerts::ParseExpression(canonical);
  FUZZ_CHECK_MSG(again.ok(), fmt::format("{:?} printed as {:?}, which fails: {}", input, canonical,
                                         again.status().message()));
  FUZZ_CHECK_MSG(again->ToString() == canonical, fmt::format("{:?} printed as {:?}, then as {:?}",
                                                             input, canonical, again->ToString()));
  const std::shared_ptr<const hub::live::Snapshot> snapshot = Room().snapshot();
  const std::vector<hub::alerts::Condition> conditions = {
      {"ac_disobeyed", {{"ac", "ac1"}}, "setpoint ignored", kNow - kNanosPerMinute}};
  hub::alerts::EvalContext context;
  context.snapshot = snapshot.get();
  context.now = kNow;
  context.conditions = conditions;
  (void)e->Evaluate(context);
}

void CheckConfig(std::string_view input) {
  Result<hub::alerts::AlertsConfig> config =
      hub::alerts::ParseAlertsConfig(input, "fuzz", "/nonexistent-coolflow-fuzz");
  if (!config.ok()) {
    CheckConfigRefusal(input, "fuzz", config.status().message());
    return;
  }
  for (const hub::alerts::AlertRule& rule : config->rules) {
    FUZZ_CHECK(!rule.name.empty());
    FUZZ_CHECK(rule.expr != nullptr);
  }
  for (const hub::alerts::NotifierSpec& n : config->notifiers)
    FUZZ_CHECK(!n.name.empty() && n.make);
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  coolflow::fuzz::CheckExpression(input);
  coolflow::fuzz::CheckConfig(input);
  return 0;
}
