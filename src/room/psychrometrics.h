// Moist-air relations at sea-level pressure, as the room model uses them.
// Saturation pressure: the Magnus form with Alduchov & Eskridge's coefficients
// ("Improved Magnus form approximation of saturation vapor pressure", J. Appl. Meteor.
// 35, 1996), within 0.4 % over -40..50 C. Humidity ratio: ASHRAE Handbook - Fundamentals,
// ch. 1, eq. (22): W = 0.621945 p_w / (p - p_w).
#pragma once

#include <algorithm>
#include <cmath>

namespace coolflow::room {

inline constexpr double kAirDensity = 1.2;           // kg/m3 near 20 C
inline constexpr double kAirHeatCapacity = 1006;     // J/(kg K), dry air
inline constexpr double kLatentHeat = 2.45e6;        // J/kg, water vapour near 20 C
inline constexpr double kAtmosphere = 101325;        // Pa
inline constexpr double kMolarMassRatio = 0.621945;  // water / dry air
inline constexpr double kCelsiusToKelvin = 273.15;

// Saturation vapour pressure over water, Pa.
inline double SaturationPressure(double temperature_c) {
  return 610.94 * std::exp(17.625 * temperature_c / (temperature_c + 243.04));
}

// kg of water per kg of dry air.
inline double HumidityRatio(double temperature_c, double relative_humidity_pct) {
  const double pw =
      std::clamp(relative_humidity_pct, 0.0, 100.0) / 100.0 * SaturationPressure(temperature_c);
  return kMolarMassRatio * pw / (kAtmosphere - pw);
}

inline double VapourPressure(double humidity_ratio) {
  return kAtmosphere * humidity_ratio / (kMolarMassRatio + humidity_ratio);
}

// Relative humidity in %, capped at 100 (the model does not form fog).
inline double RelativeHumidity(double temperature_c, double humidity_ratio) {
  return std::min(100.0,
                  100.0 * VapourPressure(humidity_ratio) / SaturationPressure(temperature_c));
}

// Dew point in C (the Magnus form inverted).
inline double DewPoint(double humidity_ratio) {
  const double pw = std::max(VapourPressure(humidity_ratio), 1e-3);
  const double g = std::log(pw / 610.94);
  return 243.04 * g / (17.625 - g);
}

}  // namespace coolflow::room
