// The seed's Kafka `temp` record: `x,id,humidity,temperature`, one per line. The original
// consumer ignored field 0; coolflow reads a time there when there is one.
#include <cmath>

#include "common/time.h"
#include "fmt/format.h"
#include "reading/format.h"
#include "reading/text_util.h"

namespace coolflow::reading {
namespace {

constexpr std::string_view kMeasurement = "temp";
constexpr std::string_view kHumidity = "humidity";
constexpr std::string_view kTemperature = "temperature";
constexpr size_t kFieldCount = 4;

// "2025-11-24..." : four digits and a dash.
bool LooksLikeIsoDate(std::string_view text) {
  if (text.size() < 5 || text[4] != '-') return false;
  for (size_t i = 0; i < 4; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

class TempCsvDecoder final : public Decoder {
 public:
  void Decode(std::string_view input, const DecodeOptions& options,
              DecodeResult& result) const override {
    size_t line_no = 0;
    ForEachLine(input, [&](std::string_view line, size_t line_offset) {
      ++line_no;
      if (Trim(line).empty()) return;
      ++result.records;
      DecodeLine(line, line_no, line_offset, options, result);
    });
  }

 private:
  static void DecodeLine(std::string_view line, size_t line_no, size_t line_offset,
                         const DecodeOptions& options, DecodeResult& result) {
    std::string_view fields[kFieldCount];
    size_t starts[kFieldCount] = {};
    size_t count = 0;
    size_t pos = 0;
    for (;;) {
      const size_t comma = line.find(',', pos);
      const size_t end = comma == std::string_view::npos ? line.size() : comma;
      if (count < kFieldCount) {
        fields[count] = line.substr(pos, end - pos);
        starts[count] = pos;
      }
      ++count;
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
    auto refuse = [&](size_t column0, std::string item, std::string message) {
      result.errors.push_back(
          {line_no, column0 + 1, line_offset + column0, std::move(item), std::move(message)});
    };
    if (count != kFieldCount) {
      refuse(0, "record",
             fmt::format("expected 4 comma-separated fields x,id,humidity,temperature; "
                         "found {}",
                         count));
      return;
    }
    Reading base;
    base.measurement = kMeasurement;
    base.time = options.now;
    const std::string_view x = Trim(fields[0]);
    if (!x.empty()) {
      auto t = ParseTimestamp(x);
      if (t.ok() && *t >= kDefaultMinTime) {
        base.time = *t;
      } else if (!t.ok() && LooksLikeIsoDate(x)) {
        // Field 0 is free-form in the seed, but a date that does not parse is a typo, not
        // an unused column: stamping it with the arrival time would hide the mistake.
        refuse(starts[0], "time", t.status().message());
        return;
      }
    }
    base.box = Trim(fields[1]);
    if (Status s = ValidateBoxId(base.box); !s.ok()) {
      refuse(starts[1], "id", s.message());
      return;
    }
    Reading readings[2] = {base, base};
    const std::string_view names[2] = {kHumidity, kTemperature};
    for (size_t k = 0; k < 2; ++k) {
      const std::string_view text = Trim(fields[2 + k]);
      double value = 0;
      if (text.empty()) {
        refuse(starts[2 + k], std::string(names[k]), "missing value");
        return;
      }
      if (!ParseDouble(text, value)) {
        refuse(starts[2 + k], std::string(names[k]),
               fmt::format("'{}' is not a decimal number", text));
        return;
      }
      readings[k].metric = names[k];
      readings[k].value = value;
      FillCatalogUnit(readings[k]);
      if (auto violation = Validate(readings[k], options.now, options.validation)) {
        refuse(violation->item == names[k] ? starts[2 + k] : starts[0], violation->item,
               violation->message);
        return;
      }
    }
    result.readings.push_back(std::move(readings[0]));
    result.readings.push_back(std::move(readings[1]));
  }
};

class TempCsvEncoder final : public Encoder {
 public:
  void Encode(std::span<const Reading> readings, std::string& out,
              std::vector<EncodeError>& errors) const override {
    // Pairs humidity and temperature of the same box and time, in input order.
    size_t i = 0;
    while (i < readings.size()) {
      const Reading& head = readings[i];
      if (head.measurement != kMeasurement ||
          (head.metric != kHumidity && head.metric != kTemperature)) {
        errors.push_back({i, fmt::format("temp-csv carries only temp humidity and "
                                         "temperature; not {} {}",
                                         head.measurement, head.metric)});
        ++i;
        continue;
      }
      const Reading* humidity = nullptr;
      const Reading* temperature = nullptr;
      size_t end = i;
      while (end < readings.size() && readings[end].measurement == kMeasurement &&
             readings[end].box == head.box && readings[end].time == head.time &&
             (readings[end].metric == kHumidity || readings[end].metric == kTemperature)) {
        (readings[end].metric == kHumidity ? humidity : temperature) = &readings[end];
        ++end;
      }
      if (humidity == nullptr || temperature == nullptr) {
        errors.push_back({i,
                          fmt::format("temp-csv needs both humidity and temperature of "
                                      "box {} at {}",
                                      head.box, FormatRfc3339(head.time)),
                          end - i});
      } else {
        out += FormatRfc3339(head.time);
        out += ',';
        out += head.box;
        out += ',';
        AppendShortest(out, ValueAsDouble(humidity->value));
        out += ',';
        AppendShortest(out, ValueAsDouble(temperature->value));
        out += '\n';
      }
      i = end;
    }
  }
};

}  // namespace

std::unique_ptr<Decoder> MakeTempCsvDecoder() {
  return std::make_unique<TempCsvDecoder>();
}
std::unique_ptr<Encoder> MakeTempCsvEncoder() {
  return std::make_unique<TempCsvEncoder>();
}

}  // namespace coolflow::reading
