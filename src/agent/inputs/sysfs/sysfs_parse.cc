#include "agent/inputs/sysfs/sysfs_parse.h"

#include <array>
#include <charconv>
#include <cmath>
#include <system_error>

#include "agent/inputs/kernel/kernel_text.h"
#include "fmt/format.h"

namespace coolflow::agent {
namespace {

using kernel::IsBlank;
using kernel::TrimBlanks;

constexpr size_t kScratchpadBytes = 9;
constexpr std::string_view kCrcMark = "crc=";
constexpr std::string_view kTemperatureMark = "t=";
constexpr std::string_view kCrcGood = "YES";
constexpr std::string_view kCrcBad = "NO";

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool IsHexDigit(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// A decimal number as sysfs writes it: [-]digits[.digits]. No exponent, no '+', no hex:
// std::from_chars alone would take "1e5" and "inf", which no sysfs attribute prints.
bool IsPlainDecimal(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  size_t digits = 0;
  while (i < text.size() && IsDigit(text[i]))
    ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    size_t fraction = 0;
    while (i < text.size() && IsDigit(text[i]))
      ++i, ++fraction;
    if (fraction == 0) return false;
  }
  return digits > 0 && i == text.size();
}

// Splits `text` into lines (without '\n'); the final newline ends the last line rather than
// starting an empty one.
std::array<std::string_view, 3> SplitLines(std::string_view text, size_t& count) {
  std::array<std::string_view, 3> lines{};
  count = 0;
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  size_t pos = 0;
  for (;;) {
    const size_t end = text.find('\n', pos);
    const std::string_view line =
        text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (count < lines.size()) lines[count] = line;
    ++count;
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return lines;
}

// Reads the nine "xx " scratchpad bytes at the start of `line`; the rest goes to `rest`.
Status ParseScratchpad(std::string_view line, size_t line_no,
                       std::array<uint8_t, kScratchpadBytes>& bytes, std::string_view& rest) {
  size_t pos = 0;
  for (size_t i = 0; i < kScratchpadBytes; ++i) {
    while (pos < line.size() && IsBlank(line[pos]))
      ++pos;
    if (pos + 2 > line.size() || !IsHexDigit(line[pos]) || !IsHexDigit(line[pos + 1]) ||
        (pos + 2 < line.size() && !IsBlank(line[pos + 2]))) {
      return InvalidArgument(fmt::format("line {}: expected nine hex scratchpad bytes, found {}",
                                         line_no, QuoteFileText(line)));
    }
    unsigned value = 0;
    std::from_chars(line.data() + pos, line.data() + pos + 2, value, 16);
    bytes[i] = static_cast<uint8_t>(value);
    pos += 2;
  }
  rest = TrimBlanks(line.substr(pos));
  return Status::Ok();
}

}  // namespace

std::string QuoteFileText(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return kernel::Quote(text);
}

Result<double> ParseSysfsNumber(std::string_view text) {
  std::string_view body = text;
  if (!body.empty() && body.back() == '\n') body.remove_suffix(1);
  body = TrimBlanks(body);
  if (body.empty()) {
    return InvalidArgument(text.empty() ? "empty file" : "no number, only blanks");
  }
  if (!IsPlainDecimal(body)) {
    return InvalidArgument(fmt::format("{} is not a decimal number", QuoteFileText(text)));
  }
  double value = 0;
  const auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (ec != std::errc() || ptr != body.data() + body.size() || !std::isfinite(value)) {
    return InvalidArgument(fmt::format("{} does not fit a double", QuoteFileText(text)));
  }
  return value;
}

Result<W1Slave> ParseW1Slave(std::string_view text) {
  if (text.empty()) return InvalidArgument("empty file");
  size_t count = 0;
  const auto lines = SplitLines(text, count);
  if (count != 2) {
    return InvalidArgument(
        fmt::format("expected 2 lines (CRC verdict, temperature), found {}", count));
  }
  W1Slave out;
  std::array<uint8_t, kScratchpadBytes> first{};
  std::array<uint8_t, kScratchpadBytes> second{};
  std::string_view rest;
  if (Status s = ParseScratchpad(lines[0], 1, first, rest); !s.ok()) return s;
  // ": crc=57 YES"
  if (rest.empty() || rest.front() != ':') {
    return InvalidArgument(fmt::format(
        "line 1: expected ': crc=XX YES|NO' after the bytes, found {}", QuoteFileText(lines[0])));
  }
  rest = TrimBlanks(rest.substr(1));
  if (rest.substr(0, kCrcMark.size()) != kCrcMark) {
    return InvalidArgument(fmt::format("line 1: no '{}' in {}", kCrcMark, QuoteFileText(lines[0])));
  }
  const size_t verdict_at = rest.rfind(' ');
  const std::string_view verdict =
      verdict_at == std::string_view::npos ? std::string_view() : rest.substr(verdict_at + 1);
  if (verdict == kCrcGood) {
    out.crc_ok = true;
  } else if (verdict != kCrcBad) {
    return InvalidArgument(fmt::format("line 1: the CRC verdict must be YES or NO, found {}",
                                       QuoteFileText(lines[0])));
  }
  if (Status s = ParseScratchpad(lines[1], 2, second, rest); !s.ok()) return s;
  if (rest.substr(0, kTemperatureMark.size()) != kTemperatureMark) {
    return InvalidArgument(fmt::format("line 2: no '{}' temperature after the bytes in {}",
                                       kTemperatureMark, QuoteFileText(lines[1])));
  }
  const std::string_view number = rest.substr(kTemperatureMark.size());
  const char* end = number.data() + number.size();
  const auto [ptr, ec] = std::from_chars(number.data(), end, out.milli_celsius);
  if (number.empty() || ec != std::errc() || ptr != end) {
    return InvalidArgument(
        fmt::format("line 2: the temperature {} is not a whole number of "
                    "milli-degrees",
                    QuoteFileText(number)));
  }
  out.all_zero = true;
  for (const uint8_t b : first)
    out.all_zero = out.all_zero && b == 0;
  return out;
}

}  // namespace coolflow::agent
