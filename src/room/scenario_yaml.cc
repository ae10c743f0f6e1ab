// Scenario files: a strict YAML schema (docs/scenarios.md) read with yaml-cpp. The schema is
// one table of fields per struct below; a key outside its table is an error that suggests
// the nearest valid key. Every error reads "<source>:<line>:<column>: <field path>: <why>".
//
// While parsing, the position of every value is kept under the field path it set, so a rule
// that ValidateScenario finds broken afterwards ("racks[3].recirculation") is reported at the
// line that wrote the value, which may be a default block or a rack row ("rack_defaults
// .recirculation: 1.2 is outside 0..0.9 (as racks[3].recirculation)").
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/files.h"
#include "common/time.h"
#include "common/yaml_reader.h"
#include "fmt/format.h"
#include "room/scenario.h"
#include "room/scenario_rules.h"

namespace coolflow::room {
namespace {

using yaml::AppendNested;
using yaml::DurationMember;
using yaml::Field;
using yaml::Indexed;
using yaml::Item;
using yaml::Join;
using yaml::Member;
using yaml::Parent;
using yaml::Refused;
using yaml::Section;
using yaml::Table;

// Where a value was written: its position and the path it has in the file, which differs
// from the field it set when it came from rack_defaults, ac_defaults or rack_rows.
struct Origin {
  YAML::Mark mark;
  std::string written;
};

constexpr FaultKind kFaultKinds[] = {
    FaultKind::kAcFailure,   FaultKind::kAcDegraded,   FaultKind::kAcIgnoresIr,
    FaultKind::kSensorStuck, FaultKind::kSensorDead,   FaultKind::kSensorDrift,
    FaultKind::kSensorNoisy, FaultKind::kRackOverload, FaultKind::kDoorOpen};

struct SensorModelName {
  std::string_view name;
  SensorModel model;
};
constexpr SensorModelName kSensorModels[] = {{"dht22", SensorModel::kDht22},
                                             {"ds18b20", SensorModel::kDs18b20},
                                             {"bme280", SensorModel::kBme280}};

// A row of identical racks side by side (the `rack_rows` convenience): ids
// <prefix><number, zero-padded to `digits`> for number = first .. first+count-1, positions
// (x, y) + i (dx, dy), every other rack field from `rack`.
struct RackRow {
  RackConfig rack;
  std::string prefix = "r";
  int first = 1;
  int count = 0;
  int digits = 2;
  double x = 0, y = 0;
  double dx = 0.6, dy = 0;
  std::optional<double> end_recirculation;  // the first and the last rack's, when set
};

class Parser final : public yaml::Reader {
 public:
  // `folder`: where relative CSV paths are resolved, and checked to exist; none for
  // ParseScenario, which keeps them as written.
  Parser(std::string_view source, std::optional<std::filesystem::path> folder)
      : yaml::Reader(source, std::move(folder)) {}

  Result<Scenario> Parse(std::string_view yaml);

  // Racks and ACs wait until the whole top level is read: their default blocks may come
  // after them in the file.
  void Defer(const Item& item) { deferred_.emplace(item.path, item); }

 private:
  void OnValue(const std::string& path, const YAML::Mark& mark) override {
    origins_[path] = Origin{mark, path};
  }
  // Makes `to` (and what is under it) come from where `from` was written.
  void Inherit(const std::string& from, const std::string& to) {
    if (auto it = origins_.find(from); it != origins_.end()) origins_[to] = it->second;
  }
  const Item* Deferred(std::string_view key) const {
    auto it = deferred_.find(std::string(key));
    return it == deferred_.end() ? nullptr : &it->second;
  }

  Status ParseRacks(Scenario& scenario);
  Status ParseRackRow(const Item& item, const RackConfig& defaults,
                      const std::vector<std::string>& default_keys, Scenario& scenario);
  Status ParseAcs(Scenario& scenario);
  // The issue placed at the value that set its field.
  Status Place(const ScenarioIssue& issue) const;

