#include "room/scenario.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "room/scenario_rules.h"

namespace coolflow::room {
namespace {

const std::string kScenarioDir = COOLFLOW_SOURCE_DIR "/scenarios/";
const std::string kDataDir = COOLFLOW_SOURCE_DIR "/tests/data/room/";

constexpr TimeNs kHour = 3600 * kNanosPerSecond;
constexpr TimeNs kDay = 24 * kHour;

// The smallest valid scenario; tests append what they are about.
constexpr std::string_view kMinimal =
    "racks:\n"
    "  - id: r01\n"
    "acs:\n"
    "  - id: ac1\n";

Result<Scenario> Parse(std::string_view yaml) {
  return ParseScenario(yaml, "t.yaml");
}

// The error message of parsing `yaml`, or "ok".
std::string ErrorOf(std::string_view yaml) {
  Result<Scenario> r = Parse(yaml);
  return r.ok() ? "ok" : r.status().message();
}

Scenario Load(const std::string& path) {
  Result<Scenario> r = LoadScenario(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Scenario{};
}

// --- The shipped scenarios --------------------------------------------------------------

const std::vector<std::string> kShipped = {"steady-week",   "heat-wave",  "degraded-ac",
                                           "sensor-faults", "half-empty", "bench-20-racks"};

TEST(ShippedScenarios, EveryFileLoadsAndValidates) {
  std::set<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(kScenarioDir)) {
    if (entry.path().extension() != ".yaml") continue;
    found.insert(entry.path().stem().string());
    SCOPED_TRACE(entry.path().string());
    Result<Scenario> r = LoadScenario(entry.path().string());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(ValidateScenario(*r).ok());
    EXPECT_EQ(r->name, entry.path().stem().string());
    EXPECT_EQ(r->source, entry.path().string());
    EXPECT_GT(r->description.size(), 80u) << "say what the scenario tests";
    EXPECT_EQ(r->step, 10 * kNanosPerSecond);
  }
  for (const std::string& name : kShipped)
    EXPECT_TRUE(found.count(name)) << name;
}

// Rated AC capacity over the IT heat of every server at 100 %.
double CoolingMargin(const Scenario& s) {
  double capacity = 0;
  double it_heat = 0;
  for (const AcConfig& ac : s.acs)
    capacity += ac.rated_capacity_w;
  for (const RackConfig& rack : s.racks)
    it_heat += rack.servers * rack.max_w;
  return capacity / it_heat;
}

TEST(ShippedScenarios, RatedCoolingExceedsPeakItHeatByThirtyToFiftyPercent) {
  // As a real room is specified. half-empty is over-provisioned on purpose; degraded-ac
  // takes capacity away (bench's 6 h AC failure is a short exception in a year).
  for (const std::string name : {"steady-week", "heat-wave", "sensor-faults", "bench-20-racks"}) {
    const Scenario s = Load(kScenarioDir + name + ".yaml");
    EXPECT_GE(CoolingMargin(s), 1.3) << name;
    EXPECT_LE(CoolingMargin(s), 1.5) << name;
  }
  EXPECT_GT(CoolingMargin(Load(kScenarioDir + "half-empty.yaml")), 2.5);
}

TEST(ShippedScenarios, SteadyWeekIsTheReferenceRoom) {
  const Scenario s = Load(kScenarioDir + "steady-week.yaml");
  EXPECT_EQ(s.duration, 7 * kDay);
  ASSERT_EQ(s.racks.size(), 8u);
  ASSERT_EQ(s.acs.size(), 2u);
  for (size_t i = 0; i < s.racks.size(); ++i) {
    EXPECT_EQ(s.racks[i].servers, 8);
    EXPECT_EQ(s.racks[i].idle_w, 110);
    EXPECT_EQ(s.racks[i].max_w, 330);
    EXPECT_DOUBLE_EQ(s.racks[i].x, 1.0 + 0.6 * static_cast<double>(i));
    const bool end = i == 0 || i == 7;
    EXPECT_EQ(s.racks[i].recirculation, end ? 0.12 : 0.05) << i;
  }
  for (const AcConfig& ac : s.acs)
    EXPECT_EQ(ac.rated_capacity_w, 14000);
  EXPECT_EQ(s.weather.mean_c, 22);
  EXPECT_EQ(s.weather.amplitude_k, 6);
  EXPECT_TRUE(s.faults.empty());
  EXPECT_EQ(s.start_time, 1'748'822'400LL * kNanosPerSecond);
}

TEST(ShippedScenarios, EachStressesWhatItSays) {
  const Scenario heat = Load(kScenarioDir + "heat-wave.yaml");
  EXPECT_EQ(heat.duration, 7 * kDay);
  EXPECT_EQ(heat.weather.mean_c, 28);
  ASSERT_EQ(heat.weather.heat_waves.size(), 1u);
  EXPECT_EQ(heat.weather.heat_waves[0].start, 2 * kDay);
  EXPECT_EQ(heat.weather.heat_waves[0].duration, 3 * kDay);
  EXPECT_EQ(heat.weather.heat_waves[0].extra_k, 9);

  const Scenario degraded = Load(kScenarioDir + "degraded-ac.yaml");
  EXPECT_EQ(degraded.duration, 3 * kDay);
  ASSERT_EQ(degraded.faults.size(), 2u);
  EXPECT_EQ(degraded.faults[0].kind, FaultKind::kAcDegraded);
  EXPECT_EQ(degraded.faults[0].start, 20 * kHour);
  EXPECT_EQ(degraded.faults[0].duration, 24 * kHour);
  EXPECT_EQ(degraded.faults[0].severity, 0.5);
  EXPECT_EQ(degraded.faults[1].kind, FaultKind::kAcIgnoresIr);
  EXPECT_EQ(degraded.faults[1].severity, 0.3);
  EXPECT_NE(degraded.faults[0].target, degraded.faults[1].target);

  const Scenario sensors = Load(kScenarioDir + "sensor-faults.yaml");
  EXPECT_EQ(sensors.duration, 2 * kDay);
  std::set<FaultKind> kinds;
  std::set<std::string> targets;
  std::set<TimeNs> starts;
  for (const FaultConfig& f : sensors.faults) {
    kinds.insert(f.kind);
    targets.insert(f.target);
    starts.insert(f.start);
    if (f.kind == FaultKind::kSensorDrift) {
      EXPECT_EQ(f.severity, 0.5);
    }
  }
  EXPECT_EQ(kinds, (std::set<FaultKind>{FaultKind::kSensorStuck, FaultKind::kSensorDead,
                                        FaultKind::kSensorDrift, FaultKind::kSensorNoisy}));
  EXPECT_EQ(targets.size(), 4u);
  EXPECT_EQ(starts.size(), 4u);

  const Scenario half = Load(kScenarioDir + "half-empty.yaml");
  ASSERT_EQ(half.racks.size(), 8u);
  int empty = 0;
  for (const RackConfig& rack : half.racks)
    empty += rack.servers == 0 ? 1 : 0;
  EXPECT_EQ(empty, 4);

  const Scenario bench = Load(kScenarioDir + "bench-20-racks.yaml");
  EXPECT_EQ(bench.duration, 365 * kDay);
  ASSERT_EQ(bench.racks.size(), 20u);
  EXPECT_EQ(bench.racks[0].id, "r01");
  EXPECT_EQ(bench.racks[19].id, "r20");
  EXPECT_EQ(bench.racks[10].y, 4.5);
  EXPECT_EQ(bench.racks[9].recirculation, 0.12);
  EXPECT_EQ(bench.racks[10].recirculation, 0.12);
  EXPECT_EQ(bench.racks[11].recirculation, 0.05);
  ASSERT_EQ(bench.acs.size(), 3u);
  for (const AcConfig& ac : bench.acs)
    EXPECT_EQ(ac.rated_capacity_w, 22000);
}

// --- Defaults ---------------------------------------------------------------------------

TEST(ScenarioYaml, LeftOutKeysKeepTheDocumentedDefaults) {
  Result<Scenario> r = Parse(kMinimal);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Scenario defaults;
  EXPECT_EQ(r->name, "t");
  EXPECT_EQ(r->source, "t.yaml");
  EXPECT_EQ(r->seed, defaults.seed);
  EXPECT_EQ(r->start_time, defaults.start_time);
  EXPECT_EQ(r->step, defaults.step);
  EXPECT_EQ(r->duration, defaults.duration);
  EXPECT_EQ(r->room.volume_m3, defaults.room.volume_m3);
  EXPECT_EQ(r->room.thermal_mass_j_per_k, defaults.room.thermal_mass_j_per_k);
  EXPECT_EQ(r->weather.mean_c, defaults.weather.mean_c);
  EXPECT_TRUE(r->weather.csv_path.empty());
  EXPECT_EQ(r->load.burst_duration, defaults.load.burst_duration);
  EXPECT_EQ(r->sensors.model, SensorModel::kDht22);
  EXPECT_EQ(r->sensors.interval, defaults.sensors.interval);

  const RackConfig rack_defaults;
  ASSERT_EQ(r->racks.size(), 1u);
  EXPECT_EQ(r->racks[0].id, "r01");
  EXPECT_EQ(r->racks[0].servers, rack_defaults.servers);
  EXPECT_EQ(r->racks[0].recirculation, rack_defaults.recirculation);
  const AcConfig ac_defaults;
  ASSERT_EQ(r->acs.size(), 1u);
  EXPECT_EQ(r->acs[0].rated_capacity_w, ac_defaults.rated_capacity_w);
  EXPECT_EQ(r->acs[0].power_on, true);
}

TEST(ScenarioYaml, ReadsEveryKind) {
  Result<Scenario> r = Parse(
      "name: every-kind\n"
      "description: a bit of everything\n"
      "seed: 18446744073709551615\n"
      "start: 2025-01-06T06:00:00+02:00\n"
      "step: 500ms\n"
      "duration: 1.5h\n"
      "room: {volume_m3: 50, thermal_mass_j_per_k: 1e6}\n"
      "racks:\n"
      "  - {id: r01, zone: aisle-a, servers: 4, x: -1.5, load_offset: +0.1}\n"
      "acs:\n"
      "  - {id: ac1, power_on: false, setpoint_c: 26}\n"
      "weather:\n"
      "  heat_waves: [{start: 10m, duration: 1h, ramp: 90, extra_k: 5}]\n"
      "load: {burst_duration: '2m'}\n"
      "sensors: {model: bme280, interval: 60}\n"
      "faults:\n"
      "  - {kind: door_open, start: 30m, duration: 5m, severity: 0.4}\n"
      "  - {kind: rack_overload, target: r01, start: 0, severity: 0.5}\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "every-kind");
  EXPECT_EQ(r->seed, 18446744073709551615u);
  EXPECT_EQ(r->start_time, 1'736'136'000LL * kNanosPerSecond);
  EXPECT_EQ(r->step, 500 * kNanosPerMilli);
  EXPECT_EQ(r->duration, 90 * kNanosPerMinute);
  EXPECT_EQ(r->room.volume_m3, 50);
  EXPECT_EQ(r->racks[0].zone, "aisle-a");
  EXPECT_EQ(r->racks[0].x, -1.5);
  EXPECT_EQ(r->racks[0].load_offset, 0.1);
  EXPECT_FALSE(r->acs[0].power_on);
  ASSERT_EQ(r->weather.heat_waves.size(), 1u);
  EXPECT_EQ(r->weather.heat_waves[0].ramp, 90 * kNanosPerSecond);
  EXPECT_EQ(r->load.burst_duration, 2 * kNanosPerMinute);
  EXPECT_EQ(r->sensors.model, SensorModel::kBme280);
  EXPECT_EQ(r->sensors.interval, kNanosPerMinute);
  ASSERT_EQ(r->faults.size(), 2u);
  EXPECT_EQ(r->faults[0].kind, FaultKind::kDoorOpen);
  EXPECT_EQ(r->faults[0].target, "");
  EXPECT_EQ(r->faults[1].kind, FaultKind::kRackOverload);
}

TEST(ScenarioYaml, RackDefaultsApplyBeforeEachRacksOwnKeys) {
  // The defaults block may come after the racks it applies to.
  Result<Scenario> r = Parse(
      "racks:\n"
      "  - {id: r01}\n"
      "  - {id: r02, servers: 0, recirculation: 0.2}\n"
      "rack_defaults: {servers: 6, max_w: 250, recirculation: 0.1}\n"
      "ac_defaults: {rated_capacity_w: 9000, setpoint_c: 25}\n"
      "acs:\n"
      "  - {id: ac1}\n"
      "  - {id: ac2, setpoint_c: 22}\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->racks[0].servers, 6);
  EXPECT_EQ(r->racks[0].max_w, 250);
  EXPECT_EQ(r->racks[0].recirculation, 0.1);
  EXPECT_EQ(r->racks[0].idle_w, RackConfig{}.idle_w);
  EXPECT_EQ(r->racks[1].servers, 0);
  EXPECT_EQ(r->racks[1].max_w, 250);
  EXPECT_EQ(r->racks[1].recirculation, 0.2);
  EXPECT_EQ(r->acs[0].rated_capacity_w, 9000);
  EXPECT_EQ(r->acs[0].setpoint_c, 25);
  EXPECT_EQ(r->acs[1].rated_capacity_w, 9000);
  EXPECT_EQ(r->acs[1].setpoint_c, 22);
}

TEST(ScenarioYaml, RackRowsFollowTheExplicitRacks) {
  Result<Scenario> r = Parse(
      "rack_defaults: {servers: 5}\n"
      "racks: [{id: spare, x: 9}]\n"
      "rack_rows:\n"
      "  - {count: 3, x: 1, y: 2, dx: 0.5, end_recirculation: 0.15, max_w: 300}\n"
      "  - {prefix: b-, first: 9, count: 2, digits: 3, dy: 1, servers: 2}\n"
      "acs: [{id: ac1}]\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->racks.size(), 6u);
  EXPECT_EQ(r->racks[0].id, "spare");
  EXPECT_EQ(r->racks[1].id, "r01");
  EXPECT_EQ(r->racks[2].id, "r02");
  EXPECT_EQ(r->racks[3].id, "r03");
  EXPECT_EQ(r->racks[4].id, "b-009");
  EXPECT_EQ(r->racks[5].id, "b-010");
  EXPECT_EQ(r->racks[2].x, 1.5);
  EXPECT_EQ(r->racks[3].x, 2);
  EXPECT_EQ(r->racks[3].y, 2);
  EXPECT_EQ(r->racks[5].x, 0.6);  // dx keeps its default
  EXPECT_EQ(r->racks[5].y, 1);
  EXPECT_EQ(r->racks[1].recirculation, 0.15);
  EXPECT_EQ(r->racks[2].recirculation, RackConfig{}.recirculation);
  EXPECT_EQ(r->racks[3].recirculation, 0.15);
  EXPECT_EQ(r->racks[2].max_w, 300);
  EXPECT_EQ(r->racks[2].servers, 5);
  EXPECT_EQ(r->racks[4].servers, 2);
  EXPECT_EQ(r->racks[4].max_w, RackConfig{}.max_w);
  // A one-rack row has one end.
  Result<Scenario> one = Parse(
      "rack_rows: [{count: 1, end_recirculation: 0.2}]\n"
      "acs: [{id: ac1}]\n");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->racks[0].recirculation, 0.2);
}

TEST(ScenarioYaml, EmptySectionsAreEmpty) {
  Result<Scenario> r = Parse(std::string(kMinimal) + "faults:\nweather:\nrack_rows: []\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->faults.empty());
}

TEST(ScenarioYaml, RelativeCsvPathsResolveAgainstTheScenarioFolder) {
  const Scenario s = Load(kDataDir + "csv-weather.yaml");
  EXPECT_EQ(s.weather.csv_path, kDataDir + "csv-weather.csv");
  // ParseScenario has no folder: it keeps the path as written and does not look for it.
  Result<Scenario> r = Parse(std::string(kMinimal) + "weather: {csv_path: w/x.csv}\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->weather.csv_path, "w/x.csv");
}

// --- Bad files: each error names the file, the line, the column and the field -----------

void ExpectLoadError(const std::string& file, StatusCode code, const std::string& message) {
  SCOPED_TRACE(file);
  const std::string path = kDataDir + file;
  Result<Scenario> r = LoadScenario(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  EXPECT_EQ(r.status().message(), path + ":" + message);
}

TEST(ScenarioErrors, UnknownKeySuggestsTheNearest) {
  ExpectLoadError("unknown-key.yaml", StatusCode::kInvalidArgument,
                  "4:5: racks[0].recirculaton: unknown key; did you mean \"recirculation\"?");
}

TEST(ScenarioErrors, WrongType) {
  ExpectLoadError("wrong-type.yaml", StatusCode::kInvalidArgument,
                  "4:14: racks[0].servers: expected a whole number, got \"eight\"");
}

TEST(ScenarioErrors, OutOfRange) {
  ExpectLoadError("out-of-range.yaml", StatusCode::kInvalidArgument,
                  "4:30: racks[1].recirculation: 1.2 is outside 0..0.9");
}

TEST(ScenarioErrors, OutOfRangeDefaultIsReportedWhereItIsWritten) {
  ExpectLoadError("defaults-out-of-range.yaml", StatusCode::kInvalidArgument,
                  "3:18: rack_defaults.recirculation: 1.2 is outside 0..0.9 "
                  "(as racks[0].recirculation)");
}

TEST(ScenarioErrors, DuplicateId) {
  ExpectLoadError("duplicate-id.yaml", StatusCode::kInvalidArgument,
                  "6:9: acs[1].id: duplicate id \"r01\" (also racks[0].id)");
}

TEST(ScenarioErrors, FaultOnUnknownTarget) {
  ExpectLoadError("unknown-target.yaml", StatusCode::kInvalidArgument,
                  "9:13: faults[0].target: no rack or AC has the id \"r09\"");
}

TEST(ScenarioErrors, BadDuration) {
  ExpectLoadError("bad-duration.yaml", StatusCode::kInvalidArgument,
                  "2:7: step: \"10 min\" is not a duration (write e.g. 10s, 15m, 1.5h, 7d, or "
                  "a number of seconds)");
}

TEST(ScenarioErrors, YamlSyntaxError) {
  ExpectLoadError("syntax-error.yaml", StatusCode::kInvalidArgument,
                  "3:1: YAML syntax error: end of sequence flow not found");
}

TEST(ScenarioErrors, MissingWeatherCsv) {
  ExpectLoadError("missing-csv.yaml", StatusCode::kNotFound,
                  "7:13: weather.csv_path: no such file: " + kDataDir + "no-such-weather.csv");
}

TEST(ScenarioErrors, MissingScenarioFile) {
  Result<Scenario> r = LoadScenario(kDataDir + "no-such.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), kDataDir + "no-such.yaml: no such file");
}

TEST(ScenarioErrors, KeysAndStructure) {
  EXPECT_EQ(ErrorOf("rack_default: {servers: 2}\n"),
            "t.yaml:1:1: rack_default: unknown key; did you mean \"rack_defaults\"?");
  EXPECT_EQ(ErrorOf("room: {volume: 50}\n"),
            "t.yaml:1:8: room.volume: unknown key; did you mean \"volume_m3\"?");
  EXPECT_EQ(ErrorOf("acs: [{id: ac1, capacity: 5000}]\n"),
            "t.yaml:1:17: acs[0].capacity: unknown key; did you mean \"rated_capacity_w\"?");
  EXPECT_EQ(ErrorOf("racks: [{id:r01}]\n"),
            "t.yaml:1:10: racks[0].id:r01: unknown key; write a space after the colon (\"id: "
            "r01\")");
  EXPECT_EQ(ErrorOf("load: {zzz: 1}\n"),
            "t.yaml:1:8: load.zzz: unknown key; expected one of: base, daily_amplitude, "
            "peak_hour, weekend_factor, bursts_per_day, burst_extra, burst_duration");
  // Whatever lands in a key or a value, the message stays one line of reasonable length.
  EXPECT_EQ(ErrorOf("\"ra\\ncks\": []\n"),
            "t.yaml:1:1: ra\\ncks: unknown key; did you mean \"racks\"?");
  EXPECT_EQ(ErrorOf("racks: [{id: r01, servers: \"" + std::string(100, '9') + "\"}]\n"),
            "t.yaml:1:28: racks[0].servers: expected a whole number, got \"" +
                std::string(60, '9') + "...\"");
  EXPECT_EQ(ErrorOf(std::string(kMinimal) + "seed: 1\nseed: 2\n"),
            "t.yaml:6:1: seed: duplicate key");
  EXPECT_EQ(ErrorOf("racks: {id: r01}\n"), "t.yaml:1:8: racks: expected a list, got a mapping");
  EXPECT_EQ(ErrorOf("room: 5\n"), "t.yaml:1:7: room: expected a mapping, got \"5\"");
  EXPECT_EQ(ErrorOf("- 1\n"), "t.yaml:1:1: expected a mapping, got a list");
  EXPECT_EQ(ErrorOf(std::string(kMinimal) + "---\nseed: 2\n"),
            "t.yaml:5:1: a scenario file holds one YAML document");
  EXPECT_TRUE(Parse(std::string(kMinimal) + "...\n").ok());
  EXPECT_TRUE(Parse(std::string(kMinimal) + "---\n").ok());
  // yaml-cpp 0.7 would hand out empty documents here forever (jbeder/yaml-cpp#1040).
  EXPECT_EQ(ErrorOf(", racks: []\n"), "t.yaml:1:1: YAML syntax error: unexpected \",\"");
  EXPECT_EQ(ErrorOf(std::string(kMinimal) + "--- ,\n"),
            "t.yaml:5:5: YAML syntax error: unexpected \",\"");
  EXPECT_EQ(ErrorOf("racks:\n  - servers: 2\n"),
            "t.yaml:2:5: racks[0]: missing required key \"id\"");
  EXPECT_EQ(ErrorOf("rack_defaults: {id: r01}\n"),
            "t.yaml:1:21: rack_defaults.id: is set per rack, not in rack_defaults");
  EXPECT_EQ(ErrorOf("ac_defaults:\n  x: 1\n"),
            "t.yaml:2:6: ac_defaults.x: is set per AC, not in ac_defaults");
  EXPECT_EQ(ErrorOf(std::string(kMinimal) + "faults: [{target: ac1}]\n"),
            "t.yaml:5:10: faults[0]: missing required key \"kind\"");
}

TEST(ScenarioErrors, ValueTypes) {
  const std::string m(kMinimal);
  EXPECT_EQ(ErrorOf(m + "room: {volume_m3: \"50\"}\n"),
            "t.yaml:5:19: room.volume_m3: expected a number, got the string \"50\" (drop the "
            "quotes)");
  EXPECT_EQ(ErrorOf(m + "room: {volume_m3: .inf}\n"),
            "t.yaml:5:19: room.volume_m3: expected a number, got \".inf\"");
  EXPECT_EQ(ErrorOf(m + "room: {volume_m3: nan}\n"),
            "t.yaml:5:19: room.volume_m3: expected a finite number, got \"nan\"");
  EXPECT_EQ(ErrorOf(m + "room:\n  volume_m3:\n"),
            "t.yaml:6:3: room.volume_m3: missing value; expected a number");
  EXPECT_EQ(ErrorOf(m + "room: {volume_m3: [1]}\n"),
            "t.yaml:5:19: room.volume_m3: expected a number, got a list");
  EXPECT_EQ(ErrorOf("racks: [{id: r01, servers: 8.5}]\n"),
            "t.yaml:1:28: racks[0].servers: expected a whole number, got \"8.5\"");
  EXPECT_EQ(ErrorOf("racks: [{id: r01, servers: 99999999999}]\n"),
            "t.yaml:1:28: racks[0].servers: 99999999999 is outside -2147483648..2147483647");
  EXPECT_EQ(ErrorOf(m + "seed: -1\n"), "t.yaml:5:7: seed: expected a whole number, got \"-1\"");
  EXPECT_EQ(ErrorOf("acs: [{id: ac1, power_on: yes}]\n"),
            "t.yaml:1:27: acs[0].power_on: expected true or false, got \"yes\"");
  EXPECT_EQ(ErrorOf("racks: [{id: [r01]}]\n"),
            "t.yaml:1:14: racks[0].id: expected a string, got a list");
  EXPECT_EQ(ErrorOf(m + "start: 2025-13-01\n"),
            "t.yaml:5:8: start: invalid ISO-8601 time '2025-13-01': month out of range");
  EXPECT_EQ(ErrorOf(m + "duration: -1d\n"),
            "t.yaml:5:11: duration: \"-1d\" is not a duration (write e.g. 10s, 15m, 1.5h, 7d, "
            "or a number of seconds)");
  EXPECT_EQ(ErrorOf(m + "sensors: {model: ds18b02}\n"),
            "t.yaml:5:18: sensors.model: unknown sensor model; did you mean \"ds18b20\"?");
  EXPECT_EQ(ErrorOf(m + "sensors: {model: dht11}\n"),
            "t.yaml:5:18: sensors.model: unknown sensor model; expected one of: dht22, ds18b20, "
            "bme280");
  EXPECT_EQ(ErrorOf(m + "faults: [{kind: ac_fail, target: ac1}]\n"),
            "t.yaml:5:17: faults[0].kind: unknown fault kind; did you mean \"ac_failure\"?");
  EXPECT_EQ(ErrorOf(m + "weather: {csv_path: ''}\n"),
            "t.yaml:5:21: weather.csv_path: is empty; leave csv_path out for the daily sinusoid");
}

TEST(ScenarioErrors, RulesCheckedAfterParsing) {
  const std::string m(kMinimal);
  EXPECT_EQ(ErrorOf(""), "t.yaml:1:1: racks: at least one rack is needed");
  EXPECT_EQ(ErrorOf("racks: [{id: r01}]\n"), "t.yaml:1:1: acs: at least one AC is needed");
  EXPECT_EQ(ErrorOf(m + "step: 0s\n"), "t.yaml:5:7: step: 0s is not positive");
  EXPECT_EQ(ErrorOf(m + "step: 15m\n"), "t.yaml:5:7: step: 15m is outside 0s..10m");
  EXPECT_EQ(ErrorOf("racks: [{id: 'r 1'}]\n"),
            "t.yaml:1:14: racks[0].id: box id 'r 1' has a character outside [A-Za-z0-9_.-] "
            "at byte 1");
  EXPECT_EQ(ErrorOf("racks: [{id: r01, idle_w: 200, max_w: 150}]\nacs: [{id: ac1}]\n"),
            "t.yaml:1:27: racks[0].idle_w: 200 exceeds max_w 150");
  EXPECT_EQ(ErrorOf(m + "room: {volume_m3: 100, thermal_mass_j_per_k: 2000}\n"),
            "t.yaml:5:46: room.thermal_mass_j_per_k: 2000 is less than the heat capacity of the "
            "room's air alone (120600 J/K for 100 m3)");
  EXPECT_EQ(ErrorOf("racks: [{id: r01}]\nacs: [{id: ac1, setpoint_c: 35}]\n"),
            "t.yaml:2:29: acs[0].setpoint_c: 35 is outside 16..32");
  EXPECT_EQ(ErrorOf(m + "weather:\n  heat_waves:\n    - {duration: 10h, ramp: 6h}\n"),
            "t.yaml:7:29: weather.heat_waves[0].ramp: 6h up and 6h down do not fit in the "
            "duration 10h");
  EXPECT_EQ(ErrorOf(m + "weather:\n  heat_waves:\n    - {extra_k: 5}\n"),
            "t.yaml:7:7: weather.heat_waves[0].duration: 0s is not positive");
  EXPECT_EQ(ErrorOf(m + "faults: [{kind: ac_failure, target: r01}]\n"),
            "t.yaml:5:37: faults[0].target: \"r01\" is a rack, but ac_failure needs an AC");
  EXPECT_EQ(ErrorOf(m + "faults: [{kind: sensor_drift}]\n"),
            "t.yaml:5:10: faults[0].target: sensor_drift needs a rack id");
  EXPECT_EQ(ErrorOf(m + "faults: [{kind: door_open, target: ac1}]\n"),
            "t.yaml:5:36: faults[0].target: door_open has no target, got \"ac1\"");
  EXPECT_EQ(ErrorOf(m + "faults: [{kind: ac_degraded, target: ac1, severity: 1.5}]\n"),
            "t.yaml:5:53: faults[0].severity: 1.5 is outside 0..1");
  EXPECT_EQ(ErrorOf(m + "faults: [{kind: ac_failure, target: ac1, severity: 0.5}]\n"),
            "t.yaml:5:52: faults[0].severity: ac_failure takes no severity (leave it at 1), "
            "got 0.5");
  EXPECT_EQ(ErrorOf(m + "duration: 1d\nfaults: [{kind: door_open, start: 1d}]\n"),
            "t.yaml:6:35: faults[0].start: 1d is not within the scenario's duration 1d");
}

TEST(ScenarioErrors, RuleBrokenByARowIsReportedAtTheRow) {
  EXPECT_EQ(ErrorOf("racks: [{id: r02}]\n"
                    "rack_rows:\n"
                    "  - {count: 3}\n"
                    "acs: [{id: ac1}]\n"),
            "t.yaml:3:5: rack_rows[0]: duplicate id \"r02\" (also racks[0].id) (as racks[2].id)");
  EXPECT_EQ(ErrorOf("rack_rows:\n"
                    "  - {count: 3, end_recirculation: 0.95}\n"
                    "acs: [{id: ac1}]\n"),
            "t.yaml:2:35: rack_rows[0].end_recirculation: 0.95 is outside 0..0.9 (as "
            "racks[0].recirculation)");
  EXPECT_EQ(ErrorOf("rack_rows: [{count: 0}]\nacs: [{id: ac1}]\n"),
            "t.yaml:1:21: rack_rows[0].count: 0 is outside 1..1000");
  EXPECT_EQ(ErrorOf("rack_rows: [{id: x, count: 1}]\nacs: [{id: ac1}]\n"),
            "t.yaml:1:18: rack_rows[0].id: rack_rows name their racks <prefix><number>; set "
            "prefix and first");
}

RackConfig Rack(std::string id) {
  RackConfig rack;
  rack.id = std::move(id);
  return rack;
}

TEST(ValidateScenario, NamesTheFieldOfAScenarioBuiltInCode) {
  Scenario s;
  EXPECT_EQ(ValidateScenario(s).message(), "racks: at least one rack is needed");
  s.racks.push_back(Rack("r01"));
  s.acs.emplace_back();
  s.acs[0].id = "ac1";
  EXPECT_TRUE(ValidateScenario(s).ok());
  s.racks.push_back(Rack("r02"));
  s.racks.push_back(Rack("r03"));
  s.racks.push_back(Rack("r04"));
  s.racks[3].recirculation = 1.2;
  EXPECT_EQ(ValidateScenario(s).message(), "racks[3].recirculation: 1.2 is outside 0..0.9");
  s.racks[3].recirculation = std::nan("");
  EXPECT_EQ(ValidateScenario(s).message(), "racks[3].recirculation: nan is outside 0..0.9");
  s.racks[3].recirculation = 0.1;
  s.racks[3].servers = 101;
  EXPECT_EQ(ValidateScenario(s).message(), "racks[3].servers: 101 is outside 0..100");
  s.racks[3].servers = 0;
  s.faults.emplace_back();
  s.faults[0].kind = FaultKind::kSensorStuck;
  s.faults[0].target = "ac1";
  EXPECT_EQ(ValidateScenario(s).message(),
            "faults[0].target: \"ac1\" is an AC, but sensor_stuck needs a rack");
  s.faults[0].target = "r04";
  EXPECT_TRUE(ValidateScenario(s).ok());
  s.duration = 0;
  EXPECT_EQ(ValidateScenario(s).code(), StatusCode::kInvalidArgument);
}

// --- Durations and names ----------------------------------------------------------------

TEST(FaultKindName, IsTheYamlName) {
  EXPECT_EQ(FaultKindName(FaultKind::kAcFailure), "ac_failure");
  EXPECT_EQ(FaultKindName(FaultKind::kAcIgnoresIr), "ac_ignores_ir");
  EXPECT_EQ(FaultKindName(FaultKind::kDoorOpen), "door_open");
  for (FaultKind kind : {FaultKind::kAcFailure, FaultKind::kAcDegraded, FaultKind::kAcIgnoresIr,
                         FaultKind::kSensorStuck, FaultKind::kSensorDead, FaultKind::kSensorDrift,
                         FaultKind::kSensorNoisy, FaultKind::kRackOverload, FaultKind::kDoorOpen}) {
    const std::string name(FaultKindName(kind));
    Result<Scenario> r = Parse(std::string(kMinimal) + "faults: [{kind: " + name +
                               ", target: " + (name.starts_with("ac") ? "ac1" : "r01") + "}]\n");
    if (kind == FaultKind::kDoorOpen) {
      EXPECT_FALSE(r.ok());  // door_open takes no target
      continue;
    }
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    EXPECT_EQ(r->faults[0].kind, kind);
  }
}

}  // namespace
}  // namespace coolflow::room
