// The shipped rules (docs/alerts.md, "Shipped rules"). A config's rule of the same name
// replaces one; `enabled: false` turns one off; `default_rules: false` drops them all.
#include "hub/alerts/alerts_config.h"

namespace coolflow::hub::alerts {

std::string_view DefaultRulesYaml() {
  return R"yaml(
# The seed's rule: inlet temperature above 25 degC; clears 0.5 degC below.
- name: temperature_high
  expr: temperature > 25
  clear: temperature < 24.5
  for: 1m
  severity: warning
  annotations:
    summary: "{{box}} rack {{rack}}: temperature {{value}} °C is above 25 °C"

# The seed's rule: available memory below 200 MiB. The agents report memory_available in
# KiB (/proc/meminfo, UCD-SNMP-MIB memAvailReal), so 200 MiB is 204800.
- name: memory_low
  expr: memory_available < 200 * 1024
  clear: memory_available > 220 * 1024
  for: 1m
  severity: warning
  annotations:
    summary: "{{box}}: available memory {{value}} KiB is below 200 MiB"

# ASHRAE TC 9.9 (2021) for class A1: recommended 18-27 degC, allowable 15-32 degC.
- name: ashrae_recommended
  expr: temperature < 18 or temperature > 27
  clear: temperature > 18.5 and temperature < 26.5
  for: 5m
  severity: warning
  annotations:
    summary: "{{box}} rack {{rack}}: {{value}} °C is outside ASHRAE's recommended 18-27 °C"

- name: ashrae_allowable
  expr: temperature < 15 or temperature > 32
  for: 1m
  severity: critical
  annotations:
    summary: "{{box}} rack {{rack}}: {{value}} °C is outside ASHRAE A1's allowable 15-32 °C"

- name: temperature_rising
  expr: rate(temperature) > 1
  clear: rate(temperature) < 0.5
  for: 2m
  severity: warning
  annotations:
    summary: "{{box}} rack {{rack}}: temperature rising {{value}} °C/min"

- name: series_stale
  expr: stale({})
  severity: warning
  annotations:
    summary: "{{box}}: {{metric}} {{rack}} has been silent for 3 times its interval"

- name: box_offline
  expr: offline()
  severity: critical
  annotations:
    summary: "{{box}} is offline (its last will arrived)"

- name: sensor_stuck
  expr: unchanged_for({measurement="temp"}) >= 30m
  severity: warning
  annotations:
    summary: "{{box}} rack {{rack}}: {{metric}} has not changed for {{value}} s"

- name: sensors_disagree
  expr: neighbour_delta(temperature) > 5
  clear: neighbour_delta(temperature) < 4
  for: 5m
  severity: warning
  annotations:
    summary: "{{box}} rack {{rack}}: {{value}} °C away from its neighbours"

- name: external_condition
  expr: condition("*")
  severity: critical
  annotations:
    summary: "{{condition}}: {{message}}"
)yaml";
}

}  // namespace coolflow::hub::alerts
