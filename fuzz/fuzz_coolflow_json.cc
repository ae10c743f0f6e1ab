// Fuzzes coolflow's own NDJSON format (readings and batches), through the registry.
// Properties:
//  - errors lie inside the input on the line and column they name; each record is either
//    one reading or one error;
//  - the accepted readings, encoded and decoded again, are equal (the encoder writes one
//    reading per line, so this holds for the whole input at once).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"

namespace coolflow::fuzz {
namespace {

void CheckCoolflowJson(std::string_view input) {
  const reading::Format& format = FormatNamed("json");
  const reading::DecodeResult result = Decode(format, input);
  CheckErrors(input, result, /*exact_lines=*/true);
  FUZZ_CHECK(result.readings.size() == result.records - result.errors.size());
  if (result.readings.empty()) return;
  CheckDecodesTo(format, Encode(format, result.readings), result.readings);
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coolflow::fuzz::CheckCoolflowJson(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
