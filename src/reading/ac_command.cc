#include "reading/ac_command.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "reading/text_util.h"
#include "reading/validate.h"

namespace coolflow::reading {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PercentDecode(std::string_view text, size_t base) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      const bool room = i + 2 < text.size();
      const int hi = room ? HexValue(text[i + 1]) : -1;
      const int lo = room ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgument(
            fmt::format("byte {}: '%' must be followed by two hex digits", base + i));
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

Status CheckCommand(const AcCommand& c, const AcCommandLimits& limits) {
  if (c.name.empty()) return InvalidArgument("name: empty AC name");
  if (Status s = ValidateName(c.name); !s.ok()) return InvalidArgument("name: " + s.message());
  if (!std::isfinite(c.temperature) || c.temperature < limits.min_setpoint ||
      c.temperature > limits.max_setpoint) {
    return OutOfRange(fmt::format("temperature: setpoint {} °C is outside {}..{} °C", c.temperature,
                                  limits.min_setpoint, limits.max_setpoint));
  }
  if (c.direction < -1 || c.direction > 1) {
    return InvalidArgument(fmt::format("direction: {} is not +1 or -1", c.direction));
  }
  return Status::Ok();
}

void AppendPercentEncoded(std::string& out, std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
}

}  // namespace

Result<AcCommand> ParseAcCommand(std::string_view text, const AcCommandLimits& limits) {
  text = Trim(text);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.remove_suffix(1);
  AcCommand command;
  bool have_name = false, have_temperature = false, have_direction = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('&', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view pair = text.substr(pos, end - pos);
    const size_t eq = pair.find('=');
    if (pair.empty() || eq == std::string_view::npos) {
      return InvalidArgument(fmt::format("byte {}: expected key=value, found '{}'", pos, pair));
    }
    auto key = PercentDecode(pair.substr(0, eq), pos);
    if (!key.ok()) return key.status();
    auto value = PercentDecode(pair.substr(eq + 1), pos + eq + 1);
    if (!value.ok()) return value.status();
    auto seen = [&](bool& flag) -> Status {
      if (flag) return InvalidArgument(fmt::format("byte {}: {} given twice", pos, *key));
      flag = true;
      return Status::Ok();
    };
    if (*key == "name") {
      if (Status s = seen(have_name); !s.ok()) return s;
      command.name = *value;
    } else if (*key == "temperature") {
      if (Status s = seen(have_temperature); !s.ok()) return s;
      if (!ParseDouble(Trim(*value), command.temperature)) {
        return InvalidArgument(
            fmt::format("byte {}: temperature: '{}' is not a number", pos + eq + 1, *value));
      }
    } else if (*key == "direction") {
      if (Status s = seen(have_direction); !s.ok()) return s;
      const std::string& d = *value;
      if (d == "1" || d == "+1" || d == " 1") {  // '+' decodes to ' ' in a query string
        command.direction = 1;
      } else if (d == "-1") {
        command.direction = -1;
      } else {
        return InvalidArgument(
            fmt::format("byte {}: direction: '{}' is not +1 or -1", pos + eq + 1, d));
      }
    } else {
      return InvalidArgument(fmt::format(
          "byte {}: unknown key '{}' (expected name, temperature, direction)", pos, *key));
    }
    pos = end + 1;
  }
  if (!have_name) return InvalidArgument("name: missing");
  if (!have_temperature) return InvalidArgument("temperature: missing");
  if (Status s = CheckCommand(command, limits); !s.ok()) return s;
  return command;
}

std::string FormatAcCommand(const AcCommand& command) {
  std::string out = "name=";
  AppendPercentEncoded(out, command.name);
  out += "&temperature=";
  AppendShortest(out, command.temperature);
  if (command.direction != 0) out += command.direction > 0 ? "&direction=%2B1" : "&direction=-1";
  return out;
}

std::string FormatAcCommandJson(const AcCommand& command) {
  nlohmann::ordered_json j = {
      {"command", "set_ac"}, {"name", command.name}, {"temperature", command.temperature}};
  if (command.direction != 0) j["direction"] = command.direction;
  return j.dump();
}

Result<AcCommand> ParseAcCommandJson(std::string_view text, const AcCommandLimits& limits) {
  // nlohmann keeps the last of repeated keys; a command with two setpoints is ambiguous, so
  // the parse callback refuses repeats of the top-level keys.
  std::vector<std::string> keys;
  std::string repeated;
  auto refuse_repeats = [&](int depth, nlohmann::json::parse_event_t event,
                            nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) repeated = key;
      keys.push_back(key);
    }
    return true;
  };
  nlohmann::json j = nlohmann::json::parse(text, refuse_repeats, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgument("not a JSON object");
  }
  if (!repeated.empty()) return InvalidArgument(fmt::format("{}: given twice", repeated));
  AcCommand command;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key == "command") {
      if (!it->is_string() || *it != "set_ac") {
        return InvalidArgument("command: expected \"set_ac\"");
      }
    } else if (key == "name") {
      if (!it->is_string()) return InvalidArgument("name: expected a string");
      command.name = it->get<std::string>();
    } else if (key == "temperature") {
      if (!it->is_number()) return InvalidArgument("temperature: expected a number");
      command.temperature = it->get<double>();
    } else if (key == "direction") {
      if (!it->is_number_integer()) return InvalidArgument("direction: expected +1 or -1");
      // Compare before narrowing: 4294967297 must not become 1.
      const auto direction = it->get<int64_t>();
      if (it->is_number_unsigned() ? it->get<uint64_t>() != 1 : direction != 1 && direction != -1) {
        return InvalidArgument("direction: expected +1 or -1");
      }
      command.direction = static_cast<int>(direction);
    } else {
      return InvalidArgument(fmt::format("unknown field '{}'", key));
    }
  }
  if (!j.contains("name")) return InvalidArgument("name: missing");
  if (!j.contains("temperature")) return InvalidArgument("temperature: missing");
  if (Status s = CheckCommand(command, limits); !s.ok()) return s;
  return command;
}

}  // namespace coolflow::reading
