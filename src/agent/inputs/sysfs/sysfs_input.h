// Sensors the Linux kernel exposes in sysfs, read as the kernel lays them out:
//
//   IIO     /sys/bus/iio/devices/iio:deviceN/      dht11 (DHT11/DHT22), bme280/bmp280, ...
//             in_temp_input              milli-°C
//             in_humidityrelative_input  milli-%RH
//             in_pressure_input          kPa
//           or, for drivers without a processed value, in_<type>_raw with optional
//           in_<type>_offset and in_<type>_scale: value = (raw + offset) * scale, in the same
//           units (Documentation/ABI/testing/sysfs-bus-iio).
//   1-Wire  /sys/bus/w1/devices/28-xxxxxxxxxxxx/    DS18B20 and kin (w1_therm)
//             temperature   milli-°C (kernels from 5.9; preferred when present)
//             w1_slave      CRC verdict + milli-°C (see ParseW1Slave)
//           (Documentation/ABI/testing/sysfs-driver-w1_therm)
//   hwmon   /sys/class/hwmon/hwmonN/                 ina219, pwm-fan, ...
//             powerN_input µW, currN_input mA, inN_input mV, fanN_input RPM,
//             tempN_input m°C, humidityN_input m%RH
//           (Documentation/ABI/testing/sysfs-class-hwmon, Documentation/hwmon/sysfs-interface)
//
// Every value is converted to the metric catalog's unit (reading/units.cc): temperature °C,
// humidity %RH, power W, current A, voltage V, fan_speed rpm; pressure (not yet in the
// catalog) in hPa. Readings go to measurement "temp" (temperature, humidity, pressure),
// "power" (power, current, voltage) or "fan" (fan_speed), tagged `sensor=<name>` plus the
// sensor's own tags.
//
// Reads that fail the way sensors fail (EIO, ETIMEDOUT, EAGAIN from the driver; a w1 CRC
// mismatch; the DS18B20's 85 °C power-on value) are retried up to max_attempts times,
// retry_delay apart, while the poll's deadline allows; what still fails is reported as an
// InputError naming the file. Each sensor is read on its own thread, so a sensor whose read
// hangs in the kernel costs only its own readings: Poll returns by its deadline with what
// the others gave.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agent/input.h"
#include "agent/inputs/sysfs/file_reader.h"
#include "common/status.h"
#include "reading/reading.h"

namespace coolflow::agent {

enum class SysfsKind {
  kIio,    // Industrial I/O: /sys/bus/iio/devices
  kW1,     // 1-Wire thermometers: /sys/bus/w1/devices
  kHwmon,  // hardware monitoring: /sys/class/hwmon
};

// "iio", "w1", "hwmon".
std::string_view SysfsKindName(SysfsKind kind);

// One value to read from a sensor.
struct SysfsChannel {
  // The catalog metric: "temperature", "humidity", "pressure" (IIO, hwmon humidity),
  // "power", "current", "voltage", "fan_speed" (hwmon).
  std::string metric;
  // The attribute's base name when not the default: IIO "in_temp" / "in_humidityrelative" /
  // "in_pressure" (or an indexed one such as "in_temp1"); hwmon "temp1", "humidity1",
  // "power1", "curr1", "in0", "fan1" (or another index: "in1", "fan2"). Empty: the default.
  // A 1-Wire thermometer has one value and takes no attribute.
  std::string attribute;
  // Calibration, in the catalog unit: value = measured * scale + offset.
  double scale = 1.0;
  double offset = 0.0;
};

struct SysfsSensor {
  // Unique within the input; the `sensor` tag of its readings ("rack3-top").
  std::string name;
  SysfsKind kind = SysfsKind::kIio;
  // Which device. IIO: the directory ("iio:device0") or the device's `name` file ("dht11",
  // "bme280"; the dht11 driver may append "@<gpio>", which matches too). 1-Wire: the slave
  // id ("28-0000071c6b2f"). hwmon: the directory ("hwmon2") or the `name` file ("ina219").
  // Device numbers follow probe order and may change across boots; names do not, but must
  // then be unique on the box.
  std::string device;
  // What to read. Empty: IIO, every temperature, humidity and pressure channel the device
  // has; 1-Wire, its temperature; hwmon, whichever of power1, curr1, fan1, temp1 and
  // humidity1 exist (inN is not guessed: in0 is often a shunt or reference voltage).
  std::vector<SysfsChannel> channels;
  // Tags of every reading (rack, zone, position, ...); `sensor`, `box` and `time` are taken.
  reading::TagSet tags;
};

struct SysfsInputConfig {
  std::string box;  // the agent box the readings belong to
  std::filesystem::path sysfs_root = "/sys";
  std::vector<SysfsSensor> sensors;
  // Tries per file read, the first included (1 = no retry).
  int max_attempts = 3;
  // Pause before a retry. The DHT22 needs 2 s between transfers (AM2302 datasheet: "collecting
  // period ... 2 s"); shorter pauses make the retry fail the same way.
  std::chrono::milliseconds retry_delay{2000};
};

inline constexpr int kMaxSysfsAttempts = 10;
inline constexpr std::chrono::milliseconds kMaxSysfsRetryDelay{10'000};

// Checks `config` without touching the filesystem; errors name the field, such as
// "sensors[2] (rack3-top): channels[0]: a 1-Wire thermometer has only temperature".
Status ValidateSysfsInputConfig(const SysfsInputConfig& config);

// A sysfs input reading through `reader` (tests script failures with it); nullptr: the
// kernel reader. Fails only on an invalid config: missing devices and files are poll errors,
// since sensors come and go (a hotplugged USB hub, a module loaded later).
Result<std::unique_ptr<Input>> MakeSysfsInput(const SysfsInputConfig& config,
                                              std::unique_ptr<FileReader> reader = nullptr);

}  // namespace coolflow::agent
