// The decision record: every control decision with its inputs and its reason, kept in a
// bounded in-memory log and rendered as JSON for the hub's API and the Control Room.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "hub/control/policy.h"

namespace coolflow::hub::control {

struct DecisionRecord {
  TimeNs time = 0;
  std::string policy;  // the policy's name
  // "policy" (the policy's proposal stood), "safe" (blind racks or disobeying units),
  // "limit" (an inlet above the limit), "bounded" (step or dwell held the proposal back).
  std::string mode;
  // Inputs.
  std::optional<double> hottest_peak_c;
  std::optional<double> it_power_w;
  std::optional<double> cooling_power_w;
  size_t healthy_racks = 0;
  std::vector<std::string> blind_racks;  // stale, stuck or implausible
  std::vector<std::string> unavailable_acs;
  // Outputs.
  std::vector<AcTarget> proposed;  // what the policy asked for, per AC
  std::vector<AcTarget> decided;   // what the safety layer let through, per AC
  std::vector<std::string> sent;   // the ACs commanded by this decision
  std::string reason;
  std::string model;  // the policy's learned state (JSON object), when it has one
};

// One record as a JSON object.
std::string DecisionJson(const DecisionRecord& record, const std::vector<std::string>& ac_names);

}  // namespace coolflow::hub::control
