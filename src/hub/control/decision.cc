#include "hub/control/decision.h"

#include "common/time.h"
#include "nlohmann/json.hpp"

namespace coolflow::hub::control {
namespace {

nlohmann::ordered_json Optional(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json Targets(const std::vector<AcTarget>& targets,
                               const std::vector<std::string>& names) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (size_t i = 0; i < targets.size(); ++i) {
    const std::string name = i < names.size() ? names[i] : std::to_string(i);
    out[name] = {{"power", targets[i].power_on}, {"setpoint_c", targets[i].setpoint_c}};
  }
  return out;
}

}  // namespace

std::string DecisionJson(const DecisionRecord& d, const std::vector<std::string>& ac_names) {
  nlohmann::ordered_json j;
  j["time"] = FormatRfc3339(d.time);
  j["policy"] = d.policy;
  j["mode"] = d.mode;
  j["inputs"] = {{"hottest_peak_c", Optional(d.hottest_peak_c)},
                 {"it_power_w", Optional(d.it_power_w)},
                 {"cooling_power_w", Optional(d.cooling_power_w)},
                 {"healthy_racks", d.healthy_racks},
                 {"blind_racks", d.blind_racks},
                 {"unavailable_acs", d.unavailable_acs}};
  j["proposed"] = Targets(d.proposed, ac_names);
  j["decided"] = Targets(d.decided, ac_names);
  j["sent"] = d.sent;
  j["reason"] = d.reason;
  nlohmann::ordered_json model = nlohmann::ordered_json::parse(d.model, nullptr, false);
  j["model"] = model.is_discarded() ? nlohmann::ordered_json::object() : model;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace coolflow::hub::control
