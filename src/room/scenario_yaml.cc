// Scenario files: a strict YAML schema (docs/scenarios.md) read with yaml-cpp. The schema is
// one table of fields per struct below; a key outside its table is an error that suggests
// the nearest valid key. Every error reads "<source>:<line>:<column>: <field path>: <why>".
//
// While parsing, the position of every value is kept under the field path it set, so a rule
// that ValidateScenario finds broken afterwards ("racks[3].recirculation") is reported at the
// line that wrote the value, which may be a default block or a rack row ("rack_defaults
// .recirculation: 1.2 is outside 0..0.9 (as racks[3].recirculation)").
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/time.h"
#include "fmt/format.h"
#include "room/scenario.h"
#include "room/scenario_rules.h"

namespace coolflow::room {
namespace {

// Where a value was written: its position and the path it has in the file, which differs
// from the field it set when it came from rack_defaults, ac_defaults or rack_rows.
struct Origin {
  YAML::Mark mark;
  std::string written;
};

// One value of the file: the node, its position (the key's when the value is empty, since
// yaml-cpp places an empty value at the next token) and its field path.
struct Item {
  YAML::Node node;
  YAML::Mark mark;
  std::string path;
};

class Parser;

// A key of a mapping and how its value is read into a T.
template <typename T>
struct Field {
  std::string_view key;
  std::function<Status(Parser&, const Item&, T&)> parse;
};
template <typename T>
using Table = std::vector<Field<T>>;

// At most `max` bytes of `text`, with "..." when cut; keeps a pasted paragraph that landed
// in a key or a value from swamping the message.
std::string Clip(std::string_view text, size_t max = 60) {
  if (text.size() <= max) return std::string(text);
  return std::string(text.substr(0, max)) + "...";
}

// `text` with control characters written as escapes, so an error stays one line.
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? Clip(key) : fmt::format("{}.{}", path, Clip(key));
}

std::string Indexed(std::string_view list, size_t i) {
  return fmt::format("{}[{}]", list, i);
}

// "racks[3].id" -> "racks[3]" -> "racks" -> "".
std::string Parent(const std::string& path) {
  const size_t cut = path.find_last_of(".[");
  return cut == std::string::npos ? std::string() : path.substr(0, cut);
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
    case YAML::NodeType::Scalar:
      return fmt::format("\"{}\"", Clip(node.Scalar()));
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
  }
  return "something else";
}

