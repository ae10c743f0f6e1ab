#include "reading/reading.h"

#include <algorithm>
#include <limits>

#include "reading/line_protocol.h"

namespace coolflow::reading {

double ValueAsDouble(const Value& value) {
  struct Visitor {
    double operator()(double v) const { return v; }
    double operator()(int64_t v) const { return static_cast<double>(v); }
    double operator()(uint64_t v) const { return static_cast<double>(v); }
    double operator()(bool v) const { return v ? 1.0 : 0.0; }
    double operator()(const std::string&) const { return std::numeric_limits<double>::quiet_NaN(); }
  };
  return std::visit(Visitor{}, value);
}

bool IsNumeric(const Value& value) {
  return !std::holds_alternative<std::string>(value);
}

bool SortTags(TagSet& tags) {
  std::sort(tags.begin(), tags.end(), [](const Tag& a, const Tag& b) { return a.key < b.key; });
  return std::adjacent_find(tags.begin(), tags.end(), [](const Tag& a, const Tag& b) {
           return a.key == b.key;
         }) == tags.end();
}

std::string SeriesKey(const Reading& reading) {
  std::string key;
  lp::AppendMeasurement(key, reading.measurement);
  bool box_written = reading.box.empty();
  auto write_box = [&] {
    key += ',';
    lp::AppendTagText(key, kBoxTag);
    key += '=';
    lp::AppendTagText(key, reading.box);
    box_written = true;
  };
  for (const Tag& tag : reading.tags) {
    if (!box_written && tag.key > kBoxTag) write_box();
    key += ',';
    lp::AppendTagText(key, tag.key);
    key += '=';
    lp::AppendTagText(key, tag.value);
  }
  if (!box_written) write_box();
  return key;
}

}  // namespace coolflow::reading
