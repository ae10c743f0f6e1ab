#include "hub/control/controller_config.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "fmt/format.h"
#include "hub/control/policy.h"

namespace coolflow::hub::control {
namespace {

using yaml::Item;
using yaml::Member;
using yaml::Table;

constexpr double kLowestC = -20;
constexpr double kHighestC = 80;
constexpr uint64_t kMaxLogSize = 1'000'000;
constexpr double kMaxFanW = 100'000;
constexpr double kMaxCapacityW = 10'000'000;
constexpr double kMaxRoomM = 10'000;  // a position on the room map, metres

// A number field that must lie in [min, max].
template <typename T>
yaml::Field<T> Bounded(std::string_view key, double T::*member, double min, double max) {
  return {key, [member, min, max](yaml::Reader& r, const Item& item, T& out) {
            if (Status s = r.Read(item, out.*member); !s.ok()) return s;
            if (out.*member < min || out.*member > max) {
              return r.Error(item, fmt::format("{} is outside {}..{}", out.*member, min, max));
            }
            return Status::Ok();
          }};
}

// A duration that must be positive.
yaml::Field<ControllerConfig> Positive(std::string_view key, TimeNs ControllerConfig::*member) {
  return {key, [member](yaml::Reader& r, const Item& item, ControllerConfig& out) {
            if (Status s = r.ReadDuration(item, out.*member); !s.ok()) return s;
            if (out.*member <= 0) return r.Error(item, "must be longer than 0s");
            return Status::Ok();
          }};
}

const Table<RackSpec>& RackTable() {
  static const Table<RackSpec> table = {
      Member("id", &RackSpec::id),
      Member("box", &RackSpec::box),
      Bounded("x", &RackSpec::x, 0, kMaxRoomM),
      Bounded("y", &RackSpec::y, 0, kMaxRoomM),
  };
  return table;
}

const Table<AcSpec>& AcTable() {
  static const Table<AcSpec> table = {
      Member("name", &AcSpec::name),
      Member("box", &AcSpec::box),
      Member("device", &AcSpec::device),
      Bounded("fan_w", &AcSpec::fan_w, 0, kMaxFanW),
      Bounded("rated_capacity_w", &AcSpec::rated_capacity_w, 0, kMaxCapacityW),
      Bounded("x", &AcSpec::x, 0, kMaxRoomM),
      Bounded("y", &AcSpec::y, 0, kMaxRoomM),
  };
  return table;
}

Status ReadRacks(yaml::Reader& r, const Item& item, ControllerConfig& out) {
  return r.ForEachElement(item, [&](const Item& element) -> Status {
    RackSpec rack;
    std::vector<std::string> keys;
    if (Status s = r.ParseMapping(element, RackTable(), rack, &keys); !s.ok()) return s;
    if (Status s = r.Require(element, keys, "id"); !s.ok()) return s;
    for (const RackSpec& other : out.racks) {
      if (other.id == rack.id && other.box == rack.box) {
        return r.Error(element.node["id"].Mark(), yaml::Join(element.path, "id"),
                       fmt::format("duplicate rack \"{}\"", rack.id));
      }
    }
    out.racks.push_back(std::move(rack));
    return Status::Ok();
  });
}

Status ReadAcs(yaml::Reader& r, const Item& item, ControllerConfig& out) {
  return r.ForEachElement(item, [&](const Item& element) -> Status {
    AcSpec ac;
    std::vector<std::string> keys;
    if (Status s = r.ParseMapping(element, AcTable(), ac, &keys); !s.ok()) return s;
    if (Status s = r.Require(element, keys, "name"); !s.ok()) return s;
    if (ac.device.empty()) ac.device = ac.name;
    for (const AcSpec& other : out.acs) {
      if (other.name == ac.name) {
        return r.Error(element.node["name"].Mark(), yaml::Join(element.path, "name"),
                       fmt::format("duplicate AC \"{}\"", ac.name));
      }
    }
    out.acs.push_back(std::move(ac));
    return Status::Ok();
  });
}

}  // namespace

const Table<ControllerConfig>& ControllerConfigTable() {
  static const Table<ControllerConfig> table = {
      {"racks", ReadRacks},
      {"acs", ReadAcs},
      {"policy",
       [](yaml::Reader& r, const Item& item, ControllerConfig& out) {
         if (Status s = r.Read(item, out.policy); !s.ok()) return s;
         if (Status s = PolicyRegistry::Global().CheckSpec(out.policy); !s.ok()) {
           return r.Error(item, s.message());
         }
         return Status::Ok();
       }},
      Bounded("inlet_target_c", &ControllerConfig::inlet_target_c, kLowestC, kHighestC),
      Bounded("inlet_limit_c", &ControllerConfig::inlet_limit_c, kLowestC, kHighestC),
      Bounded("min_setpoint_c", &ControllerConfig::min_setpoint_c, kLowestC, kHighestC),
      Bounded("max_setpoint_c", &ControllerConfig::max_setpoint_c, kLowestC, kHighestC),
      Bounded("safe_setpoint_c", &ControllerConfig::safe_setpoint_c, kLowestC, kHighestC),
      Bounded("setpoint_resolution_c", &ControllerConfig::setpoint_resolution_c, 0, 5),
      Bounded("initial_setpoint_c", &ControllerConfig::initial_setpoint_c, kLowestC, kHighestC),
      Positive("interval", &ControllerConfig::interval),
      Bounded("max_step_c", &ControllerConfig::max_step_c, 0.1, 20),
      yaml::DurationMember("min_dwell", &ControllerConfig::min_dwell),
      Positive("resend_every", &ControllerConfig::resend_every),
      Positive("stale_after", &ControllerConfig::stale_after),
      Positive("stuck_after", &ControllerConfig::stuck_after),
      Bounded("plausible_min_c", &ControllerConfig::plausible_min_c, kLowestC, kHighestC),
      Bounded("plausible_max_c", &ControllerConfig::plausible_max_c, kLowestC, kHighestC),
      Positive("obey_timeout", &ControllerConfig::obey_timeout),
      Positive("quarantine", &ControllerConfig::quarantine),
      {"decision_log_size",
       [](yaml::Reader& r, const Item& item, ControllerConfig& out) {
         uint64_t n = 0;
         if (Status s = r.Read(item, n); !s.ok()) return s;
         if (n < 1 || n > kMaxLogSize) {
           return r.Error(item, fmt::format("{} is outside 1..{}", n, kMaxLogSize));
         }
         out.decision_log_size = n;
         return Status::Ok();
       }},
  };
  return table;
}

Status ValidateControllerConfig(const ControllerConfig& c) {
  if (c.racks.empty()) return InvalidArgument("racks: at least one rack is needed");
  if (c.acs.empty()) return InvalidArgument("acs: at least one AC is needed");
  std::set<std::string> names;
  for (size_t i = 0; i < c.acs.size(); ++i) {
    if (c.acs[i].name.empty()) return InvalidArgument(fmt::format("acs[{}].name: empty", i));
    if (!names.insert(c.acs[i].name).second) {
      return InvalidArgument(fmt::format("acs[{}].name: duplicate AC \"{}\"", i, c.acs[i].name));
    }
  }
  for (size_t i = 0; i < c.racks.size(); ++i) {
    if (c.racks[i].id.empty()) return InvalidArgument(fmt::format("racks[{}].id: empty", i));
  }
  if (!(c.min_setpoint_c < c.max_setpoint_c)) {
    return InvalidArgument(fmt::format("min_setpoint_c: {} is not below max_setpoint_c {}",
                                       c.min_setpoint_c, c.max_setpoint_c));
  }
  auto in_range = [&](double v, std::string_view field) -> Status {
    if (v >= c.min_setpoint_c && v <= c.max_setpoint_c) return Status::Ok();
    return InvalidArgument(fmt::format("{}: {} is outside the setpoint range {}..{}", field, v,
                                       c.min_setpoint_c, c.max_setpoint_c));
  };
  if (Status s = in_range(c.safe_setpoint_c, "safe_setpoint_c"); !s.ok()) return s;
  if (Status s = in_range(c.initial_setpoint_c, "initial_setpoint_c"); !s.ok()) return s;
  if (!(c.inlet_target_c <= c.inlet_limit_c)) {
    return InvalidArgument(fmt::format("inlet_target_c: {} is above inlet_limit_c {}",
                                       c.inlet_target_c, c.inlet_limit_c));
  }
  if (!(c.plausible_min_c < c.plausible_max_c)) {
    return InvalidArgument(fmt::format("plausible_min_c: {} is not below plausible_max_c {}",
                                       c.plausible_min_c, c.plausible_max_c));
  }
  if (c.interval <= 0) return InvalidArgument("interval: must be longer than 0s");
  if (c.min_dwell < 0) return InvalidArgument("min_dwell: must not be negative");
  if (c.decision_log_size == 0) return InvalidArgument("decision_log_size: must be at least 1");
  return PolicyRegistry::Global().CheckSpec(c.policy);
}

Result<ControllerConfig> ParseControllerConfig(yaml::Reader& reader, const yaml::Item& item) {
  ControllerConfig config;
  if (Status s = reader.ParseMapping(item, ControllerConfigTable(), config); !s.ok()) return s;
  for (AcSpec& ac : config.acs) {
    if (ac.device.empty()) ac.device = ac.name;
  }
  if (Status s = ValidateControllerConfig(config); !s.ok()) {
    // Rules between fields are reported at the section, naming the field.
    return reader.Error(item.mark, item.path, s.message());
  }
  return config;
}

Result<ControllerConfig> ParseControllerConfigText(std::string_view yaml, std::string_view source) {
  yaml::Reader reader(source);
  Result<Item> root = reader.LoadDocument(yaml, "a controller config");
  if (!root.ok()) return root.status();
  return ParseControllerConfig(reader, *root);
}

ControllerConfig ControllerConfigFromScenario(const room::Scenario& scenario,
                                              std::string_view agent_box) {
  ControllerConfig config;
  for (const room::RackConfig& rack : scenario.racks)
    config.racks.push_back({rack.id, std::string(agent_box), rack.x, rack.y});
  for (const room::AcConfig& ac : scenario.acs) {
    config.acs.push_back(
        {ac.id, std::string(agent_box), ac.id, ac.fan_w, ac.rated_capacity_w, ac.x, ac.y});
  }
  if (!scenario.acs.empty()) {
    config.initial_setpoint_c =
        std::clamp(scenario.acs.front().setpoint_c, config.min_setpoint_c, config.max_setpoint_c);
  }
  // Readings older than a few sensor intervals mean the sensor stopped answering.
  config.stale_after = std::max(config.stale_after, 5 * scenario.sensors.interval);
  config.stuck_after = std::max(config.stuck_after, 6 * scenario.sensors.interval);
  return config;
}

}  // namespace coolflow::hub::control
