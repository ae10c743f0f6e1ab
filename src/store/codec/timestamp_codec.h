// Timestamps of one chunk: strictly increasing int64 nanoseconds. They are written relative
// to the first (which the chunk header holds), divided by their greatest common step (a
// series stamped in whole milliseconds or seconds loses those zeros), less the chunk's
// typical step times the index (the median step: a reading every 10 s becomes 0, 0, 0...,
// and a reading 3 ms late becomes one lone 3 ms), as an integer stream (packed_ints.h),
// whose order is chosen by size. A perfectly regular chunk costs a few bytes in all; an
// occasional late point about five.
#pragma once

#include <span>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "store/codec/byte_io.h"

namespace coolflow::store::codec {

// Appends [unit varint][step varint][integer stream of (t[i] - t[0]) / unit - i * step] to
// `out`, arithmetic modulo 2^64. `times` is not empty and strictly increasing.
void EncodeTimestamps(std::span<const TimeNs> times, std::string& out);

// Decodes times.size() timestamps, the first being `first`, and checks them: strictly
// increasing, the last equal to `last`. Corruption naming the byte otherwise.
Status DecodeTimestamps(ByteReader& in, TimeNs first, TimeNs last, std::span<TimeNs> times);

}  // namespace coolflow::store::codec
