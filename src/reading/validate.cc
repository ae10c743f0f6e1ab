#include "reading/validate.h"

#include <cmath>

#include "common/time.h"
#include "fmt/format.h"

namespace coolflow::reading {
namespace {

constexpr size_t kMaxBoxIdLength = 64;
constexpr size_t kMaxNameLength = 255;

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not well formed.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  unsigned cp = 0;
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) {
    n = 2;
    cp = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    n = 3;
    cp = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    n = 4;
    cp = b & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
  static constexpr unsigned kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

std::string Printable(double v) {
  return fmt::format("{}", v);
}

}  // namespace

Status ValidateBoxId(std::string_view id) {
  if (id.empty()) return InvalidArgument("box id is empty");
  if (id.size() > kMaxBoxIdLength) {
    return InvalidArgument(
        fmt::format("box id is {} bytes long; at most {} are allowed", id.size(), kMaxBoxIdLength));
  }
  const char first = id.front();
  if (first == '_' || first == '.' || first == '-') {
    return InvalidArgument(fmt::format("box id '{}' must start with a letter or a digit", id));
  }
  for (size_t i = 0; i < id.size(); ++i) {
    if (!IsIdChar(id[i])) {
      return InvalidArgument(
          fmt::format("box id '{}' has a character outside [A-Za-z0-9_.-] at byte {}", id, i));
    }
  }
  return Status::Ok();
}

Status ValidateName(std::string_view name) {
  if (name.empty()) return InvalidArgument("empty name");
  if (name.size() > kMaxNameLength) {
    return InvalidArgument(
        fmt::format("{} bytes long; at most {} are allowed", name.size(), kMaxNameLength));
  }
  for (size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7F) {
      return InvalidArgument(fmt::format("control character 0x{:02x} at byte {}", c, i));
    }
    if (c == '\\') return InvalidArgument(fmt::format("backslash at byte {}", i));
    const size_t n = Utf8SequenceLength(name, i);
    if (n == 0) return InvalidArgument(fmt::format("invalid UTF-8 at byte {}", i));
    i += n;
  }
  return Status::Ok();
}

void FillCatalogUnit(Reading& reading) {
  if (reading.unit != Unit::kNone) return;
  if (const MetricInfo* info = FindMetric(reading.metric)) reading.unit = info->unit;
}

std::optional<Violation> Validate(const Reading& reading, TimeNs now,
                                  const ValidationOptions& options) {
  if (Status s = ValidateBoxId(reading.box); !s.ok()) return Violation{"box", s.message()};
  if (Status s = ValidateName(reading.measurement); !s.ok()) {
    return Violation{"measurement",
                     fmt::format("measurement '{}': {}", reading.measurement, s.message())};
  }
  if (Status s = ValidateName(reading.metric); !s.ok()) {
    return Violation{"metric", fmt::format("metric '{}': {}", reading.metric, s.message())};
  }
  // InfluxDB reserves `time` for the timestamp, and a line starting with '#' is a comment:
  // readings named so could not be stored, or would vanish.
  if (reading.metric == "time") {
    return Violation{"metric", "'time' is reserved for the timestamp; name the metric otherwise"};
  }
  if (reading.measurement.front() == '#') {
    return Violation{"measurement",
                     fmt::format("measurement '{}' must not start with '#'", reading.measurement)};
  }
  for (const Tag& tag : reading.tags) {
    if (Status s = ValidateName(tag.key); !s.ok()) {
      return Violation{"tags", fmt::format("tag key '{}': {}", tag.key, s.message())};
    }
    if (Status s = ValidateName(tag.value); !s.ok()) {
      return Violation{"tags", fmt::format("tag '{}' value: {}", tag.key, s.message())};
    }
    if (tag.key == "time") {
      return Violation{"tags", "tag key 'time' is reserved for the timestamp"};
    }
    if (tag.key == kBoxTag) {
      return Violation{"tags", "the box id is the reading's box, not a tag named 'box'"};
    }
  }
  if (reading.time > now + options.max_future) {
    return Violation{
        "time", fmt::format("{} is more than {} s ahead of now ({})", FormatRfc3339(reading.time),
                            options.max_future / kNanosPerSecond, FormatRfc3339(now))};
  }
  if (reading.time < options.min_time) {
    return Violation{
        "time", fmt::format("{} is before {}: is the box's clock set?", FormatRfc3339(reading.time),
                            FormatRfc3339(options.min_time))};
  }
  const MetricInfo* info = FindMetric(reading.metric);
  if (const auto* d = std::get_if<double>(&reading.value); d != nullptr && !std::isfinite(*d)) {
    return Violation{reading.metric, fmt::format("{} is not a finite number", Printable(*d))};
  }
  if (info == nullptr) return std::nullopt;
  if (!IsNumeric(reading.value) || std::holds_alternative<bool>(reading.value)) {
    return Violation{reading.metric, fmt::format("{} must be a number", reading.metric)};
  }
  if (reading.unit != Unit::kNone && reading.unit != info->unit) {
    return Violation{reading.metric,
                     fmt::format("unit '{}' does not fit {}, which is measured in '{}'",
                                 UnitSymbol(reading.unit), reading.metric, UnitSymbol(info->unit))};
  }
  if (!options.check_ranges) return std::nullopt;
  const double v = ValueAsDouble(reading.value);
  if (v < info->min || v > info->max) {
    std::string range = std::isinf(info->max) ? fmt::format(">= {}", info->min)
                                              : fmt::format("{}..{}", info->min, info->max);
    return Violation{reading.metric,
                     fmt::format("{} {} is outside the physical range {} {}", Printable(v),
                                 UnitSymbol(info->unit), range, UnitSymbol(info->unit))};
  }
  return std::nullopt;
}

}  // namespace coolflow::reading
