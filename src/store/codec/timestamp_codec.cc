#include "store/codec/timestamp_codec.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "store/codec/packed_ints.h"

namespace coolflow::store::codec {

void EncodeTimestamps(std::span<const TimeNs> times, std::string& out) {
  // Steps as uint64: exact whatever the gap, since the times increase.
  std::vector<uint64_t> steps(times.size() > 1 ? times.size() - 1 : 0);
  uint64_t unit = 0;
  for (size_t i = 1; i < times.size(); ++i) {
    steps[i - 1] = static_cast<uint64_t>(times[i]) - static_cast<uint64_t>(times[i - 1]);
    if (unit != 1) unit = std::gcd(unit, steps[i - 1]);
  }
  if (unit == 0) unit = 1;
  uint64_t step = 0;
  if (!steps.empty()) {
    const auto middle = steps.begin() + static_cast<std::ptrdiff_t>(steps.size() / 2);
    std::nth_element(steps.begin(), middle, steps.end());
    step = *middle / unit;
  }
  PutVarint(out, unit);
  PutVarint(out, step);
  std::vector<int64_t> residuals(times.size());
  const auto first = static_cast<uint64_t>(times[0]);
  uint64_t expected = 0;
  for (size_t i = 0; i < times.size(); ++i) {
    residuals[i] =
        static_cast<int64_t>((static_cast<uint64_t>(times[i]) - first) / unit - expected);
    expected += step;
  }
  EncodeIntegers(residuals, out);
}

Status DecodeTimestamps(ByteReader& in, TimeNs first, TimeNs last, std::span<TimeNs> times) {
  const size_t unit_at = in.offset();
  uint64_t unit = 0;
  uint64_t step = 0;
  if (Status s = in.ReadVarint(unit, "time unit"); !s.ok()) return s;
  if (unit == 0) return ByteReader::ErrorAt("time unit is 0", unit_at);
  if (Status s = in.ReadVarint(step, "time step"); !s.ok()) return s;
  const size_t stream_at = in.offset();
  if (Status s = DecodeIntegers(in, times); !s.ok()) return s;
  if (times.empty()) return Status::Ok();
  if (times[0] != 0) {
    return ByteReader::ErrorAt("first time residual is " + std::to_string(times[0]) + ", not 0",
                               stream_at);
  }
  const auto base = static_cast<uint64_t>(first);
  TimeNs previous = first;
  times[0] = first;
  uint64_t expected = step;
  bool increasing = true;
  for (size_t i = 1; i < times.size(); ++i) {
    const auto t = static_cast<TimeNs>(base + (static_cast<uint64_t>(times[i]) + expected) * unit);
    expected += step;
    increasing &= t > previous;
    times[i] = t;
    previous = t;
  }
  if (!increasing) {
    return ByteReader::ErrorAt("times do not increase strictly", stream_at);
  }
  if (times.back() != last) {
    return ByteReader::ErrorAt("last time " + std::to_string(times.back()) +
                                   " differs from the header's " + std::to_string(last),
                               stream_at);
  }
  return Status::Ok();
}

}  // namespace coolflow::store::codec
