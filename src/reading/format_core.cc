// The parts of format.h in the core reading library: the formats' names and aliases, their
// encoders (all a writer of readings needs) and the positions of refused records. The table
// of decoders is format.cc's, in coolflow_reading_formats.
#include <algorithm>
#include <array>

#include "fmt/format.h"
#include "reading/format.h"

namespace coolflow::reading {
namespace {

constexpr std::array<FormatName, 4> kNames = {{
    {"json", "coolflow JSON: one reading or batch object per line (NDJSON)"},
    {"line-protocol", "InfluxDB 1.x line protocol"},
    {"temp-csv", "the seed's Kafka `temp` CSV: x,id,humidity,temperature"},
    {"resource-json", "the seed's Kafka `resource` JSON record"},
}};

struct Alias {
  std::string_view alias;
  std::string_view name;
};
constexpr Alias kAliases[] = {
    {"lp", "line-protocol"}, {"influx", "line-protocol"},   {"csv", "temp-csv"},
    {"temp", "temp-csv"},    {"resource", "resource-json"}, {"coolflow-json", "json"},
};

}  // namespace

std::span<const FormatName> FormatNames() {
  return kNames;
}

std::string_view CanonicalFormatName(std::string_view name) {
  for (const Alias& a : kAliases) {
    if (a.alias == name) return a.name;
  }
  for (const FormatName& f : kNames) {
    if (f.name == name) return f.name;
  }
  return {};
}

std::unique_ptr<Encoder> MakeEncoder(std::string_view name) {
  name = CanonicalFormatName(name);
  if (name == "json") return MakeCoolflowJsonEncoder();
  if (name == "line-protocol") return MakeLineProtocolEncoder();
  if (name == "temp-csv") return MakeTempCsvEncoder();
  if (name == "resource-json") return MakeResourceJsonEncoder();
  return nullptr;
}

std::string RecordError::ToString() const {
  return fmt::format("line {}, column {} (byte {}): {}: {}", line, column, offset, item, message);
}

void LocateOffset(std::string_view input, size_t offset, size_t& line, size_t& column) {
  offset = std::min(offset, input.size());
  const std::string_view before = input.substr(0, offset);
  line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  const size_t last_newline = before.rfind('\n');
  column = last_newline == std::string_view::npos ? offset + 1 : offset - last_newline;
}

}  // namespace coolflow::reading
