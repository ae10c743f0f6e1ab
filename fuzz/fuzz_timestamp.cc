// Fuzzes ParseTimestamp (ISO-8601 / RFC 3339 text and epoch numbers).
// Properties:
//  - an accepted time lies in InfluxDB's representable range;
//  - FormatRfc3339 of it parses back to the same nanosecond, for every time whose whole
//    second ParseTimestamp's ISO-8601 form can hold (1677-09-21..2262-04-11).
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "common/time.h"
#include "fuzz_check.h"

namespace coolflow::fuzz {
namespace {

constexpr TimeNs kMinTimeNs = std::numeric_limits<int64_t>::min() + 2;
constexpr TimeNs kMaxTimeNs = std::numeric_limits<int64_t>::max() - 1;
// The whole seconds ParseTimestamp reads from ISO-8601 text, both signs.
constexpr int64_t kMaxIsoSeconds = kMaxTimeNs / kNanosPerSecond - 1;

void CheckTimestamp(std::string_view input) {
  auto parsed = ParseTimestamp(input);
  if (!parsed.ok()) {
    FUZZ_CHECK(!parsed.status().message().empty());
    return;
  }
  const TimeNs t = *parsed;
  FUZZ_CHECK_MSG(t >= kMinTimeNs && t <= kMaxTimeNs,
                 fmt::format("{:?} parsed to {}, outside the representable range", input, t));
  int64_t seconds = t / kNanosPerSecond;
  if (t % kNanosPerSecond < 0) --seconds;  // FormatRfc3339 writes the floor second
  if (seconds < -kMaxIsoSeconds || seconds > kMaxIsoSeconds) return;
  const std::string text = FormatRfc3339(t);
  auto again = ParseTimestamp(text);
  FUZZ_CHECK_MSG(
      again.ok() && *again == t,
      fmt::format("{:?} parsed to {}, written {:?}, which parses to {}", input, t, text,
                  again.ok() ? fmt::format_int(*again).str() : again.status().ToString()));
}

}  // namespace
}  // namespace coolflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coolflow::fuzz::CheckTimestamp(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
