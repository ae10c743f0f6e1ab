// Fuzzes the AC command parsers: the seed's query string and coolflow's JSON form.
// Properties:
//  - a command either parser accepts, formatted in either form, parses back equal;
//  - a JSON command is accepted only with the values it holds: a direction of exactly +1 or
//    -1 and the temperature as written.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "nlohmann/json.hpp"
#include "reading/ac_command.h"

namespace coolflow::fuzz {
namespace {

using reading::AcCommand;

std::string Describe(const AcCommand& c) {
  return fmt::format("name={:?} temperature={} direction={}", c.name, c.temperature, c.direction);
}

void CheckRoundTrips(const AcCommand& command) {
  const std::string query = reading::FormatAcCommand(command);
  auto from_query = reading::ParseAcCommand(query);
  FUZZ_CHECK_MSG(
      from_query.ok() && *from_query == command,
      fmt::format("query form {:?} of {} parses to {}", query, Describe(command),
                  from_query.ok() ? Describe(*from_query) : from_query.status().ToString()));
  const std::string json = reading::FormatAcCommandJson(command);
  auto from_json = reading::ParseAcCommandJson(json);
  FUZZ_CHECK_MSG(
      from_json.ok() && *from_json == command,
      fmt::format("JSON form {:?} of {} parses to {}", json, Describe(command),
                  from_json.ok() ? Describe(*from_json) : from_json.status().ToString()));
}

// What the JSON text says, read independently of the parser under test.
void CheckJsonValues(std::string_view text, const AcCommand& command) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(j.is_object());
  FUZZ_CHECK(j.at("temperature").get<double>() == command.temperature);
  FUZZ_CHECK(j.at("name").get<std::string>() == command.name);
  if (j.contains("direction")) {
    const nlohmann::json& d = j.at("direction");
    const bool plus_one = (d.is_number_unsigned() && d.get<uint64_t>() == 1) ||
                          (d.is_number_integer() && d.get<int64_t>() == 1);
    const bool minus_one =
        d.is_number_integer() && !d.is_number_unsigned() && d.get<int64_t>() == -1;
    FUZZ_CHECK_MSG(plus_one || minus_one,
                   fmt::format("accepted direction {} as {}", d.dump(), command.direction));
    FUZZ_CHECK(command.direction == (plus_one ? 1 : -1));
  } else {
    FUZZ_CHECK(command.direction == 0);
  }
}

void CheckAcCommand(std::string_view input) {
  if (auto command = reading::ParseAcCommand(input); command.ok()) CheckRoundTrips(*command);
  if (auto command = reading::ParseAcCommandJson(input); command.ok()) {
    CheckJsonValues(input, *command);
    CheckRoundTrips(*command);
  }
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coolflow::fuzz::CheckAcCommand(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
