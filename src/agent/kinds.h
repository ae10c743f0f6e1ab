// The registered input and device kinds: each binds its own YAML keys to its options and
// makes a factory. Adding a kind means one entry in kinds.cc and a binding file in
// src/agent/config/; nothing else changes.
#pragma once

#include <functional>
#include <span>
#include <string_view>

#include "agent/agent_config.h"
#include "common/yaml_reader.h"

namespace coolflow::agent {

// The generic keys every input entry may have (kind, name, interval, timeout).
const yaml::Table<InputSpec>& CommonInputTable();
// The generic keys every device entry may have (kind, name, min_setpoint, ...).
const yaml::Table<DeviceSpec>& CommonDeviceTable();

struct InputKind {
  std::string_view name;
  std::string_view summary;
  // Reads the whole entry (generic keys through CommonInputTable, then the kind's own) into
  // `spec`, setting spec.make. Errors carry the position of the key at fault.
  std::function<Status(yaml::Reader&, const yaml::Item&, InputSpec&)> parse;
};

struct DeviceKind {
  std::string_view name;
  std::string_view summary;
  std::function<Status(yaml::Reader&, const yaml::Item&, DeviceSpec&)> parse;
};

std::span<const InputKind> InputKinds();
std::span<const DeviceKind> DeviceKinds();

// A kind's entry: the generic spec and the kind's own options, read through one table so an
// unknown key is refused with the nearest valid one suggested.
template <typename Spec, typename Options>
struct KindEntry {
  Spec spec;
  Options options;
};

template <typename Spec, typename Options>
yaml::Table<KindEntry<Spec, Options>> KindTable(const yaml::Table<Spec>& common,
                                                const yaml::Table<Options>& own) {
  yaml::Table<KindEntry<Spec, Options>> table;
  yaml::AppendNested(table, common, &KindEntry<Spec, Options>::spec);
  yaml::AppendNested(table, own, &KindEntry<Spec, Options>::options);
  return table;
}

}  // namespace coolflow::agent
