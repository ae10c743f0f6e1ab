// Internal to the sysfs input: reading one configured sensor once, synchronously, with the
// retry policy. SysfsInput runs one SensorReader per sensor on that sensor's own thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/input.h"
#include "agent/inputs/sysfs/file_reader.h"
#include "agent/inputs/sysfs/sysfs_input.h"

namespace coolflow::agent {

using SteadyTime = std::chrono::steady_clock::time_point;

// What a metric is on each kind of device: where the kernel keeps it, in which unit.
struct ChannelSpec {
  std::string_view metric;
  SysfsKind kind;
  // The attribute read when the channel names none ("in_temp", "temp1").
  std::string_view default_attribute;
  // What every attribute of this type starts with ("in_temp", "temp"); hwmon attributes are
  // this prefix and a channel number.
  std::string_view attribute_prefix;
  // Multiplies the kernel's value into the catalog unit (milli-°C → °C: 0.001).
  double to_catalog_unit;
  std::string_view measurement;
};

// The spec of `metric` on `kind`, or nullptr when that kind of device does not measure it.
const ChannelSpec* FindChannelSpec(SysfsKind kind, std::string_view metric);

// Whether `attribute` may name a channel of `spec` ("in_temp1" for IIO temperature, "fan2"
// for hwmon fan_speed); a message saying why not otherwise.
std::optional<std::string> CheckChannelAttribute(const ChannelSpec& spec,
                                                 std::string_view attribute);

// What a SensorReader needs from the thread that runs it.
class ReadContext {
 public:
  virtual ~ReadContext() = default;
  // Called before each file read, with the file: the input reports it when a read hangs.
  virtual void Starting(const std::filesystem::path& file) = 0;
  // Pauses until `until`; false when the input is shutting down and the read should stop.
  virtual bool SleepUntil(SteadyTime until) = 0;
};

struct RetryPolicy {
  int max_attempts = 1;
  std::chrono::milliseconds retry_delay{0};
};

class SensorReader {
 public:
  // Keeps references to all arguments; they must outlive the reader.
  SensorReader(const std::string& box, const std::filesystem::path& sysfs_root,
               const SysfsSensor& sensor, const RetryPolicy& policy, FileReader& reader);

  // Reads every channel of the sensor once, appending readings stamped `now` and errors to
  // `out`. Starts no read and no retry pause after `deadline`.
  //
  // The device's directory (hwmonN, iio:deviceN are numbered at boot) and its channels are
  // looked up on the first read and kept while reads succeed. When a read fails they are
  // looked up again: a device found elsewhere (renumbered, reloaded) is read again there at
  // once; otherwise the next read looks once more, so one unplugged and plugged back in is
  // found again. Not thread-safe: one thread reads a sensor at a time.
  void Read(TimeNs now, SteadyTime deadline, ReadContext& context, PollResult& out);

 private:
  struct Device {
    std::filesystem::path dir;
    std::vector<SysfsChannel> channels;
  };
  // The device and the channels to read, or why there are none.
  std::variant<Device, InputError> FindDevice() const;
  // Reads `device`'s channels once (the body of Read).
  void ReadChannels(const Device& device, TimeNs now, SteadyTime deadline, ReadContext& context,
                    PollResult& out) const;

  const std::string& box_;
  const std::filesystem::path& sysfs_root_;
  const SysfsSensor& sensor_;
  const RetryPolicy& policy_;
  FileReader& reader_;
  reading::TagSet tags_;          // the sensor's tags and `sensor`, sorted
  std::optional<Device> device_;  // found by the last read, which succeeded
};

}  // namespace coolflow::agent
