// The JSON the Control Room reads: a snapshot of the live state (docs/live-state.md,
// "JSON"). Non-finite numbers are written as null.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "hub/live/live_state.h"
#include "nlohmann/json.hpp"

namespace coolflow::hub::live {

struct JsonOptions {
  // Only series of this measurement ("" = all), and at most this many (the rest counted in
  // "series_omitted").
  std::string measurement;
  size_t max_series = 100'000;
  bool include_groups = true;
};

// {"time": RFC 3339, "means": {...}, "boxes": [...], "series": [...], "groups": [...],
//  "counters": {...}}; ages and staleness as of `now`.
nlohmann::json ToJson(const Snapshot& snapshot, TimeNs now, const JsonOptions& options = {});
// Its parts: {"temperature": {"value": 23.6, "series": 8}, ...} and one box.
nlohmann::json MeansJson(const Snapshot& snapshot);
nlohmann::json BoxJson(const BoxState& box);

}  // namespace coolflow::hub::live
