// Shared pieces of the JSON wire formats: one JSON document per line (NDJSON), parsed with
// simdjson's On-Demand API, errors located by line, column and byte offset.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "reading/format.h"
#include "reading/json_write.h"
#include "simdjson.h"

namespace coolflow::reading::json {

// Walks `input` line by line and hands each non-blank line to fn(doc, line, line_no,
// line_offset) as a simdjson document. The input is copied once into a padded buffer.
class LineReader {
 public:
  explicit LineReader(std::string_view input);

  template <typename Fn>
  void ForEach(Fn&& fn) {
    size_t pos = 0;
    size_t line_no = 0;
    const std::string_view all(buffers_.padded.data(), input_size_);
    while (pos < all.size()) {
      size_t end = all.find('\n', pos);
      if (end == std::string_view::npos) end = all.size();
      ++line_no;
      std::string_view line = all.substr(pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") != std::string_view::npos) {
        simdjson::ondemand::document doc;
        const simdjson::error_code error =
            buffers_.parser.iterate(line.data(), line.size(), buffers_.padded.size() - pos)
                .get(doc);
        fn(doc, error, line, line_no, pos);
      }
      pos = end + 1;
    }
  }

 private:
  // The padded copy of the input and the parser, kept per thread and reused by the next
  // LineReader on it, so that a message costs no allocation for them (they keep the capacity
  // of the largest input the thread decoded). So a thread has one LineReader at a time (the
  // decoders never nest).
  struct Buffers {
    std::string padded;  // the input, then SIMDJSON_PADDING zero bytes
    simdjson::ondemand::parser parser;
  };
  static Buffers& ThreadBuffers();

  Buffers& buffers_;
  size_t input_size_;
};

// Position helper for one line: turns pointers into the line into RecordErrors.
struct LinePosition {
  std::string_view line;
  size_t line_no;
  size_t line_offset;

  RecordError At(const char* where, std::string item, std::string message) const;
  RecordError AtToken(std::string_view token, std::string item, std::string message) const {
    return At(token.data(), std::move(item), std::move(message));
  }
};

// A readable name for a simdjson error ("not valid JSON: ...").
std::string Describe(simdjson::error_code error);

// Explains why a line is not the JSON object it should be: "expected a JSON object" when it
// holds another JSON value, "unexpected text after the JSON object" (with `where` set) when
// a complete object is followed by more text, else Describe(error).
std::string DescribeObjectError(std::string_view line, simdjson::error_code error,
                                const char*& where);

// Reads a number, or a string holding a decimal number, into a Value: integers without a
// fraction or exponent become int64 (uint64 when too large), others double. Sets `token`
// to the value's raw text. Returns an error message, or "" on success.
std::string ReadNumber(simdjson::ondemand::value& value, Value& out, std::string_view& token);

}  // namespace coolflow::reading::json
