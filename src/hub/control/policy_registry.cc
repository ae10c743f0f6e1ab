#include <utility>

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "hub/control/policy.h"

namespace coolflow::hub::control {

PolicyRegistry& PolicyRegistry::Global() {
  static PolicyRegistry* registry = [] {
    auto* r = new PolicyRegistry;
    RegisterManualPolicy(*r);
    RegisterFixedPolicy(*r);
    RegisterHysteresisPolicy(*r);
    RegisterOptimalPolicy(*r);
    return r;
  }();
  return *registry;
}

void PolicyRegistry::Register(std::string name, PolicyFactory factory) {
  factories_[std::move(name)] = std::move(factory);
}

Result<std::unique_ptr<Policy>> PolicyRegistry::Make(std::string_view spec,
                                                     const ControllerConfig& config) const {
  const size_t colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const std::string_view args = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
  auto it = factories_.find(name);
  if (it == factories_.end()) {
    return NotFound(
        fmt::format("unknown policy \"{}\"; expected one of: {}", name, fmt::join(names(), ", ")));
  }
  return it->second(args, config);
}

Status PolicyRegistry::CheckSpec(std::string_view spec) const {
  ControllerConfig config;
  config.racks.push_back({"r", ""});
  config.acs.push_back({"ac", "", "ac", 0});
  auto policy = Make(spec, config);
  return policy.ok() ? Status::Ok() : policy.status();
}

std::vector<std::string> PolicyRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, factory] : factories_)
    out.push_back(name);
  return out;
}

}  // namespace coolflow::hub::control
