// Kinds `sysfs` (Linux IIO, 1-Wire and hwmon sensors) and `host` (/proc of the agent's box).
#include "agent/config/bindings.h"
#include "agent/inputs/host/host_input.h"
#include "agent/inputs/sysfs/sysfs_input.h"
#include "agent/kinds.h"
#include "fmt/format.h"

namespace coolflow::agent::config {

using yaml::Item;
using yaml::Member;

namespace {

Status ReadTags(yaml::Reader& r, const Item& item, reading::TagSet& out) {
  std::map<std::string, std::string> tags;
  if (Status s = r.Read(item, tags); !s.ok()) return s;
  out.clear();
  for (auto& [key, value] : tags)
    out.push_back({key, value});
  return Status::Ok();
}

Status ReadFsPath(yaml::Reader& r, const Item& item, std::filesystem::path& out) {
  std::string text;
  if (Status s = r.Read(item, text); !s.ok()) return s;
  if (text.empty()) return r.Error(item, "is empty; expected a path");
  out = text;
  return Status::Ok();
}

const yaml::Table<SysfsChannel>& ChannelTable() {
  static const yaml::Table<SysfsChannel> table = {
      Member("metric", &SysfsChannel::metric),
      Member("attribute", &SysfsChannel::attribute),
      Member("scale", &SysfsChannel::scale),
      Member("offset", &SysfsChannel::offset),
  };
  return table;
}

const yaml::Table<SysfsSensor>& SensorTable() {
  static const yaml::Table<SysfsSensor> table = {
      Member("name", &SysfsSensor::name),
      {"kind",
       [](yaml::Reader& r, const Item& item, SysfsSensor& out) {
         static const SysfsKind kKinds[] = {SysfsKind::kIio, SysfsKind::kW1, SysfsKind::kHwmon};
         std::vector<std::string_view> names;
         for (SysfsKind k : kKinds)
           names.push_back(SysfsKindName(k));
         size_t i = 0;
         if (Status s = r.ReadChoice(item, names, "sensor kind", i); !s.ok()) return s;
         out.kind = kKinds[i];
         return Status::Ok();
       }},
      Member("device", &SysfsSensor::device),
      {"channels",
       [](yaml::Reader& r, const Item& item, SysfsSensor& out) {
         return r.ForEachElement(item, [&](const Item& element) {
           SysfsChannel channel;
           std::vector<std::string> keys;
           if (Status s = r.ParseMapping(element, ChannelTable(), channel, &keys); !s.ok()) {
             return s;
           }
           if (Status s = r.Require(element, keys, "metric"); !s.ok()) return s;
           out.channels.push_back(std::move(channel));
           return Status::Ok();
         });
       }},
      {"tags", [](yaml::Reader& r, const Item& item,
                  SysfsSensor& out) { return ReadTags(r, item, out.tags); }},
  };
  return table;
}

const yaml::Table<SysfsInputConfig>& SysfsTable() {
  static const yaml::Table<SysfsInputConfig> table = {
      {"sysfs_root", [](yaml::Reader& r, const Item& item,
                        SysfsInputConfig& out) { return ReadFsPath(r, item, out.sysfs_root); }},
      Member("max_attempts", &SysfsInputConfig::max_attempts),
      {"retry_delay",
       [](yaml::Reader& r, const Item& item, SysfsInputConfig& out) {
         TimeNs delay = 0;
         if (Status s = r.ReadDuration(item, delay); !s.ok()) return s;
         out.retry_delay =
             std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(delay));
         return Status::Ok();
       }},
      {"sensors",
       [](yaml::Reader& r, const Item& item, SysfsInputConfig& out) {
         return r.ForEachElement(item, [&](const Item& element) {
           SysfsSensor sensor;
           std::vector<std::string> keys;
           if (Status s = r.ParseMapping(element, SensorTable(), sensor, &keys); !s.ok()) {
             return s;
           }
           for (std::string_view key : {"name", "kind", "device"}) {
             if (Status s = r.Require(element, keys, key); !s.ok()) return s;
           }
           out.sensors.push_back(std::move(sensor));
           return Status::Ok();
         });
       }},
  };
  return table;
}

const yaml::Table<HostInputConfig>& HostTable() {
  static const yaml::Table<HostInputConfig> table = {
      {"proc_root", [](yaml::Reader& r, const Item& item,
                       HostInputConfig& out) { return ReadFsPath(r, item, out.proc_root); }},
      Member("interface", &HostInputConfig::interface),
      {"disk_path", [](yaml::Reader& r, const Item& item,
                       HostInputConfig& out) { return ReadFsPath(r, item, out.disk_path); }},
      {"tags", [](yaml::Reader& r, const Item& item,
                  HostInputConfig& out) { return ReadTags(r, item, out.tags); }},
  };
  return table;
}

// Runs the kind's own check with a placeholder box (the agent's is set at start), so a bad
// entry is reported at its position in the file.
template <typename Config, typename Validate>
Status Check(yaml::Reader& r, const Item& item, Config config, Validate validate) {
  config.box = "check";
  if (Status s = validate(config); !s.ok()) return r.Error(item, s.message());
  return Status::Ok();
}

}  // namespace

Status ParseSysfsInput(yaml::Reader& r, const Item& item, InputSpec& spec) {
  static const auto table = KindTable(CommonInputTable(), SysfsTable());
  KindEntry<InputSpec, SysfsInputConfig> entry;
  if (Status s = r.ParseMapping(item, table, entry); !s.ok()) return s;
  if (entry.options.sensors.empty()) return r.Error(item, "no sensors: list them under sensors");
  if (Status s = Check(r, item, entry.options, ValidateSysfsInputConfig); !s.ok()) return s;
  spec = std::move(entry.spec);
  spec.make = [options = entry.options](const AgentEnv& env) -> Result<std::unique_ptr<Input>> {
    SysfsInputConfig config = options;
    config.box = env.box;
    return MakeSysfsInput(config);
  };
  return Status::Ok();
}

Status ParseHostInput(yaml::Reader& r, const Item& item, InputSpec& spec) {
  static const auto table = KindTable(CommonInputTable(), HostTable());
  KindEntry<InputSpec, HostInputConfig> entry;
  if (Status s = r.ParseMapping(item, table, entry); !s.ok()) return s;
  if (Status s = Check(r, item, entry.options, ValidateHostInputConfig); !s.ok()) return s;
  spec = std::move(entry.spec);
  spec.make = [options = entry.options](const AgentEnv& env) -> Result<std::unique_ptr<Input>> {
    HostInputConfig config = options;
    config.box = env.box;
    return MakeHostInput(config);
  };
  return Status::Ok();
}

}  // namespace coolflow::agent::config
