#include "agent/inputs/sysfs/sysfs_sensor.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "agent/inputs/kernel/kernel_file.h"
#include "agent/inputs/sysfs/sysfs_parse.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "reading/validate.h"

namespace coolflow::agent {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kIioDevicesDir = "bus/iio/devices";
constexpr std::string_view kW1DevicesDir = "bus/w1/devices";
constexpr std::string_view kHwmonDir = "class/hwmon";
constexpr std::string_view kIioDevicePrefix = "iio:device";
constexpr std::string_view kHwmonDevicePrefix = "hwmon";
constexpr std::string_view kNameFile = "name";
// Older hwmon drivers keep their attributes in the parent device's directory.
constexpr std::string_view kHwmonParentDir = "device";
constexpr std::string_view kInputSuffix = "_input";
constexpr std::string_view kRawSuffix = "_raw";
constexpr std::string_view kOffsetSuffix = "_offset";
constexpr std::string_view kScaleSuffix = "_scale";
constexpr std::string_view kW1TemperatureFile = "temperature";
constexpr std::string_view kW1SlaveFile = "w1_slave";
constexpr std::string_view kSensorTag = "sensor";

// The DS18B20's temperature register reads +85 °C (0550h) from power-on until a conversion
// completes (DS18B20 datasheet, "Operation - Measuring Temperature"); w1_therm passes it on
// when a conversion was cut short, typically by a weak parasite-power supply.
constexpr int64_t kW1PowerOnMilliCelsius = 85'000;

constexpr double kMilli = 1e-3;
constexpr double kMicro = 1e-6;
constexpr double kKilopascalInHectopascal = 10;

constexpr std::string_view kTempMeasurement = "temp";
constexpr std::string_view kPowerMeasurement = "power";
constexpr std::string_view kFanMeasurement = "fan";

// Units from Documentation/ABI/testing/sysfs-bus-iio (in_temp*: milli degrees Celsius,
// in_humidityrelative*: milli percent, in_pressure*: kilopascal; the bmp280 driver reports
// BME280/BMP280 pressure as Pa/1000 through IIO_VAL_FRACTIONAL), sysfs-driver-w1_therm
// (1/1000 degC) and sysfs-class-hwmon (tempY: millidegree Celsius, humidityY: milli-percent,
// powerY: microWatt, currY: milliampere, inY: millivolt, fanY: RPM).
constexpr ChannelSpec kChannelSpecs[] = {
    {"temperature", SysfsKind::kIio, "in_temp", "in_temp", kMilli, kTempMeasurement},
    {"humidity", SysfsKind::kIio, "in_humidityrelative", "in_humidityrelative", kMilli,
     kTempMeasurement},
    {"pressure", SysfsKind::kIio, "in_pressure", "in_pressure", kKilopascalInHectopascal,
     kTempMeasurement},
    {"temperature", SysfsKind::kW1, kW1TemperatureFile, "", kMilli, kTempMeasurement},
    {"power", SysfsKind::kHwmon, "power1", "power", kMicro, kPowerMeasurement},
    {"current", SysfsKind::kHwmon, "curr1", "curr", kMilli, kPowerMeasurement},
    {"voltage", SysfsKind::kHwmon, "in0", "in", kMilli, kPowerMeasurement},
    {"fan_speed", SysfsKind::kHwmon, "fan1", "fan", 1.0, kFanMeasurement},
    {"temperature", SysfsKind::kHwmon, "temp1", "temp", kMilli, kTempMeasurement},
    {"humidity", SysfsKind::kHwmon, "humidity1", "humidity", kMilli, kTempMeasurement},
};

// Channels looked for when a sensor names none (see SysfsSensor::channels).
bool AutoDetected(const ChannelSpec& spec) {
  return spec.kind != SysfsKind::kHwmon || spec.metric != "voltage";
}

std::string_view KindLabel(SysfsKind kind) {
  switch (kind) {
    case SysfsKind::kIio:
      return "IIO";
    case SysfsKind::kW1:
      return "1-Wire";
    case SysfsKind::kHwmon:
      return "hwmon";
  }
  return "?";
}

fs::path Join(const fs::path& dir, std::string_view a, std::string_view b = {}) {
  std::string name(a);
  name.append(b);
  return dir / name;
}

bool Exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

// A value as the kernel gave it, before conversion to the catalog unit.
struct Value {
  double kernel_value = 0;
  fs::path file;
  std::string text;
};
struct Failure {
  fs::path file;
  std::string why;
};
using Outcome = std::variant<Value, Failure>;

// What a parser makes of a file's text: a value, or why not and whether a new read may help.
struct Parsed {
  std::optional<double> value;
  bool transient = false;
  std::string why;
};
using Parser = std::function<Parsed(std::string_view text)>;

Parsed ParseNumber(std::string_view text) {
  auto number = ParseSysfsNumber(text);
  if (!number.ok()) return {std::nullopt, false, number.status().message()};
  return {*number, false, {}};
}

std::string_view Plural(int n) {
  return n == 1 ? "" : "s";
}

// The retry loop shared by every file a sensor reads.
class Attempts {
 public:
  Attempts(const RetryPolicy& policy, FileReader& reader, ReadContext& context, SteadyTime deadline)
      : policy_(policy), reader_(reader), context_(context), deadline_(deadline) {}

