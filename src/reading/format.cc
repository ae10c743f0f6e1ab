// Every format both ways, by name: the table that adds the decoders (and with them
// simdjson) to format_core.cc's encoders.
#include "reading/format.h"

namespace coolflow::reading {
namespace {

std::unique_ptr<Decoder> MakeDecoder(std::string_view name) {
  if (name == "json") return MakeCoolflowJsonDecoder();
  if (name == "line-protocol") return MakeLineProtocolDecoder();
  if (name == "temp-csv") return MakeTempCsvDecoder();
  if (name == "resource-json") return MakeResourceJsonDecoder();
  return nullptr;
}

std::vector<Format> BuildFormats() {
  std::vector<Format> formats;
  for (const FormatName& f : FormatNames()) {
    formats.push_back({f.name, f.summary, MakeDecoder(f.name), MakeEncoder(f.name)});
  }
  return formats;
}

}  // namespace

std::span<const Format> Formats() {
  static const std::vector<Format> formats = BuildFormats();
  return formats;
}

const Format* FindFormat(std::string_view name) {
  name = CanonicalFormatName(name);
  for (const Format& f : Formats()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace coolflow::reading
