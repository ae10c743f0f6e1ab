// Fuzzes the seed's `resource` JSON record, through the registry.
// Properties:
//  - errors lie inside the input on the line and column they name; every accepted record
//    gives nine readings of one box, time and tag set;
//  - each accepted record, encoded and decoded again, gives the same nine readings;
//  - all accepted readings encoded at once decode to the same readings, except that the
//    encoder writes one record per run of records of one box, time and tag set, with the
//    last values.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"

namespace coolflow::fuzz {
namespace {

constexpr size_t kReadingsPerRecord = 9;

bool SameRecord(const reading::Reading& a, const reading::Reading& b) {
  return a.box == b.box && a.time == b.time && a.tags == b.tags;
}

void CheckResourceJson(std::string_view input) {
  const reading::Format& format = FormatNamed("resource-json");
  const reading::DecodeResult result = Decode(format, input);
  CheckErrors(input, result, /*exact_lines=*/true);
  const std::vector<reading::Reading>& readings = result.readings;
  FUZZ_CHECK(readings.size() == kReadingsPerRecord * (result.records - result.errors.size()));
  for (size_t i = 0; i < readings.size(); ++i) {
    FUZZ_CHECK(SameRecord(readings[i], readings[i - i % kReadingsPerRecord]));
  }

  // Record by record: exact.
  const std::span<const reading::Reading> all(readings);
  for (size_t i = 0; i < readings.size(); i += kReadingsPerRecord) {
    const auto record = all.subspan(i, kReadingsPerRecord);
    CheckDecodesTo(format, Encode(format, record), {record.begin(), record.end()});
  }

  // All at once: runs of records of one box, time and tags become one record.
  std::vector<reading::Reading> merged;
  for (size_t i = 0; i < readings.size(); i += kReadingsPerRecord) {
    const auto record = all.subspan(i, kReadingsPerRecord);
    if (!merged.empty() && SameRecord(merged.back(), record.front())) {
      std::copy(record.begin(), record.end(), merged.end() - kReadingsPerRecord);
    } else {
      merged.insert(merged.end(), record.begin(), record.end());
    }
  }
  if (!readings.empty()) CheckDecodesTo(format, Encode(format, readings), merged);
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coolflow::fuzz::CheckResourceJson(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
