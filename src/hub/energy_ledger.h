// The Control Room's energy ledger (docs/control-room.md, "GET /api/energy"): for one day,
// the cooling and IT energy from the stored power readings, a PUE estimate, the minutes a
// rack inlet spent outside the ASHRAE bands, and what a fixed 18 °C setpoint would have cost.
//
// Everything is read back from the store's 1-minute buckets, so the ledger survives restarts
// and covers readings that arrived late. Energy = Σ per series (mean power of the minute ×
// one minute): a minute with no reading counts nothing, and `hours_covered` says how much of
// the day had cooling power readings.
//
// The baseline is an estimate, not a measurement: the heat each AC removed in a minute
// (its compressor power × COP at the room's measured inlet temperature) is what it would
// have removed at 18 °C too, at the COP of 18 °C air. COP follows the room model's law
// (docs/room-model.md): 0.45 × Carnot between the coil (air − 15 K) and the condenser
// (outdoor + 12 K); the outdoor temperature is `outdoor_c` (the rating point, 35 °C) unless
// a `weather`/`temperature` series reports it. The indoor fan (the AC's `fan_w`) runs either
// way.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "hub/control/controller_config.h"
#include "nlohmann/json.hpp"
#include "store/store.h"

namespace coolflow::hub {

struct EnergyOptions {
  double baseline_setpoint_c = 18;
  double outdoor_c = 35;
  double recommended_low_c = 18, recommended_high_c = 27;
  double allowable_low_c = 15, allowable_high_c = 32;
};

struct EnergyHour {
  TimeNs start = 0;
  double cooling_kwh = 0;
  double it_kwh = 0;
};

struct EnergyDay {
  TimeNs from = 0, to = 0;   // [from, to): the day, up to now for today
  double hours_covered = 0;  // of cooling power readings
  std::optional<double> cooling_kwh, it_kwh, pue;
  std::optional<double> baseline_cooling_kwh, saved_kwh, saved_percent;
  double minutes_outside_recommended = 0;
  double minutes_outside_allowable = 0;
  std::vector<EnergyHour> hours;
};

// The COP of the room model's AC with return air at `air_c` and outdoor air at `outdoor_c`.
double ModelCop(double air_c, double outdoor_c);

// Computes the ledger of [from, to). `room` names the racks and ACs (their `power` series
// are tagged rack=<id> / ac=<name>); without one, every power series tagged `ac` is cooling
// and every one tagged `rack` is IT.
Result<EnergyDay> ComputeEnergy(store::Store& store, const control::ControllerConfig* room,
                                TimeNs from, TimeNs to, const EnergyOptions& options = {});

nlohmann::json EnergyToJson(const EnergyDay& day, std::string_view label);

// The local day holding `now` ([midnight, next midnight) in the hub's time zone), or the
// day `date` ("2026-11-25") names; InvalidArgument for a malformed date.
Result<std::pair<TimeNs, TimeNs>> LocalDay(std::string_view date, TimeNs now);

}  // namespace coolflow::hub
