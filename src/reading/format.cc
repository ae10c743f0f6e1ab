#include "reading/format.h"

#include <algorithm>
#include <array>

#include "fmt/format.h"

namespace coolflow::reading {
namespace {

struct Alias {
  std::string_view alias;
  std::string_view name;
};
constexpr Alias kAliases[] = {
    {"lp", "line-protocol"}, {"influx", "line-protocol"},   {"csv", "temp-csv"},
    {"temp", "temp-csv"},    {"resource", "resource-json"}, {"coolflow-json", "json"},
};

std::vector<Format> BuildFormats() {
  std::vector<Format> formats;
  formats.push_back({"json", "coolflow JSON: one reading or batch object per line (NDJSON)",
                     MakeCoolflowJsonDecoder(), MakeCoolflowJsonEncoder()});
  formats.push_back({"line-protocol", "InfluxDB 1.x line protocol", MakeLineProtocolDecoder(),
                     MakeLineProtocolEncoder()});
  formats.push_back({"temp-csv", "the seed's Kafka `temp` CSV: x,id,humidity,temperature",
                     MakeTempCsvDecoder(), MakeTempCsvEncoder()});
  formats.push_back({"resource-json", "the seed's Kafka `resource` JSON record",
                     MakeResourceJsonDecoder(), MakeResourceJsonEncoder()});
  return formats;
}

}  // namespace

std::string RecordError::ToString() const {
  return fmt::format("line {}, column {} (byte {}): {}: {}", line, column, offset, item, message);
}

std::span<const Format> Formats() {
  static const std::vector<Format> formats = BuildFormats();
  return formats;
}

const Format* FindFormat(std::string_view name) {
  for (const Alias& a : kAliases) {
    if (a.alias == name) {
      name = a.name;
      break;
    }
  }
  for (const Format& f : Formats()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

void LocateOffset(std::string_view input, size_t offset, size_t& line, size_t& column) {
  offset = std::min(offset, input.size());
  const std::string_view before = input.substr(0, offset);
  line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  const size_t last_newline = before.rfind('\n');
  column = last_newline == std::string_view::npos ? offset + 1 : offset - last_newline;
}

}  // namespace coolflow::reading