  std::map<std::string, Origin> origins_;
  std::map<std::string, Item> deferred_;
};

// --- The schema: one table per struct -------------------------------------------------

// --- Reading values ---------------------------------------------------------------------

Status ReadCsvPath(yaml::Reader& r, const Item& item, std::string& out) {
  std::string text;
  if (Status s = r.Read(item, text); !s.ok()) return s;
  if (text.empty()) return r.Error(item, "is empty; leave csv_path out for the daily sinusoid");
  return r.ReadPath(item, out, /*must_exist=*/true);
}

Status ReadFaultKind(yaml::Reader& r, const Item& item, FaultKind& out) {
  std::vector<std::string_view> names;
  for (FaultKind kind : kFaultKinds)
    names.push_back(FaultKindName(kind));
  size_t index = 0;
  if (Status s = r.ReadChoice(item, names, "fault kind", index); !s.ok()) return s;
  out = kFaultKinds[index];
  return Status::Ok();
}

Status ReadSensorModel(yaml::Reader& r, const Item& item, SensorModel& out) {
  std::vector<std::string_view> names;
  for (const SensorModelName& m : kSensorModels)
    names.push_back(m.name);
  size_t index = 0;
  if (Status s = r.ReadChoice(item, names, "sensor model", index); !s.ok()) return s;
  out = kSensorModels[index].model;
  return Status::Ok();
}

const Table<RoomConfig>& RoomTable() {
  static const Table<RoomConfig> table = {
      Member("volume_m3", &RoomConfig::volume_m3),
      Member("thermal_mass_j_per_k", &RoomConfig::thermal_mass_j_per_k),
      Member("wall_ua_w_per_k", &RoomConfig::wall_ua_w_per_k),
      Member("infiltration_ach", &RoomConfig::infiltration_ach),
      Member("initial_temperature_c", &RoomConfig::initial_temperature_c),
      Member("initial_humidity_rh", &RoomConfig::initial_humidity_rh),
  };
  return table;
}

// The rack fields that a default block or a row may set: all but id and position.
const Table<RackConfig>& SharedRackTable() {
  static const Table<RackConfig> table = {
      Member("zone", &RackConfig::zone),
      Member("servers", &RackConfig::servers),
      Member("idle_w", &RackConfig::idle_w),
      Member("max_w", &RackConfig::max_w),
      Member("recirculation", &RackConfig::recirculation),
      Member("load_offset", &RackConfig::load_offset),
      Member("airflow_m3_per_s_per_kw", &RackConfig::airflow_m3_per_s_per_kw),
  };
  return table;
}

const Table<RackConfig>& RackTable() {
  static const Table<RackConfig> table = [] {
    Table<RackConfig> t = {Member("id", &RackConfig::id), Member("x", &RackConfig::x),
                           Member("y", &RackConfig::y)};
    t.insert(t.end(), SharedRackTable().begin(), SharedRackTable().end());
    return t;
  }();
  return table;
}

const Table<RackConfig>& RackDefaultsTable() {
  static const Table<RackConfig> table = [] {
    constexpr std::string_view kWhy = "is set per rack, not in rack_defaults";
    Table<RackConfig> t = {Refused<RackConfig>("id", kWhy), Refused<RackConfig>("x", kWhy),
                           Refused<RackConfig>("y", kWhy)};
    t.insert(t.end(), SharedRackTable().begin(), SharedRackTable().end());
    return t;
  }();
  return table;
}

// Row keys that are not rack fields.
constexpr std::string_view kRowOwnKeys[] = {"prefix", "first", "count", "digits",           "x",
                                            "y",      "dx",    "dy",    "end_recirculation"};

const Table<RackRow>& RackRowTable() {
  static const Table<RackRow> table = [] {
    Table<RackRow> t = {
        Member("prefix", &RackRow::prefix),
        Member("first", &RackRow::first),
        Member("count", &RackRow::count),
        Member("digits", &RackRow::digits),
        Member("x", &RackRow::x),
        Member("y", &RackRow::y),
        Member("dx", &RackRow::dx),
        Member("dy", &RackRow::dy),
        Member("end_recirculation", &RackRow::end_recirculation),
        Refused<RackRow>("id", "rack_rows name their racks <prefix><number>; set prefix and first"),
    };
    AppendNested(t, SharedRackTable(), &RackRow::rack);
    return t;
  }();
  return table;
}

const Table<AcConfig>& SharedAcTable() {
  static const Table<AcConfig> table = {
      Member("rated_capacity_w", &AcConfig::rated_capacity_w),
      Member("rated_outdoor_c", &AcConfig::rated_outdoor_c),
      Member("capacity_loss_per_k", &AcConfig::capacity_loss_per_k),
      Member("airflow_m3_per_s", &AcConfig::airflow_m3_per_s),
      Member("fan_w", &AcConfig::fan_w),
      Member("hysteresis_k", &AcConfig::hysteresis_k),
      Member("min_cycle_s", &AcConfig::min_cycle_s),
      Member("carnot_fraction", &AcConfig::carnot_fraction),
      Member("evaporator_approach_k", &AcConfig::evaporator_approach_k),
      Member("condenser_approach_k", &AcConfig::condenser_approach_k),
      Member("sensible_heat_ratio", &AcConfig::sensible_heat_ratio),
      Member("power_on", &AcConfig::power_on),
      Member("setpoint_c", &AcConfig::setpoint_c),
  };
  return table;
}

const Table<AcConfig>& AcTable() {
  static const Table<AcConfig> table = [] {
    Table<AcConfig> t = {Member("id", &AcConfig::id), Member("x", &AcConfig::x),
                         Member("y", &AcConfig::y)};
    t.insert(t.end(), SharedAcTable().begin(), SharedAcTable().end());
    return t;
  }();
  return table;
}

const Table<AcConfig>& AcDefaultsTable() {
  static const Table<AcConfig> table = [] {
    constexpr std::string_view kWhy = "is set per AC, not in ac_defaults";
    Table<AcConfig> t = {Refused<AcConfig>("id", kWhy), Refused<AcConfig>("x", kWhy),
                         Refused<AcConfig>("y", kWhy)};
    t.insert(t.end(), SharedAcTable().begin(), SharedAcTable().end());
    return t;
  }();
  return table;
}

const Table<HeatWave>& HeatWaveTable() {
  static const Table<HeatWave> table = {
      DurationMember("start", &HeatWave::start),
      DurationMember("duration", &HeatWave::duration),
      DurationMember("ramp", &HeatWave::ramp),
      Member("extra_k", &HeatWave::extra_k),
  };
  return table;
}

const Table<WeatherConfig>& WeatherTable() {
  static const Table<WeatherConfig> table = {
      Member("mean_c", &WeatherConfig::mean_c),
      Member("amplitude_k", &WeatherConfig::amplitude_k),
      Member("peak_hour", &WeatherConfig::peak_hour),
      Member("seasonal_amplitude_k", &WeatherConfig::seasonal_amplitude_k),
      Member("warmest_day", &WeatherConfig::warmest_day),
      Member("humidity_rh", &WeatherConfig::humidity_rh),
      {"heat_waves",
       [](yaml::Reader& p, const Item& item, WeatherConfig& out) {
         return p.ForEachElement(item, [&](const Item& element) {
           HeatWave wave;
           if (Status s = p.ParseMapping(element, HeatWaveTable(), wave); !s.ok()) return s;
           out.heat_waves.push_back(wave);
           return Status::Ok();
         });
       }},
      {"csv_path", [](yaml::Reader& r, const Item& item,
                      WeatherConfig& out) { return ReadCsvPath(r, item, out.csv_path); }},
  };
  return table;
}

const Table<LoadConfig>& LoadTable() {
  static const Table<LoadConfig> table = {
      Member("base", &LoadConfig::base),
      Member("daily_amplitude", &LoadConfig::daily_amplitude),
      Member("peak_hour", &LoadConfig::peak_hour),
      Member("weekend_factor", &LoadConfig::weekend_factor),
      Member("bursts_per_day", &LoadConfig::bursts_per_day),
      Member("burst_extra", &LoadConfig::burst_extra),
      DurationMember("burst_duration", &LoadConfig::burst_duration),
  };
  return table;
}

const Table<SensorConfig>& SensorTable() {
  static const Table<SensorConfig> table = {
      {"model", [](yaml::Reader& r, const Item& item,
                   SensorConfig& out) { return ReadSensorModel(r, item, out.model); }},
      DurationMember("interval", &SensorConfig::interval),
      Member("temperature_sigma_c", &SensorConfig::temperature_sigma_c),
      Member("humidity_sigma_rh", &SensorConfig::humidity_sigma_rh),
      Member("read_failure_rate", &SensorConfig::read_failure_rate),
  };
  return table;
}

const Table<FaultConfig>& FaultTable() {
  static const Table<FaultConfig> table = {
      {"kind", [](yaml::Reader& r, const Item& item,
                  FaultConfig& out) { return ReadFaultKind(r, item, out.kind); }},
      Member("target", &FaultConfig::target),
      DurationMember("start", &FaultConfig::start),
      DurationMember("duration", &FaultConfig::duration),
      Member("severity", &FaultConfig::severity),
  };
  return table;
}

Field<Scenario> DeferredSection(std::string_view key) {
  return {key, [](yaml::Reader& r, const Item& item, Scenario&) {
            // Only a Parser reads scenario tables.
            static_cast<Parser&>(r).Defer(item);
            return Status::Ok();
          }};
}

const Table<Scenario>& ScenarioTable() {
  static const Table<Scenario> table = {
      Member("name", &Scenario::name),
      Member("description", &Scenario::description),
      Member("seed", &Scenario::seed),
      {"start", [](yaml::Reader& r, const Item& item,
                   Scenario& out) { return r.ReadTime(item, out.start_time); }},
      DurationMember("step", &Scenario::step),
      DurationMember("duration", &Scenario::duration),
      Section("room", &RoomTable, &Scenario::room),
      DeferredSection("rack_defaults"),
      DeferredSection("racks"),
      DeferredSection("rack_rows"),
      DeferredSection("ac_defaults"),
      DeferredSection("acs"),
      Section("weather", &WeatherTable, &Scenario::weather),
      Section("load", &LoadTable, &Scenario::load),
      Section("sensors", &SensorTable, &Scenario::sensors),
      {"faults",
       [](yaml::Reader& p, const Item& item, Scenario& out) {
         return p.ForEachElement(item, [&](const Item& element) {
           FaultConfig fault;
           std::vector<std::string> keys;
           if (Status s = p.ParseMapping(element, FaultTable(), fault, &keys); !s.ok()) return s;
           if (Status s = p.Require(element, keys, "kind"); !s.ok()) return s;
           out.faults.push_back(fault);
           return Status::Ok();
         });
       }},
  };
  return table;
}

// --- Racks and ACs ----------------------------------------------------------------------

// Explicit `racks` first, in file order, then the racks of each `rack_rows` entry; every
// rack starts from rack_defaults.
Status Parser::ParseRacks(Scenario& scenario) {
  RackConfig defaults;
  std::vector<std::string> default_keys;
  if (const Item* item = Deferred("rack_defaults")) {
    if (Status s = ParseMapping(*item, RackDefaultsTable(), defaults, &default_keys); !s.ok()) {
      return s;
    }
  }
  if (const Item* item = Deferred("racks")) {
    Status s = ForEachElement(*item, [&](const Item& element) {
      // Explicit racks come first, so element.path is the rack's final field path.
      for (const std::string& key : default_keys) {
        Inherit(Join("rack_defaults", key), Join(element.path, key));
      }
      RackConfig rack = defaults;
      std::vector<std::string> keys;
      if (Status e = ParseMapping(element, RackTable(), rack, &keys); !e.ok()) return e;
      if (Status e = Require(element, keys, "id"); !e.ok()) return e;
      scenario.racks.push_back(std::move(rack));
      return Status::Ok();
    });
    if (!s.ok()) return s;
  }
  if (const Item* item = Deferred("rack_rows")) {
    return ForEachElement(*item, [&](const Item& element) {
      return ParseRackRow(element, defaults, default_keys, scenario);
    });
  }
  return Status::Ok();
}

Status Parser::ParseRackRow(const Item& item, const RackConfig& defaults,
                            const std::vector<std::string>& default_keys, Scenario& scenario) {
  constexpr int kMaxRowCount = 1000;
  constexpr int kMaxDigits = 9;
  RackRow row;
  row.rack = defaults;
  std::vector<std::string> keys;
  if (Status s = ParseMapping(item, RackRowTable(), row, &keys); !s.ok()) return s;
  if (Status s = Require(item, keys, "count"); !s.ok()) return s;
  auto at = [&](std::string_view key) { return origins_.at(Join(item.path, key)).mark; };
  if (row.count < 1 || row.count > kMaxRowCount) {
    return Error(at("count"), Join(item.path, "count"),
                 fmt::format("{} is outside 1..{}", row.count, kMaxRowCount));
  }
  if (row.first < 0 || row.first > std::numeric_limits<int>::max() - row.count) {
    return Error(at("first"), Join(item.path, "first"),
                 fmt::format("{} is negative or too large", row.first));
  }
  if (row.digits < 1 || row.digits > kMaxDigits) {
    return Error(at("digits"), Join(item.path, "digits"),
                 fmt::format("{} is outside 1..{}", row.digits, kMaxDigits));
  }
  for (int i = 0; i < row.count; ++i) {
    RackConfig rack = row.rack;
    rack.id = fmt::format("{}{:0{}}", row.prefix, row.first + i, row.digits);
    rack.x = row.x + i * row.dx;
    rack.y = row.y + i * row.dy;
    const bool at_end = i == 0 || i == row.count - 1;
    if (row.end_recirculation && at_end) rack.recirculation = *row.end_recirculation;

    const std::string path = Indexed("racks", scenario.racks.size());
    Inherit(item.path, path);
    Inherit(item.path, Join(path, "id"));
    for (const std::string& key : default_keys) {
      Inherit(Join("rack_defaults", key), Join(path, key));
    }
    for (const std::string& key : keys) {
      const bool own =
          std::find(std::begin(kRowOwnKeys), std::end(kRowOwnKeys), key) != std::end(kRowOwnKeys);
      if (!own) Inherit(Join(item.path, key), Join(path, key));
    }
    if (row.end_recirculation && at_end) {
      Inherit(Join(item.path, "end_recirculation"), Join(path, "recirculation"));
    }
    scenario.racks.push_back(std::move(rack));
  }
  return Status::Ok();
}

Status Parser::ParseAcs(Scenario& scenario) {
  AcConfig defaults;
  std::vector<std::string> default_keys;
  if (const Item* item = Deferred("ac_defaults")) {
    if (Status s = ParseMapping(*item, AcDefaultsTable(), defaults, &default_keys); !s.ok()) {
      return s;
    }
  }
  const Item* item = Deferred("acs");
  if (!item) return Status::Ok();
  return ForEachElement(*item, [&](const Item& element) {
    for (const std::string& key : default_keys) {
      Inherit(Join("ac_defaults", key), Join(element.path, key));
    }
    AcConfig ac = defaults;
    std::vector<std::string> keys;
    if (Status s = ParseMapping(element, AcTable(), ac, &keys); !s.ok()) return s;
    if (Status s = Require(element, keys, "id"); !s.ok()) return s;
    scenario.acs.push_back(std::move(ac));
    return Status::Ok();
  });
}

// --- The whole file ---------------------------------------------------------------------

Status Parser::Place(const ScenarioIssue& issue) const {
  // The nearest recorded ancestor of the field: a value left at its default is reported at
  // the mapping that holds it, a missing section at the top of the file.
  for (std::string key = issue.field;; key = Parent(key)) {
    if (auto it = origins_.find(key); it != origins_.end()) {
      const std::string written = it->second.written + issue.field.substr(key.size());
      if (written == issue.field) return Error(it->second.mark, issue.field, issue.why);
      return Error(it->second.mark, written, fmt::format("{} (as {})", issue.why, issue.field));
    }
    if (key.empty()) break;
  }
  return Error(YAML::Mark(), issue.field, issue.why);
}

Result<Scenario> Parser::Parse(std::string_view yaml) {
  Result<Item> root = LoadDocument(yaml, "a scenario file");
  if (!root.ok()) return root.status();

  Scenario scenario;
  std::vector<std::string> keys;
  if (Status s = ParseMapping(*root, ScenarioTable(), scenario, &keys); !s.ok()) {
    return s;
  }
  if (Status s = ParseRacks(scenario); !s.ok()) return s;
  if (Status s = ParseAcs(scenario); !s.ok()) return s;
  if (std::find(keys.begin(), keys.end(), "name") == keys.end()) {
    scenario.name = std::filesystem::path(source()).stem().string();
  }
  scenario.source = source();
  if (std::optional<ScenarioIssue> issue = FindScenarioIssue(scenario)) return Place(*issue);
  return scenario;
}

}  // namespace

Result<Scenario> ParseScenario(std::string_view yaml, std::string_view source) {
  return Parser(source, std::nullopt).Parse(yaml);
}

Result<Scenario> LoadScenario(const std::string& path) {
  Result<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return Parser(path, std::filesystem::path(path).parent_path()).Parse(*text);
}

}  // namespace coolflow::room
