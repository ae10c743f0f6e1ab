// Wire formats of readings, by name. Each format decodes a whole input (a message, a
// file) record by record: a bad record is reported with its position and never stops the
// records after it.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/time.h"
#include "reading/reading.h"
#include "reading/validate.h"

namespace coolflow::reading {

// Why one record was refused.
struct RecordError {
  size_t line = 0;    // 1-based line of the input where the fault is
  size_t column = 0;  // 1-based byte column in that line
  size_t offset = 0;  // byte offset from the start of the input
  std::string item;   // the part at fault: "temperature", "box", "timestamp", ...
  std::string message;

  // "line 3, column 17 (byte 112): temperature: 91.2 Cel is outside ..."
  std::string ToString() const;
};

struct DecodeOptions {
  TimeNs now = 0;  // arrival time: stamps records that carry none; "now" for validation
  Precision precision = Precision::kNanoseconds;  // line protocol timestamps
  bool allow_unsigned = true;                     // line protocol `u` integers
  ValidationOptions validation;
};

struct DecodeResult {
  std::vector<Reading> readings;    // every reading of every accepted record, in order
  std::vector<RecordError> errors;  // one per refused record, in order
  size_t records = 0;               // records seen, accepted or not
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Appends the readings of each valid record of `input` to result.readings and one
  // error per refused record to result.errors. Never throws on bad input.
  virtual void Decode(std::string_view input, const DecodeOptions& options,
                      DecodeResult& result) const = 0;
};

// Why one reading (or group of readings) could not be written in a format.
struct EncodeError {
  size_t index = 0;  // index of the first reading concerned
  std::string message;
  size_t count = 1;  // how many readings were left unwritten
};

class Encoder {
 public:
  virtual ~Encoder() = default;
  // Appends `readings` in this format to `out`. Readings the format cannot carry are
  // skipped with one error each; the others are written.
  virtual void Encode(std::span<const Reading> readings, std::string& out,
                      std::vector<EncodeError>& errors) const = 0;
};

struct Format {
  std::string_view name;     // "line-protocol"
  std::string_view summary;  // one line for --help
  std::unique_ptr<Decoder> decoder;
  std::unique_ptr<Encoder> encoder;
};

// The name and one-line summary of every format coolflow speaks, in a stable order.
struct FormatName {
  std::string_view name;     // "line-protocol"
  std::string_view summary;  // one line for --help
};
std::span<const FormatName> FormatNames();
// The name of the format called `name` or one of its aliases ("lp" -> "line-protocol"),
// or "" when there is none.
std::string_view CanonicalFormatName(std::string_view name);
// A new encoder for the format called `name` (or an alias), or nullptr. Part of the
// coolflow_reading library, which has no JSON parser: what a process that only writes
// readings (the agent) links.
std::unique_ptr<Encoder> MakeEncoder(std::string_view name);

// Every format both ways, in the order of FormatNames(), and the one called `name` (or an
// alias), or nullptr. In the coolflow_reading_formats library, which links simdjson for the
// JSON decoders.
std::span<const Format> Formats();
const Format* FindFormat(std::string_view name);

// Computes the 1-based line and column of `offset` in `input`.
void LocateOffset(std::string_view input, size_t offset, size_t& line, size_t& column);

// Factories, one per format file; Formats() lists them.
std::unique_ptr<Decoder> MakeLineProtocolDecoder();
std::unique_ptr<Encoder> MakeLineProtocolEncoder();
std::unique_ptr<Decoder> MakeTempCsvDecoder();
std::unique_ptr<Encoder> MakeTempCsvEncoder();
std::unique_ptr<Decoder> MakeResourceJsonDecoder();
std::unique_ptr<Encoder> MakeResourceJsonEncoder();
std::unique_ptr<Decoder> MakeCoolflowJsonDecoder();
std::unique_ptr<Encoder> MakeCoolflowJsonEncoder();

}  // namespace coolflow::reading
