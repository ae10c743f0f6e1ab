// Parsing and formatting of timestamps as they appear on the wire.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace coolflow {

// Epoch precision of an integer timestamp, as InfluxDB names it.
enum class Precision { kNanoseconds, kMicroseconds, kMilliseconds, kSeconds, kMinutes, kHours };

// Parses "n", "ns", "u", "us", "µs", "ms", "s", "m", "h" (InfluxDB 1.x's `precision=` values).
Result<Precision> ParsePrecision(std::string_view text);
std::string_view PrecisionName(Precision precision);  // "ns", "us", "ms", "s", "m", "h"
TimeNs NanosPer(Precision precision);

// Scales an epoch count in `precision` to ns; OutOfRange when the result does not fit
// InfluxDB's representable range [-2^63+2, 2^63-2] ns.
Result<TimeNs> EpochToNs(int64_t value, Precision precision);

// Parses a timestamp written by a person or a device:
//  - an ISO-8601 / RFC 3339 date-time: 2026-11-24T03:16:00Z, with optional fraction of up
//    to 9 digits, 'T' or ' ' between date and time, and 'Z' or a ±hh:mm offset (a missing
//    zone means UTC);
//  - an integer epoch whose unit follows from its magnitude: |v| < 1e11 seconds,
//    < 1e14 milliseconds, < 1e17 microseconds, else nanoseconds (so any date between
//    1973 and 5138 is read right in every unit);
//  - a decimal epoch in seconds: 1700000000.25.
Result<TimeNs> ParseTimestamp(std::string_view text);

// RFC 3339 with nanoseconds, trailing zeros of the fraction trimmed: 2026-11-24T03:16:00.5Z.
std::string FormatRfc3339(TimeNs t);

// Parses a duration as configuration files write it: a non-negative decimal number with an
// optional unit, "ms", "s", "m", "h" or "d" ("10s", "15m", "1.5h", "7d"; no unit: seconds).
// InvalidArgument when the text is anything else, is finer than 1 ns or does not fit TimeNs.
Result<TimeNs> ParseDuration(std::string_view text);

// The shortest exact form in the largest unit that divides it: "7d", "36h", "90s", "1.5s".
std::string FormatDuration(TimeNs duration);

}  // namespace coolflow
