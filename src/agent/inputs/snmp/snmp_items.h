// What the SNMP input asks a box for: the seed's 14 resource items plus sysUpTime, each
// with its numeric OID (no MIB files are loaded), its SNMP type and the catalog metric it
// becomes; and the table columns walked to find the indexes two of them need.
//
// Sources, all in every net-snmp snmpd since 5.x:
//   sysUpTime                  SNMPv2-MIB   .1.3.6.1.2.1.1.3.0       TimeTicks
//   ssCpuRawUser/System/Idle   UCD-SNMP-MIB .1.3.6.1.4.1.2021.11.5x.0 Counter32
//   laLoadInt.1/.2/.3          UCD-SNMP-MIB .1.3.6.1.4.1.2021.10.1.5.n INTEGER, load x 100
//   memTotalReal, memAvailReal, memBuffer, memCached, memAvailSwap
//                              UCD-SNMP-MIB .1.3.6.1.4.1.2021.4.n.0  INTEGER, KiB
//   dskPercent.<disk>          UCD-SNMP-MIB .1.3.6.1.4.1.2021.9.1.9.d INTEGER, %
//   ifHCInOctets/ifHCOutOctets.<if>  IF-MIB .1.3.6.1.2.1.31.1.1.1.6/10.i Counter64
//
// Why dskTable and not HOST-RESOURCES hrStorageTable for the disk: dskPercent is the used
// percentage itself (snmpd's used/size of the filesystem), one varbind, in a row named by
// its path (dskPath); hrStorage needs hrStorageSize and hrStorageUsed (two varbinds of
// Integer32 allocation units, which snmpd must rescale on large disks) and numbers memory
// and filesystems in one table whose rows move when filesystems are mounted. The cost is
// one `disk /` line in snmpd.conf, which also says which paths the box agrees to report.
//
// Why laLoadInt and not laLoad (a string) or laLoadFloat (an Opaque float): an INTEGER is
// portable across agents and exact to the two decimals the kernel's figure has.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace coolflow::agent::snmp {

// The items in the order the GET asks for them.
enum class Item : uint8_t {
  kUptime,
  kCpuUser,
  kCpuSystem,
  kCpuIdle,
  kLoad1,
  kLoad5,
  kLoad15,
  kMemoryTotal,
  kMemoryAvailable,
  kMemoryBuffers,
  kMemoryCached,
  kSwapAvailable,
  kDiskUsedPercent,
  kNetInOctets,
  kNetOutOctets,
};
inline constexpr size_t kItemCount = 15;

// The SNMP type an item must come as, and how it becomes a reading's value.
enum class ItemKind : uint8_t {
  kTimeTicks,  // TimeTicks -> double seconds
  kCounter32,  // Counter32 -> uint64
  kCounter64,  // Counter64 -> uint64
  kInteger,    // INTEGER (>= 0) x scale -> double
};

// Which table row completes an item's OID.
enum class ItemRow : uint8_t {
  kScalar,     // the OID is complete
  kDisk,       // append the dskTable index of the target's disk_path
  kInterface,  // append the ifIndex of the target's interface
};

struct ItemSpec {
  Item item;
  std::string_view metric;  // the catalog name (src/reading/units.cc)
  std::string_view oid;     // dotted numeric, without the row index for table items
  ItemKind kind;
  ItemRow row;
  double scale;  // for kInteger
};

inline constexpr std::array<ItemSpec, kItemCount> kItems = {{
    {Item::kUptime, "uptime", "1.3.6.1.2.1.1.3.0", ItemKind::kTimeTicks, ItemRow::kScalar, 1},
    {Item::kCpuUser, "cpu_user", "1.3.6.1.4.1.2021.11.50.0", ItemKind::kCounter32, ItemRow::kScalar,
     1},
    {Item::kCpuSystem, "cpu_system", "1.3.6.1.4.1.2021.11.52.0", ItemKind::kCounter32,
     ItemRow::kScalar, 1},
    {Item::kCpuIdle, "cpu_idle", "1.3.6.1.4.1.2021.11.53.0", ItemKind::kCounter32, ItemRow::kScalar,
     1},
    {Item::kLoad1, "load1", "1.3.6.1.4.1.2021.10.1.5.1", ItemKind::kInteger, ItemRow::kScalar,
     0.01},
    {Item::kLoad5, "load5", "1.3.6.1.4.1.2021.10.1.5.2", ItemKind::kInteger, ItemRow::kScalar,
     0.01},
    {Item::kLoad15, "load15", "1.3.6.1.4.1.2021.10.1.5.3", ItemKind::kInteger, ItemRow::kScalar,
     0.01},
    {Item::kMemoryTotal, "memory_total", "1.3.6.1.4.1.2021.4.5.0", ItemKind::kInteger,
     ItemRow::kScalar, 1},
    {Item::kMemoryAvailable, "memory_available", "1.3.6.1.4.1.2021.4.6.0", ItemKind::kInteger,
     ItemRow::kScalar, 1},
    {Item::kMemoryBuffers, "memory_buffers", "1.3.6.1.4.1.2021.4.14.0", ItemKind::kInteger,
     ItemRow::kScalar, 1},
    {Item::kMemoryCached, "memory_cached", "1.3.6.1.4.1.2021.4.15.0", ItemKind::kInteger,
     ItemRow::kScalar, 1},
    {Item::kSwapAvailable, "swap_available", "1.3.6.1.4.1.2021.4.4.0", ItemKind::kInteger,
     ItemRow::kScalar, 1},
    {Item::kDiskUsedPercent, "disk_used_percent", "1.3.6.1.4.1.2021.9.1.9", ItemKind::kInteger,
     ItemRow::kDisk, 1},
    {Item::kNetInOctets, "net_in_octets", "1.3.6.1.2.1.31.1.1.1.6", ItemKind::kCounter64,
     ItemRow::kInterface, 1},
    {Item::kNetOutOctets, "net_out_octets", "1.3.6.1.2.1.31.1.1.1.10", ItemKind::kCounter64,
     ItemRow::kInterface, 1},
}};

inline constexpr const ItemSpec& Spec(Item item) {
  return kItems[static_cast<size_t>(item)];
}

// The columns walked (GETBULK) to find a row's index by its name.
inline constexpr std::string_view kDskPathColumn = "1.3.6.1.4.1.2021.9.1.2";  // dskPath
inline constexpr std::string_view kIfNameColumn = "1.3.6.1.2.1.31.1.1.1.1";   // ifName
inline constexpr std::string_view kIfDescrColumn = "1.3.6.1.2.1.2.2.1.2";     // ifDescr

// The derived rates (counter_rates.h) and their catalog names.
inline constexpr std::string_view kCpuPercentMetric = "cpu_percent";
inline constexpr std::string_view kNetInRateMetric = "net_in_rate";
inline constexpr std::string_view kNetOutRateMetric = "net_out_rate";

// The measurement and the tag every SNMP reading carries.
inline constexpr std::string_view kResourceMeasurement = "resource";
inline constexpr std::string_view kIpTag = "ip";

}  // namespace coolflow::agent::snmp
