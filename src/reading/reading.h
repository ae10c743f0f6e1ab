// The reading: one measured value of one metric of one box at one time. Every wire format
// decodes into readings and encodes from them.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "reading/units.h"

namespace coolflow::reading {

// A value as the wire carries it. Sensors give doubles; counters are unsigned; line
// protocol can also carry integers, booleans and strings.
using Value = std::variant<double, int64_t, uint64_t, bool, std::string>;

// The value as a double when it is numeric (bools are 0/1); nullopt-like NaN for strings.
double ValueAsDouble(const Value& value);
bool IsNumeric(const Value& value);

struct Tag {
  std::string key;
  std::string value;
  friend bool operator==(const Tag&, const Tag&) = default;
  friend auto operator<=>(const Tag&, const Tag&) = default;  // by key, then value
};
// Tags of a reading, sorted by key with no key twice (see SortTags).
using TagSet = std::vector<Tag>;

// The tag key that carries the box id when a reading is written to a format without a
// box field of its own (line protocol).
inline constexpr std::string_view kBoxTag = "box";

struct Reading {
  std::string box;          // the agent box that measured it; see ValidateBoxId
  std::string measurement;  // "temp", "resource", "power", ...
  std::string metric;       // the field: "temperature", "humidity", "load1", ...
  TagSet tags;              // rack, zone, sensor id, ... (never the box: see kBoxTag)
  TimeNs time = 0;          // ns since the epoch, UTC
  Value value = 0.0;
  Unit unit = Unit::kNone;
  uint64_t seq = 0;  // the agent's sequence number; 0 when the source has none

  friend bool operator==(const Reading&, const Reading&) = default;
};

// Sorts tags by key (byte order). Returns false, leaving the order unspecified, when a key
// appears twice.
bool SortTags(TagSet& tags);

// The series a reading belongs to: measurement + sorted tags, the box included as the
// `box` tag, written like a line-protocol series key ("temp,box=pi-1,rack=r01").
std::string SeriesKey(const Reading& reading);

}  // namespace coolflow::reading
