// A fan on a PWM output, driven through the kernel's hwmon sysfs interface
// (Documentation/hwmon/sysfs-interface.rst, "PWM"):
//
//   pwmN         duty cycle, an integer 0..255, "255 is max or 100%"
//   pwmN_enable  0: no speed control (full speed), 1: manual (using pwmN), 2+: automatic
//
// Apply merges the command into the fan's state (power, duty in percent) and writes it:
//   1. pwmN_enable: read it; when it is not 1, write 1 and read it back (hands the fan to
//      pwmN). In practice that happens once, at the first command; again only when
//      something else (a BIOS, fancontrol) took the fan back. A chip without pwmN_enable
//      is always manual (every attribute but `name` is optional, says the ABI).
//   2. pwmN = round(percent * 255 / 100) ("0" when the power is off), then read back:
//      a value more than readback_tolerance away means the write did not take.
// Commands a fan cannot take (setpoint_c, mode, fan) and a duty outside
// [min_percent, max_percent] are refused (InvalidArgument / OutOfRange) and nothing is
// written. Write errors name the file and the errno; PermissionDenied says the agent lacks
// write access to hwmon.
//
// Thread safety: Apply is called from one thread at a time (actuator.h); the actuator keeps
// no state that other threads read.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "agent/actuator.h"
#include "common/status.h"

namespace coolflow::agent {

struct FanOptions {
  std::filesystem::path hwmon_root = "/sys/class/hwmon";
  // The hwmon device: its directory under hwmon_root ("hwmon2"), or its chip name (the
  // `name` file: "pwmfan", "nct6775"), which survives reboots where the numbering may not.
  std::string device;
  // N in pwmN.
  int channel = 1;
  // The duties the fan may be set to, in percent. min_percent is the lowest at which it
  // runs reliably (many fans stall below 20-30 %); stopping it is `power: false`.
  double min_percent = 0;
  double max_percent = 100;
  // The duty used when the fan is switched on before any fan_percent was given. Full
  // speed: the safe side for a server room.
  double initial_percent = 100;
  // How far (in pwm steps of 1/255) the value read back may differ from the one written.
  // The ABI lets drivers round to what the chip holds: adm1031 keeps 4 bits (steps of 16).
  int readback_tolerance = 16;
};

// Resolves the device (NotFound lists the devices there are; InvalidArgument when a chip
// name matches more than one), checks that pwmN exists and the options are sane, and
// returns the actuator. Writes nothing.
Result<std::unique_ptr<Actuator>> MakePwmFanActuator(const FanOptions& options);

// The pwm value for `percent` (0..100): round(percent * 255 / 100).
int PwmFromPercent(double percent);

}  // namespace coolflow::agent
