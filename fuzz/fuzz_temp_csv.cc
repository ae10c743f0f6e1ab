// Fuzzes the seed's `temp` CSV format (x,id,humidity,temperature), through the registry.
// Properties:
//  - errors lie inside the input on the line and column they name; every accepted record
//    gives two readings, humidity then temperature;
//  - each accepted record, encoded and decoded again, gives the same two readings;
//  - all accepted readings encoded at once decode to the same readings, except that the
//    encoder writes one record per run of records of one box and time, with the last values.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"

namespace coolflow::fuzz {
namespace {

void CheckTempCsv(std::string_view input) {
  const reading::Format& format = FormatNamed("temp-csv");
  const reading::DecodeResult result = Decode(format, input);
  CheckErrors(input, result, /*exact_lines=*/true);
  const std::vector<reading::Reading>& readings = result.readings;
  FUZZ_CHECK(readings.size() == 2 * (result.records - result.errors.size()));
  for (size_t i = 0; i < readings.size(); i += 2) {
    FUZZ_CHECK(readings[i].metric == "humidity" && readings[i + 1].metric == "temperature");
    FUZZ_CHECK(readings[i].box == readings[i + 1].box && readings[i].time == readings[i + 1].time);
  }

  // Record by record: exact.
  const std::span<const reading::Reading> all(readings);
  for (size_t i = 0; i < readings.size(); i += 2) {
    const std::string encoded = Encode(format, all.subspan(i, 2));
    CheckDecodesTo(format, encoded, {readings[i], readings[i + 1]});
  }

  // All at once: runs of records of one box and time become one record.
  std::vector<reading::Reading> merged;
  for (size_t i = 0; i < readings.size(); i += 2) {
    const size_t n = merged.size();
    if (n >= 2 && merged[n - 2].box == readings[i].box && merged[n - 2].time == readings[i].time) {
      merged[n - 2] = readings[i];
      merged[n - 1] = readings[i + 1];
    } else {
      merged.push_back(readings[i]);
      merged.push_back(readings[i + 1]);
    }
  }
  if (!readings.empty()) CheckDecodesTo(format, Encode(format, readings), merged);
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coolflow::fuzz::CheckTempCsv(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
