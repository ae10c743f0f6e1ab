// Kinds `lirc` and `fan` (devices): an AC's infrared remote through lircd, a PWM fan through
// hwmon.
#include "agent/actuators/fan/pwm_fan_actuator.h"
#include "agent/actuators/lirc/lirc_actuator.h"
#include "agent/config/bindings.h"
#include "agent/kinds.h"

namespace coolflow::agent::config {

using yaml::Item;
using yaml::Member;

namespace {

const yaml::Table<LircKeys>& LircKeysTable() {
  static const yaml::Table<LircKeys> table = {
      Member("power_on", &LircKeys::power_on), Member("power_off", &LircKeys::power_off),
      Member("setpoint", &LircKeys::setpoint), Member("mode", &LircKeys::mode),
      Member("fan", &LircKeys::fan),
  };
  return table;
}

const yaml::Table<AcState>& AcStateTable() {
  static const yaml::Table<AcState> table = {
      Member("power", &AcState::power),
      Member("setpoint", &AcState::setpoint_c),
      Member("mode", &AcState::mode),
      Member("fan", &AcState::fan),
  };
  return table;
}

const yaml::Table<LircOptions>& LircTable() {
  static const yaml::Table<LircOptions> table = {
      Member("socket", &LircOptions::socket),
      Member("remote", &LircOptions::remote),
      yaml::Section("keys", &LircKeysTable, &LircOptions::keys),
      yaml::Section("initial", &AcStateTable, &LircOptions::initial),
      {"timeout",
       [](yaml::Reader& r, const Item& item, LircOptions& out) {
         TimeNs timeout = 0;
         if (Status s = r.ReadDuration(item, timeout); !s.ok()) return s;
         out.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::nanoseconds(timeout));
         return Status::Ok();
       }},
  };
  return table;
}

const yaml::Table<FanOptions>& FanTable() {
  static const yaml::Table<FanOptions> table = {
      {"hwmon_root",
       [](yaml::Reader& r, const Item& item, FanOptions& out) {
         std::string path;
         if (Status s = r.Read(item, path); !s.ok()) return s;
         out.hwmon_root = path;
         return Status::Ok();
       }},
      Member("device", &FanOptions::device),
      Member("channel", &FanOptions::channel),
      Member("min_percent", &FanOptions::min_percent),
      Member("max_percent", &FanOptions::max_percent),
      Member("initial_percent", &FanOptions::initial_percent),
      Member("readback_tolerance", &FanOptions::readback_tolerance),
  };
  return table;
}

// A factory that reports the option at fault at the entry's position.
template <typename Options, typename Make>
ActuatorFactory Factory(Options options, Make make) {
  return [options = std::move(options), make](const AgentEnv&) { return make(options); };
}

}  // namespace

Status ParseLircDevice(yaml::Reader& r, const Item& item, DeviceSpec& spec) {
  static const auto table = KindTable(CommonDeviceTable(), LircTable());
  KindEntry<DeviceSpec, LircOptions> entry;
  if (Status s = r.ParseMapping(item, table, entry); !s.ok()) return s;
  spec = std::move(entry.spec);
  spec.device_class = DeviceClass::kAirConditioner;
  // One range for the gate and the actuator.
  entry.options.min_setpoint_c = spec.min_setpoint_c;
  entry.options.max_setpoint_c = spec.max_setpoint_c;
  // Checked now, so a bad key template is reported with the file position.
  if (auto check = MakeLircActuator(entry.options); !check.ok()) {
    return r.Error(item, check.status().message());
  }
  spec.make = Factory(entry.options, MakeLircActuator);
  return Status::Ok();
}

Status ParseFanDevice(yaml::Reader& r, const Item& item, DeviceSpec& spec) {
  static const auto table = KindTable(CommonDeviceTable(), FanTable());
  KindEntry<DeviceSpec, FanOptions> entry;
  std::vector<std::string> keys;
  if (Status s = r.ParseMapping(item, table, entry, &keys); !s.ok()) return s;
  if (Status s = r.Require(item, keys, "device"); !s.ok()) return s;
  spec = std::move(entry.spec);
  spec.device_class = DeviceClass::kFan;
  // The hwmon device is looked up when the agent starts: it may appear after a reboot.
  spec.make = Factory(entry.options, MakePwmFanActuator);
  return Status::Ok();
}

}  // namespace coolflow::agent::config