  // Reads `file` and hands its text to `parse` until a value comes, a failure that a retry
  // cannot mend, max_attempts, or no time left before the deadline.
  Outcome Read(const fs::path& file, const Parser& parse) {
    if (std::chrono::steady_clock::now() >= deadline_) {
      return Failure{file, "not read: the poll deadline had passed before its turn"};
    }
    std::string last;
    for (int attempt = 1;; ++attempt) {
      context_.Starting(file);
      FileText text = reader_.Read(file, kMaxAttributeBytes);
      if (text.error != 0) {
        if (!IsTransientReadError(text.error))
          return Failure{file, kernel::DescribeErrno("read", text.error)};
        last = fmt::format("read failed: {}", kernel::ErrnoName(text.error));
      } else {
        Parsed parsed = parse(text.text);
        if (parsed.value) return Value{*parsed.value, file, std::move(text.text)};
        if (!parsed.transient) return Failure{file, std::move(parsed.why)};
        last = std::move(parsed.why);
      }
      if (attempt >= policy_.max_attempts) {
        return Failure{file, fmt::format("{} after {} attempt{}", last, attempt, Plural(attempt))};
      }
      const SteadyTime next = std::chrono::steady_clock::now() + policy_.retry_delay;
      if (next >= deadline_) {
        return Failure{file, fmt::format("{} after {} attempt{}; no time for another before "
                                         "the poll deadline",
                                         last, attempt, Plural(attempt))};
      }
      if (!context_.SleepUntil(next)) {
        return Failure{file, fmt::format("{} after {} attempt{}; the input is stopping", last,
                                         attempt, Plural(attempt))};
      }
    }
  }

