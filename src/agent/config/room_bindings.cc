// Kinds `room` (input and device): the simulated room of the config's `room` section.
#include "agent/config/bindings.h"
#include "agent/kinds.h"
#include "agent/room/simulated_room.h"

namespace coolflow::agent::config {

using yaml::Item;
using yaml::Member;

namespace {

const yaml::Table<RoomInputOptions>& RoomInputTable() {
  static const yaml::Table<RoomInputOptions> table = {
      Member("racks", &RoomInputOptions::racks),
      Member("acs", &RoomInputOptions::acs),
      Member("servers", &RoomInputOptions::servers),
  };
  return table;
}

const yaml::Table<RoomAcOptions>& RoomAcTable() {
  static const yaml::Table<RoomAcOptions> table = {Member("ac", &RoomAcOptions::ac)};
  return table;
}

}  // namespace

Status ParseRoomInput(yaml::Reader& r, const Item& item, InputSpec& spec) {
  static const auto table = KindTable(CommonInputTable(), RoomInputTable());
  KindEntry<InputSpec, RoomInputOptions> entry;
  if (Status s = r.ParseMapping(item, table, entry); !s.ok()) return s;
  spec = std::move(entry.spec);
  spec.make = [options = entry.options](const AgentEnv& env) -> Result<std::unique_ptr<Input>> {
    if (env.room == nullptr) return InvalidArgument("no simulated room (the `room` section)");
    RoomInputOptions o = options;
    o.box = env.box;
    return MakeRoomInput(*env.room, o);
  };
  return Status::Ok();
}

Status ParseRoomDevice(yaml::Reader& r, const Item& item, DeviceSpec& spec) {
  static const auto table = KindTable(CommonDeviceTable(), RoomAcTable());
  KindEntry<DeviceSpec, RoomAcOptions> entry;
  if (Status s = r.ParseMapping(item, table, entry); !s.ok()) return s;
  spec = std::move(entry.spec);
  if (entry.options.ac.empty()) entry.options.ac = spec.name;
  spec.device_class = DeviceClass::kAirConditioner;
  spec.make = [options = entry.options](const AgentEnv& env) -> Result<std::unique_ptr<Actuator>> {
    if (env.room == nullptr) return InvalidArgument("no simulated room (the `room` section)");
    return MakeRoomAcActuator(*env.room, options);
  };
  return Status::Ok();
}

}  // namespace coolflow::agent::config
