#include "agent/actuators/fan/pwm_fan_actuator.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <system_error>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "fmt/ranges.h"

namespace coolflow::agent {
namespace {

namespace fs = std::filesystem;

constexpr int kPwmMax = 255;  // sysfs-interface.rst: "255 is max or 100%"
constexpr double kPercentMax = 100;
constexpr long kPwmEnableManual = 1;
// sysfs attributes hold one short number; more than this is not an hwmon attribute.
constexpr size_t kMaxAttributeBytes = 64;

std::string ErrnoText(int err) {
  return std::error_code(err, std::generic_category()).message();
}

Status FileError(int err, std::string_view verb, const fs::path& path) {
  const std::string message = fmt::format("{} {}: {}", verb, path.string(), ErrnoText(err));
  switch (err) {
    case ENOENT:
      return NotFound(message);
    case EACCES:
    case EPERM:
      return {StatusCode::kPermissionDenied,
              message +
                  " (the agent needs write access to hwmon: run it as root, or give its "
                  "user the file with a udev rule)"};
    default:
      return IOError(message);
  }
}

std::string Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "";
  const size_t last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

Result<std::string> ReadAttribute(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(errno, "open", path);
  char buffer[kMaxAttributeBytes];
  ssize_t n = 0;
  do {
    n = ::read(fd, buffer, sizeof(buffer));
  } while (n < 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  if (n < 0) return FileError(err, "read", path);
  return Trim(std::string_view(buffer, static_cast<size_t>(n)));
}

Result<long> ReadInteger(const fs::path& path) {
  auto text = ReadAttribute(path);
  if (!text.ok()) return text.status();
  long value = 0;
  const char* first = text->data();
  const char* last = first + text->size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (text->empty() || ec != std::errc() || end != last) {
    return IOError(fmt::format("{} reads \"{}\", not an integer", path.string(), *text));
  }
  return value;
}

// One write(2) of the decimal value and a newline, as `echo N > file` does: sysfs takes an
// attribute's value from a single write.
Status WriteInteger(const fs::path& path, long value) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return FileError(errno, "open", path);
  const std::string text = fmt::format("{}\n", value);
  ssize_t n = 0;
  do {
    n = ::write(fd, text.data(), text.size());
  } while (n < 0 && errno == EINTR);
  const int write_errno = errno;
  const int closed = ::close(fd);
  const int close_errno = errno;
  const std::string verb = fmt::format("write {} to", value);
  if (n < 0) return FileError(write_errno, verb, path);
  if (static_cast<size_t>(n) != text.size()) {
    return IOError(
        fmt::format("{} {}: only {} of {} bytes written", verb, path.string(), n, text.size()));
  }
  if (closed != 0) return FileError(close_errno, verb, path);
  return Status::Ok();
}

bool IsDirectory(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

// The hwmon directory for `device`: hwmon_root/<device>, or the one whose `name` is it.
Result<fs::path> ResolveDevice(const fs::path& root, const std::string& device) {
  if (!IsDirectory(root)) {
    return NotFound(
        fmt::format("hwmon root {} is not a directory (no hwmon driver loaded?)", root.string()));
  }
  if (device.find('/') == std::string::npos && device != "." && device != ".." &&
      IsDirectory(root / device)) {
    return root / device;
  }
  std::vector<fs::path> matches;
  std::vector<std::string> seen;
  std::error_code ec;
  std::vector<fs::path> entries;
  for (const fs::directory_entry& entry : fs::directory_iterator(root, ec)) {
    entries.push_back(entry.path());
  }
  if (ec) return IOError(fmt::format("list {}: {}", root.string(), ec.message()));
  std::sort(entries.begin(), entries.end());
  for (const fs::path& entry : entries) {
    auto name = ReadAttribute(entry / "name");
    const std::string chip = name.ok() ? *name : "?";
    seen.push_back(fmt::format("{} ({})", entry.filename().string(), chip));
    if (name.ok() && *name == device) matches.push_back(entry);
  }
  if (matches.empty()) {
    return NotFound(fmt::format(
        "no hwmon device \"{}\" under {} (by directory or chip name); "
        "there are: {}",
        device, root.string(), seen.empty() ? "none" : fmt::format("{}", fmt::join(seen, ", "))));
  }
  if (matches.size() > 1) {
    std::vector<std::string> names;
    for (const fs::path& match : matches)
      names.push_back(match.filename().string());
    return InvalidArgument(
        fmt::format("chip name \"{}\" matches {} under {}: name the directory instead", device,
                    fmt::join(names, " and "), root.string()));
  }
  return matches.front();
}

class PwmFanActuator final : public Actuator {
 public:
  PwmFanActuator(FanOptions options, fs::path device_dir)
      : options_(std::move(options)),
        pwm_(device_dir / fmt::format("pwm{}", options_.channel)),
        pwm_enable_(device_dir / fmt::format("pwm{}_enable", options_.channel)),
        percent_(options_.initial_percent) {}

  Status Apply(const Command& command) override {
    for (const auto& [field, given] :
         {std::pair{"setpoint_c", command.setpoint_c.has_value()},
          std::pair{"mode", command.mode.has_value()}, std::pair{"fan", command.fan.has_value()}}) {
      if (given) {
        return InvalidArgument(fmt::format(
            "fan {}: a PWM fan takes power and fan_percent only; {} is for air conditioners",
            pwm_.string(), field));
      }
    }
    double percent = percent_;
    if (command.fan_percent) {
      percent = *command.fan_percent;
      if (!std::isfinite(percent) || percent < options_.min_percent ||
          percent > options_.max_percent) {
        return OutOfRange(fmt::format("fan {}: {} % is outside {}..{} %", pwm_.string(), percent,
                                      options_.min_percent, options_.max_percent));
      }
    }
    const bool power = command.power.value_or(power_);
    const int duty = power ? PwmFromPercent(percent) : 0;

    if (Status manual = EnsureManual(); !manual.ok()) return manual;
    if (Status written = WriteInteger(pwm_, duty); !written.ok()) return written;
    auto read_back = ReadInteger(pwm_);
    if (!read_back.ok()) return read_back.status().WithContext("reading back the duty written");
    if (std::labs(*read_back - duty) > options_.readback_tolerance) {
      return IOError(fmt::format("wrote {} to {} but it reads {}: the write did not take", duty,
                                 pwm_.string(), *read_back));
    }
    power_ = power;
    percent_ = percent;
    return Status::Ok();
  }

 private:
  // pwmN_enable to 1 (manual) unless it is already, or the chip has none.
  Status EnsureManual() {
    std::error_code ec;
    if (!fs::exists(pwm_enable_, ec)) return Status::Ok();
    auto mode = ReadInteger(pwm_enable_);
    if (!mode.ok()) return mode.status();
    if (*mode == kPwmEnableManual) return Status::Ok();
    if (Status s = WriteInteger(pwm_enable_, kPwmEnableManual); !s.ok()) {
      return s.WithContext(fmt::format("taking manual control (it was {})", *mode));
    }
    auto now = ReadInteger(pwm_enable_);
    if (!now.ok()) return now.status();
    if (*now != kPwmEnableManual) {
      return IOError(
          fmt::format("wrote {} (manual) to {} but it reads {}: the driver keeps "
                      "the fan under its own control",
                      kPwmEnableManual, pwm_enable_.string(), *now));
    }
    return Status::Ok();
  }

  const FanOptions options_;
  const fs::path pwm_;
  const fs::path pwm_enable_;
  bool power_ = true;  // the state last written
  double percent_;
};

}  // namespace

int PwmFromPercent(double percent) {
  return static_cast<int>(std::lround(percent * kPwmMax / kPercentMax));
}

Result<std::unique_ptr<Actuator>> MakePwmFanActuator(const FanOptions& options) {
  if (options.device.empty()) {
    return InvalidArgument("device: empty; give an hwmon directory (\"hwmon2\") or chip name");
  }
  if (options.channel < 1) {
    return InvalidArgument(fmt::format("channel: {} (pwm channels start at 1)", options.channel));
  }
  const double min = options.min_percent;
  const double max = options.max_percent;
  if (!std::isfinite(min) || !std::isfinite(max) || min < 0 || max > kPercentMax || min > max) {
    return InvalidArgument(fmt::format(
        "min_percent {} and max_percent {} must lie in 0..100 with min <= max", min, max));
  }
  if (!std::isfinite(options.initial_percent) || options.initial_percent < min ||
      options.initial_percent > max) {
    return InvalidArgument(
        fmt::format("initial_percent {} is outside {}..{} %", options.initial_percent, min, max));
  }
  if (options.readback_tolerance < 0 || options.readback_tolerance > kPwmMax) {
    return InvalidArgument(fmt::format("readback_tolerance {} must lie in 0..{}",
                                       options.readback_tolerance, kPwmMax));
  }
  auto device_dir = ResolveDevice(options.hwmon_root, options.device);
  if (!device_dir.ok()) return device_dir.status();
  const fs::path pwm = *device_dir / fmt::format("pwm{}", options.channel);
  std::error_code ec;
  if (!fs::exists(pwm, ec)) {
    return NotFound(fmt::format("{} does not exist: hwmon device \"{}\" has no PWM channel {}",
                                pwm.string(), options.device, options.channel));
  }
  return std::unique_ptr<Actuator>(std::make_unique<PwmFanActuator>(options, *device_dir));
}

}  // namespace coolflow::agent
