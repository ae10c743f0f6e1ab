#include "reading/json_util.h"

#include <charconv>

#include "fmt/format.h"
#include "reading/text_util.h"

namespace coolflow::reading::json {

LineReader::Buffers& LineReader::ThreadBuffers() {
  thread_local Buffers buffers;
  return buffers;
}

LineReader::LineReader(std::string_view input)
    : buffers_(ThreadBuffers()), input_size_(input.size()) {
  // assign + append reuse the capacity of the previous input; the padding is zeroed, as
  // simdjson::padded_string does.
  buffers_.padded.assign(input);
  buffers_.padded.append(simdjson::SIMDJSON_PADDING, '\0');
}

RecordError LinePosition::At(const char* where, std::string item, std::string message) const {
  size_t column0 = 0;
  if (where >= line.data() && where <= line.data() + line.size()) {
    column0 = static_cast<size_t>(where - line.data());
  }
  return {line_no, column0 + 1, line_offset + column0, std::move(item), std::move(message)};
}

std::string Describe(simdjson::error_code error) {
  return fmt::format("not valid JSON: {}", simdjson::error_message(error));
}

std::string DescribeObjectError(std::string_view line, simdjson::error_code error,
                                const char*& where) {
  where = line.data();
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string_view::npos) return Describe(error);
  if (line[i] != '{') {
    return error == simdjson::INCORRECT_TYPE ? "expected a JSON object" : Describe(error);
  }
  // Find where the top-level object closes, minding strings and their escapes.
  int depth = 0;
  bool in_string = false;
  for (; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      const size_t rest = line.find_first_not_of(" \t", i + 1);
      if (rest != std::string_view::npos) {
        where = line.data() + rest;
        return "unexpected text after the JSON object";
      }
      break;
    }
  }
  return Describe(error);
}

namespace {

std::string ParseNumberText(std::string_view text, Value& out) {
  if (text.empty()) return "empty number";
  const bool integral = text.find_first_of(".eE") == std::string_view::npos;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (integral) {
    int64_t i = 0;
    auto [p, ec] = std::from_chars(first, last, i);
    if (ec == std::errc() && p == last) {
      out = i;
      return "";
    }
    uint64_t u = 0;
    auto [pu, ecu] = std::from_chars(first, last, u);
    if (ecu == std::errc() && pu == last) {
      out = u;
      return "";
    }
    // A whole number beyond 64 bits is still a JSON number: read it as a double below.
  }
  double d = 0;
  if (!ParseDouble(text, d)) return fmt::format("'{}' is not a decimal number", text);
  out = d;
  return "";
}

}  // namespace

std::string ReadNumber(simdjson::ondemand::value& value, Value& out, std::string_view& token) {
  token = value.raw_json_token();
  simdjson::ondemand::json_type type;
  if (auto error = value.type().get(type); error) return Describe(error);
  if (type == simdjson::ondemand::json_type::number) {
    // The raw token may carry trailing whitespace up to the next structural character.
    return ParseNumberText(Trim(token.substr(0, token.find_first_of(",}] \t\r\n"))), out);
  }
  if (type == simdjson::ondemand::json_type::string) {
    std::string_view text;
    if (auto error = value.get_string().get(text); error) return Describe(error);
    return ParseNumberText(Trim(text), out);
  }
  return "expected a number";
}

}  // namespace coolflow::reading::json
