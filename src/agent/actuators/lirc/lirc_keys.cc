#include "agent/actuators/lirc/lirc_keys.h"

#include <cmath>
#include <optional>
#include <utility>

#include "fmt/format.h"

namespace coolflow::agent {
namespace {

enum class Placeholder { kSetpoint, kMode, kModeUpper, kFan, kFanUpper };

struct NamedPlaceholder {
  std::string_view name;
  Placeholder placeholder;
};

constexpr NamedPlaceholder kPlaceholders[] = {
    {"setpoint", Placeholder::kSetpoint}, {"mode", Placeholder::kMode},
    {"MODE", Placeholder::kModeUpper},    {"fan", Placeholder::kFan},
    {"FAN", Placeholder::kFanUpper},
};

// How far from a whole degree a setpoint may be and still name that degree: absorbs the
// binary representation of values like 24.0 that went through arithmetic, nothing more.
constexpr double kWholeDegreeTolerance = 1e-9;

// One piece of a parsed template: literal text, or a placeholder.
struct Segment {
  std::string literal;
  std::optional<Placeholder> placeholder;
};

Result<std::vector<Segment>> ParseTemplate(std::string_view key_template) {
  std::vector<Segment> segments;
  std::string literal;
  for (size_t i = 0; i < key_template.size(); ++i) {
    const char c = key_template[i];
    if (c == '}') {
      return InvalidArgument(
          fmt::format("key template \"{}\": '}}' without '{{' at {}", key_template, i));
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    const size_t close = key_template.find('}', i);
    if (close == std::string_view::npos) {
      return InvalidArgument(
          fmt::format("key template \"{}\": '{{' at {} is never closed", key_template, i));
    }
    const std::string_view name = key_template.substr(i + 1, close - i - 1);
    std::optional<Placeholder> found;
    for (const NamedPlaceholder& known : kPlaceholders) {
      if (known.name == name) found = known.placeholder;
    }
    if (!found) {
      return InvalidArgument(
          fmt::format("key template \"{}\": unknown placeholder {{{}}} (known: {{setpoint}}, "
                      "{{mode}}, {{MODE}}, {{fan}}, {{FAN}})",
                      key_template, name));
    }
    if (!literal.empty()) segments.push_back({std::move(literal), std::nullopt});
    literal.clear();
    segments.push_back({{}, found});
    i = close;
  }
  if (!literal.empty()) segments.push_back({std::move(literal), std::nullopt});
  return segments;
}

bool Holds(std::string_view key_template, Placeholder a, Placeholder b) {
  auto segments = ParseTemplate(key_template);
  if (!segments.ok()) return false;
  for (const Segment& segment : *segments) {
    if (segment.placeholder == a || segment.placeholder == b) return true;
  }
  return false;
}

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

Result<std::string> WholeDegrees(double setpoint_c) {
  const double rounded = std::round(setpoint_c);
  if (!std::isfinite(setpoint_c) || std::fabs(setpoint_c - rounded) > kWholeDegreeTolerance) {
    return InvalidArgument(fmt::format(
        "setpoint {} °C is not a whole degree, and the remote's keys name whole degrees only",
        setpoint_c));
  }
  return fmt::format("{}", static_cast<long long>(rounded));
}

// Renders `key_template` for `state`, naming `field` ("keys.setpoint") in errors.
Result<std::string> RenderNamed(std::string_view field, std::string_view key_template,
                                const AcState& state) {
  auto rendered = RenderLircKey(key_template, state);
  if (!rendered.ok()) return rendered.status().WithContext(field);
  return rendered;
}

}  // namespace

bool IsValidLircName(std::string_view name) {
  if (name.empty() || name.size() > kMaxLircName) return false;
  for (const char c : name) {
    if (c <= ' ' || c > '~') return false;  // control, space, DEL and non-ASCII bytes
  }
  return true;
}

Status ValidateLircKeys(const LircKeys& keys) {
  const std::pair<std::string_view, const std::string*> all[] = {
      {"keys.power_on", &keys.power_on}, {"keys.power_off", &keys.power_off},
      {"keys.setpoint", &keys.setpoint}, {"keys.mode", &keys.mode},
      {"keys.fan", &keys.fan},
  };
  for (const auto& [field, key_template] : all) {
    auto segments = ParseTemplate(*key_template);
    if (!segments.ok()) return segments.status().WithContext(field);
  }
  if (keys.power_off.empty()) {
    return InvalidArgument("keys.power_off: empty; the unit could never be switched off");
  }
  if (!Holds(keys.setpoint, Placeholder::kSetpoint, Placeholder::kSetpoint)) {
    return InvalidArgument(fmt::format(
        "keys.setpoint: \"{}\" does not hold {{setpoint}}, so no setpoint would reach the unit",
        keys.setpoint));
  }
  // Literal text that can never be part of a key name fails for every state: say so now
  // rather than at the first command.
  for (const auto& [field, key_template] : all) {
    for (const char c : *key_template) {
      if (!IsValidLircName(std::string_view(&c, 1))) {
        return InvalidArgument(fmt::format(
            "{}: \"{}\" holds a space, control or non-ASCII character, which no lircd key "
            "name can hold",
            field, *key_template));
      }
    }
  }
  return Status::Ok();
}

Result<std::string> RenderLircKey(std::string_view key_template, const AcState& state) {
  auto segments = ParseTemplate(key_template);
  if (!segments.ok()) return segments.status();
  std::string key;
  for (const Segment& segment : *segments) {
    if (!segment.placeholder) {
      key += segment.literal;
      continue;
    }
    switch (*segment.placeholder) {
      case Placeholder::kSetpoint: {
        auto degrees = WholeDegrees(state.setpoint_c);
        if (!degrees.ok()) return degrees.status();
        key += *degrees;
        break;
      }
      case Placeholder::kMode:
        key += state.mode;
        break;
      case Placeholder::kModeUpper:
        key += Upper(state.mode);
        break;
      case Placeholder::kFan:
        key += state.fan;
        break;
      case Placeholder::kFanUpper:
        key += Upper(state.fan);
        break;
    }
  }
  if (!IsValidLircName(key)) {
    return InvalidArgument(fmt::format(
        "\"{}\" (from template \"{}\") is not a valid lircd key name: it must be 1 to {} "
        "printable characters without spaces",
        key, key_template, kMaxLircName));
  }
  return key;
}

Result<std::vector<std::string>> LircKeySequence(const LircKeys& keys, const AcState& state) {
  std::vector<std::pair<std::string_view, const std::string*>> templates;
  if (!state.power) {
    templates = {{"keys.power_off", &keys.power_off}};
  } else {
    templates = {{"keys.power_on", &keys.power_on},
                 {"keys.setpoint", &keys.setpoint},
                 {"keys.mode", &keys.mode},
                 {"keys.fan", &keys.fan}};
  }
  std::vector<std::string> sequence;
  for (const auto& [field, key_template] : templates) {
    if (key_template->empty()) continue;
    auto key = RenderNamed(field, *key_template, state);
    if (!key.ok()) return key.status();
    sequence.push_back(std::move(*key));
  }
  return sequence;
}

bool LircKeysCarryMode(const LircKeys& keys) {
  for (const std::string* key_template : {&keys.power_on, &keys.setpoint, &keys.mode}) {
    if (Holds(*key_template, Placeholder::kMode, Placeholder::kModeUpper)) return true;
  }
  return Holds(keys.fan, Placeholder::kMode, Placeholder::kModeUpper);
}

bool LircKeysCarryFan(const LircKeys& keys) {
  for (const std::string* key_template : {&keys.power_on, &keys.setpoint, &keys.mode}) {
    if (Holds(*key_template, Placeholder::kFan, Placeholder::kFanUpper)) return true;
  }
  return Holds(keys.fan, Placeholder::kFan, Placeholder::kFanUpper);
}

}  // namespace coolflow::agent