// A scalar written without quotes or a string tag: only these can be numbers or booleans.
bool IsPlain(const YAML::Node& node) {
  return node.Tag() != "!" && node.Tag() != "tag:yaml.org,2002:str";
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The candidate nearest to `word` by edit distance, if it is near enough to be what was
// meant: within a third of the word's length, or containing it ("volume" -> "volume_m3").
std::optional<std::string_view> Nearest(std::string_view word,
                                        const std::vector<std::string_view>& candidates) {
  std::optional<std::string_view> best;
  size_t best_distance = SIZE_MAX;
  for (std::string_view candidate : candidates) {
    const size_t distance = EditDistance(word, candidate);
    const bool contains = std::min(word.size(), candidate.size()) >= 3 &&
                          (candidate.find(word) != std::string_view::npos ||
                           word.find(candidate) != std::string_view::npos);
    const bool near = distance <= std::max<size_t>(1, word.size() / 3) || contains;
    if (near && distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

// "did you mean "x"?" or the list of what is allowed.
std::string NotOneOf(std::string_view what, std::string_view word,
                     const std::vector<std::string_view>& candidates) {
  if (auto nearest = Nearest(word, candidates)) {
    return fmt::format("unknown {}; did you mean \"{}\"?", what, *nearest);
  }
  return fmt::format("unknown {}; expected one of: {}", what, fmt::join(candidates, ", "));
}

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

// Walks the documents of a YAML stream without building them. yaml-cpp 0.7 can return empty
// documents forever without consuming input (a document that starts with ',',
// jbeder/yaml-cpp#1040), which turns YAML::LoadAll into an endless loop that allocates
// without bound; so Parser::CheckOneDocument walks the stream with this, stops at the first
// document that starts where the previous one did, and YAML::Load builds only the first.
class DocumentScan final : public YAML::EventHandler {
 public:
  struct Document {
    YAML::Mark start;
    bool empty = true;  // nothing but an empty node
  };
  const std::vector<Document>& documents() const { return documents_; }

  void OnDocumentStart(const YAML::Mark& mark) override { documents_.push_back({mark, true}); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { Content(); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Content();
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Content();
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Content();
  }
  void OnMapEnd() override {}

 private:
  void Content() {
    if (!documents_.empty()) documents_.back().empty = false;
  }
  std::vector<Document> documents_;
};

class Parser {
 public:
  // `folder`: where relative CSV paths are resolved, and checked to exist; none for
  // ParseScenario, which keeps them as written.
  Parser(std::string_view source, std::optional<std::filesystem::path> folder)
      : source_(source), folder_(std::move(folder)) {}

  Result<Scenario> Parse(std::string_view yaml);

  Status Error(const YAML::Mark& mark, std::string_view path, std::string_view why,
               StatusCode code = StatusCode::kInvalidArgument) const {
    const int line = std::max(mark.line, 0) + 1;
    const int column = std::max(mark.column, 0) + 1;
    if (path.empty()) {
      return {code, fmt::format("{}:{}:{}: {}", source_, line, column, OneLine(why))};
    }
    return {code,
            fmt::format("{}:{}:{}: {}: {}", source_, line, column, OneLine(path), OneLine(why))};
  }

  Status Read(const Item& item, double& out) const;
  Status Read(const Item& item, std::optional<double>& out) const;
  Status Read(const Item& item, int& out) const;
  Status Read(const Item& item, uint64_t& out) const;
  Status Read(const Item& item, bool& out) const;
  Status Read(const Item& item, std::string& out) const;
  Status ReadDuration(const Item& item, TimeNs& out) const;
  Status ReadTime(const Item& item, TimeNs& out) const;
  Status ReadCsvPath(const Item& item, std::string& out) const;
  Status ReadFaultKind(const Item& item, FaultKind& out) const;
  Status ReadSensorModel(const Item& item, SensorModel& out) const;

  // Reads the mapping `item` into `out` through `table`; an empty value is an empty mapping.
  // Appends the keys it read to `keys` when given.
  template <typename T>
  Status ParseMapping(const Item& item, const Table<T>& table, T& out,
                      std::vector<std::string>* keys = nullptr) {
    if (item.node.IsNull()) return Status::Ok();
    if (!item.node.IsMap()) {
      return Error(item.mark, item.path, "expected a mapping, got " + Describe(item.node));
    }
    std::set<std::string, std::less<>> seen;
    for (auto it = item.node.begin(); it != item.node.end(); ++it) {
      // Copies: it-> yields a temporary pair, so references to its members would dangle.
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) {
        return Error(key.Mark(), item.path, "expected a key, got " + Describe(key));
      }
      const std::string& name = key.Scalar();
      const std::string path = Join(item.path, name);
      if (!seen.insert(name).second) return Error(key.Mark(), path, "duplicate key");
      const auto field = std::find_if(table.begin(), table.end(),
                                      [&](const Field<T>& f) { return f.key == name; });
      if (field == table.end()) {
        std::vector<std::string_view> valid;
        for (const Field<T>& f : table)
          valid.push_back(f.key);
        // "{id:r01}" is one key "id:r01" in YAML: a colon needs a space after it.
        if (const size_t colon = name.find(':'); colon != std::string::npos) {
          const std::string_view before = std::string_view(name).substr(0, colon);
          if (std::find(valid.begin(), valid.end(), before) != valid.end()) {
            return Error(key.Mark(), path,
                         fmt::format("unknown key; write a space after the colon (\"{}: {}\")",
                                     before, Clip(name.substr(colon + 1))));
          }
        }
        return Error(key.Mark(), path, NotOneOf("key", name, valid));
      }
      const YAML::Mark mark = value.IsNull() ? key.Mark() : value.Mark();
      Record(path, mark, path);
      if (Status s = field->parse(*this, Item{value, mark, path}, out); !s.ok()) return s;
      if (keys) keys->push_back(name);
    }
    return Status::Ok();
  }

  // Calls fn(element) for each element of the list `item`; an empty value is an empty list.
  template <typename Fn>
  Status ForEachElement(const Item& item, Fn&& fn) {
    if (item.node.IsNull()) return Status::Ok();
    if (!item.node.IsSequence()) {
      return Error(item.mark, item.path, "expected a list, got " + Describe(item.node));
    }
    size_t i = 0;
    for (auto it = item.node.begin(); it != item.node.end(); ++it) {
      const YAML::Node element = *it;
      const std::string path = Indexed(item.path, i++);
      const YAML::Mark mark = element.IsNull() ? item.mark : element.Mark();
      Record(path, mark, path);
      if (Status s = fn(Item{element, mark, path}); !s.ok()) return s;
    }
    return Status::Ok();
  }

  Status Require(const Item& item, const std::vector<std::string>& keys,
                 std::string_view key) const {
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) return Status::Ok();
    return Error(item.mark, item.path, fmt::format("missing required key \"{}\"", key));
  }

  // Racks and ACs wait until the whole top level is read: their default blocks may come
  // after them in the file.
  void Defer(const Item& item) { deferred_.emplace(item.path, item); }

 private:
  void Record(const std::string& path, const YAML::Mark& mark, std::string written) {
    origins_[path] = Origin{mark, std::move(written)};
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
  // A syntax error, or more than one non-empty document.
  Status CheckOneDocument(std::string_view yaml) const;
  // The issue placed at the value that set its field.
  Status Place(const ScenarioIssue& issue) const;

  std::string source_;
  std::optional<std::filesystem::path> folder_;
  std::map<std::string, Origin> origins_;
  std::map<std::string, Item> deferred_;
};

// --- The schema: one table per struct -------------------------------------------------

template <typename T, typename V>
Field<T> Member(std::string_view key, V T::*member) {
  return {key, [member](Parser& p, const Item& item, T& out) { return p.Read(item, out.*member); }};
}

template <typename T>
Field<T> DurationMember(std::string_view key, TimeNs T::*member) {
  return {key, [member](Parser& p, const Item& item, T& out) {
            return p.ReadDuration(item, out.*member);
          }};
}

// A key that names a field of another struct but is not allowed here.
template <typename T>
Field<T> Refused(std::string_view key, std::string_view why) {
  return {key,
          [why](Parser& p, const Item& item, T&) { return p.Error(item.mark, item.path, why); }};
}

// The fields of `Inner` as fields of `Outer` (reached through `member`).
template <typename Outer, typename Inner>
void AppendNested(Table<Outer>& table, const Table<Inner>& inner, Inner Outer::*member) {
  for (const Field<Inner>& f : inner) {
    table.push_back({f.key, [parse = f.parse, member](Parser& p, const Item& item, Outer& out) {
                       return parse(p, item, out.*member);
                     }});
  }
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
       [](Parser& p, const Item& item, WeatherConfig& out) {
         return p.ForEachElement(item, [&](const Item& element) {
           HeatWave wave;
           if (Status s = p.ParseMapping(element, HeatWaveTable(), wave); !s.ok()) return s;
           out.heat_waves.push_back(wave);
           return Status::Ok();
         });
       }},
      {"csv_path", [](Parser& p, const Item& item,
                      WeatherConfig& out) { return p.ReadCsvPath(item, out.csv_path); }},
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
      {"model", [](Parser& p, const Item& item,
                   SensorConfig& out) { return p.ReadSensorModel(item, out.model); }},
      DurationMember("interval", &SensorConfig::interval),
      Member("temperature_sigma_c", &SensorConfig::temperature_sigma_c),
      Member("humidity_sigma_rh", &SensorConfig::humidity_sigma_rh),
      Member("read_failure_rate", &SensorConfig::read_failure_rate),
  };
  return table;
}

const Table<FaultConfig>& FaultTable() {
  static const Table<FaultConfig> table = {
      {"kind", [](Parser& p, const Item& item,
                  FaultConfig& out) { return p.ReadFaultKind(item, out.kind); }},
      Member("target", &FaultConfig::target),
      DurationMember("start", &FaultConfig::start),
      DurationMember("duration", &FaultConfig::duration),
      Member("severity", &FaultConfig::severity),
  };
  return table;
}

template <typename T>
Field<Scenario> Section(std::string_view key, const Table<T>& (*table)(), T Scenario::*member) {
  return {key, [table, member](Parser& p, const Item& item, Scenario& out) {
            return p.ParseMapping(item, table(), out.*member);
          }};
}

Field<Scenario> DeferredSection(std::string_view key) {
  return {key, [](Parser& p, const Item& item, Scenario&) {
            p.Defer(item);
            return Status::Ok();
          }};
}

const Table<Scenario>& ScenarioTable() {
  static const Table<Scenario> table = {
      Member("name", &Scenario::name),
      Member("description", &Scenario::description),
      Member("seed", &Scenario::seed),
      {"start",
       [](Parser& p, const Item& item, Scenario& out) { return p.ReadTime(item, out.start_time); }},
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
       [](Parser& p, const Item& item, Scenario& out) {
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

// --- Reading values ---------------------------------------------------------------------

Status Parser::Read(const Item& item, double& out) const {
  if (item.node.IsNull()) return Error(item.mark, item.path, "missing value; expected a number");
  if (!item.node.IsScalar()) {
    return Error(item.mark, item.path, "expected a number, got " + Describe(item.node));
  }
  if (!IsPlain(item.node)) {
    return Error(
        item.mark, item.path,
        fmt::format("expected a number, got the string {} (drop the quotes)", Describe(item.node)));
  }
  std::string_view text = item.node.Scalar();
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Error(item.mark, item.path, "expected a number, got " + Describe(item.node));
  }
  if (!std::isfinite(value)) {
    return Error(item.mark, item.path, "expected a finite number, got " + Describe(item.node));
  }
  out = value;
  return Status::Ok();
}

Status Parser::Read(const Item& item, std::optional<double>& out) const {
  double value = 0;
  if (Status s = Read(item, value); !s.ok()) return s;
  out = value;
  return Status::Ok();
}

// Whole numbers of any integer type: plain, decimal, nothing left over.
template <typename Int>
Status ReadInteger(const Parser& p, const Item& item, Int& out) {
  if (item.node.IsNull())
    return p.Error(item.mark, item.path, "missing value; expected a whole number");
  if (!item.node.IsScalar() || !IsPlain(item.node)) {
    return p.Error(item.mark, item.path, "expected a whole number, got " + Describe(item.node));
  }
  const std::string& text = item.node.Scalar();
  Int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    return p.Error(item.mark, item.path,
                   fmt::format("{} is outside {}..{}", text, std::numeric_limits<Int>::min(),
                               std::numeric_limits<Int>::max()));
  }
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return p.Error(item.mark, item.path, "expected a whole number, got " + Describe(item.node));
  }
  out = value;
  return Status::Ok();
}

Status Parser::Read(const Item& item, int& out) const {
  return ReadInteger(*this, item, out);
}
Status Parser::Read(const Item& item, uint64_t& out) const {
  return ReadInteger(*this, item, out);
}

Status Parser::Read(const Item& item, bool& out) const {
  static constexpr std::string_view kTrue[] = {"true", "True", "TRUE"};
  static constexpr std::string_view kFalse[] = {"false", "False", "FALSE"};
  if (item.node.IsScalar() && IsPlain(item.node)) {
    const std::string& text = item.node.Scalar();
    if (std::find(std::begin(kTrue), std::end(kTrue), text) != std::end(kTrue)) {
      out = true;
      return Status::Ok();
    }
    if (std::find(std::begin(kFalse), std::end(kFalse), text) != std::end(kFalse)) {
      out = false;
      return Status::Ok();
    }
  }
  return Error(item.mark, item.path, "expected true or false, got " + Describe(item.node));
}

Status Parser::Read(const Item& item, std::string& out) const {
  if (item.node.IsNull()) return Error(item.mark, item.path, "missing value; expected a string");
  if (!item.node.IsScalar()) {
    return Error(item.mark, item.path, "expected a string, got " + Describe(item.node));
  }
  out = item.node.Scalar();
  return Status::Ok();
}

Status Parser::ReadDuration(const Item& item, TimeNs& out) const {
  std::string text;
  if (Status s = Read(item, text); !s.ok()) {
    return Error(item.mark, item.path,
                 "expected a duration (10s, 15m, 6h, 7d), got " + Describe(item.node));
  }
  Result<TimeNs> duration = ParseDuration(text);
  if (!duration.ok()) return Error(item.mark, item.path, duration.status().message());
  out = *duration;
  return Status::Ok();
}

Status Parser::ReadTime(const Item& item, TimeNs& out) const {
  std::string text;
  if (Status s = Read(item, text); !s.ok()) {
    return Error(item.mark, item.path,
                 "expected a time (2025-06-02T00:00:00Z), got " + Describe(item.node));
  }
  Result<TimeNs> time = ParseTimestamp(text);
  if (!time.ok()) return Error(item.mark, item.path, time.status().message());
  out = *time;
  return Status::Ok();
}

Status Parser::ReadCsvPath(const Item& item, std::string& out) const {
  std::string text;
  if (Status s = Read(item, text); !s.ok()) return s;
  if (text.empty()) {
    return Error(item.mark, item.path, "is empty; leave csv_path out for the daily sinusoid");
  }
  if (!folder_) {
    out = text;
    return Status::Ok();
  }
  const std::filesystem::path path(text);
  const std::filesystem::path resolved = path.is_absolute() ? path : *folder_ / path;
  std::error_code error;
  if (!std::filesystem::is_regular_file(resolved, error)) {
    return Error(item.mark, item.path, fmt::format("no such file: {}", resolved.string()),
                 StatusCode::kNotFound);
  }
  out = resolved.string();
  return Status::Ok();
}

Status Parser::ReadFaultKind(const Item& item, FaultKind& out) const {
  std::string text;
  if (Status s = Read(item, text); !s.ok()) return s;
  std::vector<std::string_view> names;
  for (FaultKind kind : kFaultKinds) {
    if (FaultKindName(kind) == text) {
      out = kind;
      return Status::Ok();
    }
    names.push_back(FaultKindName(kind));
  }
  return Error(item.mark, item.path, NotOneOf("fault kind", text, names));
}

Status Parser::ReadSensorModel(const Item& item, SensorModel& out) const {
  std::string text;
  if (Status s = Read(item, text); !s.ok()) return s;
  std::vector<std::string_view> names;
  for (const SensorModelName& m : kSensorModels) {
    if (m.name == text) {
      out = m.model;
      return Status::Ok();
    }
    names.push_back(m.name);
  }
  return Error(item.mark, item.path, NotOneOf("sensor model", text, names));
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

Status Parser::CheckOneDocument(std::string_view yaml) const {
  std::istringstream in{std::string(yaml)};
  YAML::Parser parser(in);
  DocumentScan scan;
  try {
    while (parser.HandleNextDocument(scan)) {
      const std::vector<DocumentScan::Document>& documents = scan.documents();
      const size_t n = documents.size();
      if (n < 2) continue;
      const YAML::Mark& start = documents[n - 1].start;
      // Each document that consumes input starts further on; one that does not never will.
      if (start.pos == documents[n - 2].start.pos || n > yaml.size() + 1) {
        const auto pos = static_cast<size_t>(std::max(start.pos, 0));
        const std::string token = pos < yaml.size() ? std::string(1, yaml[pos]) : "end of input";
        return Error(start, "", fmt::format("YAML syntax error: unexpected \"{}\"", token));
      }
      // One scenario per file: a second document would otherwise be ignored without a word.
      if (!documents[n - 1].empty) {
        return Error(start, "", "a scenario file holds one YAML document");
      }
    }
  } catch (const YAML::Exception& e) {
    return Error(e.mark, "", "YAML syntax error: " + e.msg);
  }
  return Status::Ok();
}

Result<Scenario> Parser::Parse(std::string_view yaml) {
  if (Status s = CheckOneDocument(yaml); !s.ok()) return s;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Error(e.mark, "", "YAML syntax error: " + e.msg);
  }
  const YAML::Mark root_mark = root.IsNull() ? YAML::Mark() : root.Mark();
  Record("", root_mark, "");

  Scenario scenario;
  std::vector<std::string> keys;
  if (Status s = ParseMapping(Item{root, root_mark, ""}, ScenarioTable(), scenario, &keys);
      !s.ok()) {
    return s;
  }
  if (Status s = ParseRacks(scenario); !s.ok()) return s;
  if (Status s = ParseAcs(scenario); !s.ok()) return s;
  if (std::find(keys.begin(), keys.end(), "name") == keys.end()) {
    scenario.name = std::filesystem::path(source_).stem().string();
  }
  scenario.source = source_;
  if (std::optional<ScenarioIssue> issue = FindScenarioIssue(scenario)) return Place(*issue);
  return scenario;
}

}  // namespace

Result<Scenario> ParseScenario(std::string_view yaml, std::string_view source) {
  return Parser(source, std::nullopt).Parse(yaml);
}

Result<Scenario> LoadScenario(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return NotFound(path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return IOError(path + ": read failed");
  return Parser(path, std::filesystem::path(path).parent_path()).Parse(text.str());
}

}  // namespace coolflow::room