 private:
  const RetryPolicy& policy_;
  FileReader& reader_;
  ReadContext& context_;
  const SteadyTime deadline_;
};

// IIO: <attribute>_input, or (<attribute>_raw + offset) * scale where the offset and scale
// are the channel's own (in_temp1_scale) or shared by its type (in_temp_scale).
Outcome ReadIio(const fs::path& dir, std::string_view attribute, std::string_view prefix,
                Attempts& attempts) {
  const fs::path input = Join(dir, attribute, kInputSuffix);
  if (Exists(input)) return attempts.Read(input, ParseNumber);
  const fs::path raw_file = Join(dir, attribute, kRawSuffix);
  if (!Exists(raw_file)) {
    return Failure{input, fmt::format("no {}{} or {}{}: the device has no such channel", attribute,
                                      kInputSuffix, attribute, kRawSuffix)};
  }
  Outcome raw = attempts.Read(raw_file, ParseNumber);
  if (std::holds_alternative<Failure>(raw)) return raw;
  // Reads the channel's own attribute, else the type's shared one, else `fallback`.
  auto modifier = [&](std::string_view suffix, double fallback) -> std::variant<double, Failure> {
    for (const std::string_view base : {attribute, prefix}) {
      const fs::path file = Join(dir, base, suffix);
      if (!Exists(file)) continue;
      Outcome got = attempts.Read(file, ParseNumber);
      if (auto* failure = std::get_if<Failure>(&got)) return std::move(*failure);
      return std::get<Value>(got).kernel_value;
    }
    return fallback;
  };
  auto offset = modifier(kOffsetSuffix, 0.0);
  if (auto* failure = std::get_if<Failure>(&offset)) return std::move(*failure);
  auto scale = modifier(kScaleSuffix, 1.0);
  if (auto* failure = std::get_if<Failure>(&scale)) return std::move(*failure);
  Value& value = std::get<Value>(raw);
  value.kernel_value = (value.kernel_value + std::get<double>(offset)) * std::get<double>(scale);
  return raw;
}

Parsed CheckW1Value(int64_t milli_celsius) {
  if (milli_celsius == kW1PowerOnMilliCelsius) {
    return {std::nullopt, true,
            "85 °C is the DS18B20's power-on value, not a measurement (the conversion did not "
            "finish: check the sensor's power)"};
  }
  return {static_cast<double>(milli_celsius), false, {}};
}

// 1-Wire: `temperature` when the kernel has it, else `w1_slave`.
Outcome ReadW1(const fs::path& dir, Attempts& attempts) {
  const fs::path temperature = dir / kW1TemperatureFile;
  if (Exists(temperature)) {
    return attempts.Read(temperature, [](std::string_view text) -> Parsed {
      Parsed number = ParseNumber(text);
      if (!number.value) return number;
      const double v = *number.value;
      // A whole number of milli-degrees is all w1_therm prints; anything else is garbage.
      if (v != static_cast<double>(static_cast<int64_t>(v))) {
        return {std::nullopt, false,
                fmt::format("{} is not a whole number of milli-degrees", QuoteFileText(text))};
      }
      return CheckW1Value(static_cast<int64_t>(v));
    });
  }
  const fs::path slave = dir / kW1SlaveFile;
  if (!Exists(slave)) {
    return Failure{slave,
                   "neither temperature nor w1_slave: is this slave a thermometer "
                   "(family 10, 22, 28, 3b, 42)?"};
  }
  return attempts.Read(slave, [](std::string_view text) -> Parsed {
    auto parsed = ParseW1Slave(text);
    if (!parsed.ok()) return {std::nullopt, false, parsed.status().message()};
    if (!parsed->crc_ok) return {std::nullopt, true, "CRC check failed (the driver said NO)"};
    if (parsed->all_zero) {
      return {std::nullopt, true,
              "every scratchpad byte is 00: the data line is held low (short circuit or no "
              "power?)"};
    }
    return CheckW1Value(parsed->milli_celsius);
  });
}

fs::path HwmonFile(const fs::path& dir, std::string_view attribute) {
  const fs::path own = Join(dir, attribute, kInputSuffix);
  if (Exists(own)) return own;
  const fs::path parent = Join(dir / kHwmonParentDir, attribute, kInputSuffix);
  return Exists(parent) ? parent : own;
}

Outcome ReadHwmon(const fs::path& dir, std::string_view attribute, Attempts& attempts) {
  const fs::path file = HwmonFile(dir, attribute);
  if (!Exists(file)) {
    return Failure{file,
                   fmt::format("no {}{}: the device has no such channel", attribute, kInputSuffix)};
  }
  return attempts.Read(file, ParseNumber);
}

bool HasChannel(SysfsKind kind, const fs::path& dir, std::string_view attribute) {
  switch (kind) {
    case SysfsKind::kIio:
      return Exists(Join(dir, attribute, kInputSuffix)) || Exists(Join(dir, attribute, kRawSuffix));
    case SysfsKind::kW1:
      return true;
    case SysfsKind::kHwmon:
      return Exists(HwmonFile(dir, attribute));
  }
  return false;
}

// The device's `name` file without its newline; "" when it cannot be read.
std::string DeviceName(FileReader& reader, const fs::path& dir, SysfsKind kind) {
  FileText text = reader.Read(dir / kNameFile, kMaxAttributeBytes);
  if (text.error != 0 && kind == SysfsKind::kHwmon) {
    text = reader.Read(dir / kHwmonParentDir / kNameFile, kMaxAttributeBytes);
  }
  if (text.error != 0) return {};
  while (!text.text.empty() && (text.text.back() == '\n' || text.text.back() == ' ')) {
    text.text.pop_back();
  }
  return std::move(text.text);
}

// The dht11 driver names its IIO device after the platform device, which carries the
// device-tree unit address ("dht11@4"): "dht11" matches it.
bool NameMatches(std::string_view name, std::string_view wanted) {
  if (name == wanted) return true;
  return name.size() > wanted.size() && name.substr(0, wanted.size()) == wanted &&
         name[wanted.size()] == '@';
}

fs::path ClassDir(const fs::path& root, SysfsKind kind) {
  switch (kind) {
    case SysfsKind::kIio:
      return root / kIioDevicesDir;
    case SysfsKind::kW1:
      return root / kW1DevicesDir;
    case SysfsKind::kHwmon:
      return root / kHwmonDir;
  }
  return root;
}

std::variant<fs::path, Failure> ResolveDevice(const fs::path& root, const SysfsSensor& sensor,
                                              FileReader& reader) {
  const fs::path class_dir = ClassDir(root, sensor.kind);
  const fs::path direct = class_dir / sensor.device;
  std::error_code ec;
  if (fs::is_directory(direct, ec)) return direct;
  if (sensor.kind == SysfsKind::kW1) {
    return Failure{direct, fmt::format("no 1-Wire slave {} on the bus (wiring, power, the "
                                       "w1-gpio overlay?)",
                                       sensor.device)};
  }
  const std::string_view prefix =
      sensor.kind == SysfsKind::kIio ? kIioDevicePrefix : kHwmonDevicePrefix;
  std::vector<std::string> entries;
  for (fs::directory_iterator it(class_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string entry = it->path().filename().string();
    if (entry.compare(0, prefix.size(), prefix) == 0) entries.push_back(std::move(entry));
  }
  if (ec) {
    return Failure{class_dir, fmt::format("cannot list {} devices: {} (is the driver loaded?)",
                                          KindLabel(sensor.kind), ec.message())};
  }
  std::sort(entries.begin(), entries.end());
  std::vector<std::string> matches;
  std::vector<std::string> seen;
  for (const std::string& entry : entries) {
    const std::string name = DeviceName(reader, class_dir / entry, sensor.kind);
    seen.push_back(fmt::format("{}={}", entry, name.empty() ? "?" : name));
    if (NameMatches(name, sensor.device)) matches.push_back(entry);
  }
  if (matches.size() == 1) return class_dir / matches.front();
  if (matches.empty()) {
    return Failure{
        class_dir,
        fmt::format("no {} device named '{}' (found: {})", KindLabel(sensor.kind), sensor.device,
                    seen.empty() ? "none" : fmt::format("{}", fmt::join(seen, ", ")))};
  }
  return Failure{
      class_dir,
      fmt::format("{} {} devices are named '{}' ({}): name the one to read by its "
                  "directory",
                  matches.size(), KindLabel(sensor.kind), sensor.device, fmt::join(matches, ", "))};
}

}  // namespace

const ChannelSpec* FindChannelSpec(SysfsKind kind, std::string_view metric) {
  for (const ChannelSpec& spec : kChannelSpecs) {
    if (spec.kind == kind && spec.metric == metric) return &spec;
  }
  return nullptr;
}

std::optional<std::string> CheckChannelAttribute(const ChannelSpec& spec,
                                                 std::string_view attribute) {
  if (spec.kind == SysfsKind::kW1) {
    return std::string("a 1-Wire thermometer has one value and takes no attribute");
  }
  const std::string_view prefix = spec.attribute_prefix;
  if (attribute.substr(0, prefix.size()) != prefix) {
    return fmt::format("attribute '{}' does not start with '{}', as {} attributes for {} do",
                       attribute, prefix, KindLabel(spec.kind), spec.metric);
  }
  const std::string_view rest = attribute.substr(prefix.size());
  if (spec.kind == SysfsKind::kHwmon) {
    const bool digits = !rest.empty() && std::all_of(rest.begin(), rest.end(),
                                                     [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) {
      return fmt::format("attribute '{}' must be '{}' and a channel number, such as '{}'",
                         attribute, prefix, spec.default_attribute);
    }
    return std::nullopt;
  }
  const bool plain = std::all_of(rest.begin(), rest.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!plain) {
    return fmt::format("attribute '{}' may hold only [a-z0-9_] after '{}'", attribute, prefix);
  }
  return std::nullopt;
}

SensorReader::SensorReader(const std::string& box, const fs::path& sysfs_root,
                           const SysfsSensor& sensor, const RetryPolicy& policy, FileReader& reader)
    : box_(box),
      sysfs_root_(sysfs_root),
      sensor_(sensor),
      policy_(policy),
      reader_(reader),
      tags_(sensor.tags) {
  tags_.push_back({std::string(kSensorTag), sensor.name});
  reading::SortTags(tags_);  // no duplicate keys: the config was validated
}

std::variant<SensorReader::Device, InputError> SensorReader::FindDevice() const {
  auto found = ResolveDevice(sysfs_root_, sensor_, reader_);
  if (auto* failure = std::get_if<Failure>(&found)) {
    return InputError{failure->file.string(),
                      fmt::format("sensor {}: {}", sensor_.name, failure->why)};
  }
  Device device{std::get<fs::path>(found), sensor_.channels};
  if (device.channels.empty()) {
    for (const ChannelSpec& spec : kChannelSpecs) {
      if (spec.kind == sensor_.kind && AutoDetected(spec) &&
          HasChannel(spec.kind, device.dir, spec.default_attribute)) {
        device.channels.push_back({std::string(spec.metric), {}, 1.0, 0.0});
      }
    }
    if (device.channels.empty()) {
      return InputError{device.dir.string(),
                        fmt::format("sensor {}: the device has none of the channels coolflow "
                                    "reads; name them in the sensor's channels",
                                    sensor_.name)};
    }
  }
  return device;
}

void SensorReader::Read(TimeNs now, SteadyTime deadline, ReadContext& context, PollResult& out) {
  const bool known = device_.has_value();
  if (!known) {
    auto found = FindDevice();
    if (auto* error = std::get_if<InputError>(&found)) {
      out.errors.push_back(std::move(*error));
      return;
    }
    device_ = std::move(std::get<Device>(found));
  }
  PollResult read;
  ReadChannels(*device_, now, deadline, context, read);
  if (!read.errors.empty() && known) {
    // Perhaps the device went away or moved (renumbered, reloaded). Gone: that is the
    // failure to report. Elsewhere: this read was of a stale directory and is done again
    // there. Still here: the read's own failures stand.
    auto found = FindDevice();
    if (auto* error = std::get_if<InputError>(&found)) {
      read.errors = {std::move(*error)};
    } else if (Device& device = std::get<Device>(found); device.dir != device_->dir) {
      device_ = std::move(device);
      read = {};
      ReadChannels(*device_, now, deadline, context, read);
    }
  }
  if (!read.errors.empty()) device_.reset();  // look again next time
  for (reading::Reading& r : read.readings)
    out.readings.push_back(std::move(r));
  for (InputError& e : read.errors)
    out.errors.push_back(std::move(e));
}

void SensorReader::ReadChannels(const Device& device, TimeNs now, SteadyTime deadline,
                                ReadContext& context, PollResult& out) const {
  const fs::path& dir = device.dir;
  Attempts attempts(policy_, reader_, context, deadline);
  const reading::ValidationOptions validation{
      // The poll's time is the reading's time: whether the box's clock is set is the
      // agent's concern, not each input's.
      .max_future = 0,
      .min_time = std::numeric_limits<TimeNs>::min(),
      .check_ranges = true,
  };
  for (const SysfsChannel& channel : device.channels) {
    const ChannelSpec* spec = FindChannelSpec(sensor_.kind, channel.metric);
    if (spec == nullptr) continue;  // refused by the config check
    const std::string_view attribute =
        channel.attribute.empty() ? spec->default_attribute : std::string_view(channel.attribute);
    Outcome outcome;
    switch (sensor_.kind) {
      case SysfsKind::kIio:
        outcome = ReadIio(dir, attribute, spec->attribute_prefix, attempts);
        break;
      case SysfsKind::kW1:
        outcome = ReadW1(dir, attempts);
        break;
      case SysfsKind::kHwmon:
        outcome = ReadHwmon(dir, attribute, attempts);
        break;
    }
    if (auto* failure = std::get_if<Failure>(&outcome)) {
      out.errors.push_back({failure->file.string(), std::move(failure->why)});
      continue;
    }
    const Value& value = std::get<Value>(outcome);
    reading::Reading r;
    r.box = box_;
    r.measurement = spec->measurement;
    r.metric = spec->metric;
    r.tags = tags_;
    r.time = now;
    r.value = value.kernel_value * spec->to_catalog_unit * channel.scale + channel.offset;
    reading::FillCatalogUnit(r);
    if (auto violation = reading::Validate(r, now, validation)) {
      out.errors.push_back(
          {value.file.string(),
           fmt::format("{} (the file read {})", violation->message, QuoteFileText(value.text))});
      continue;
    }
    out.readings.push_back(std::move(r));
  }
}

}  // namespace coolflow::agent
