// Shared pieces of the libFuzzer targets: a property check that stops the fuzzer, fixed
// decode options, and checks every format's decode result must pass.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "fmt/format.h"
#include "reading/format.h"

// Checks a property of the code under test; on violation prints what broke and traps, so
// libFuzzer saves the input as a crash.
#define FUZZ_CHECK(cond)                                                    \
  do {                                                                      \
    if (!(cond)) ::coolflow::fuzz::Violated(#cond, __FILE__, __LINE__, ""); \
  } while (false)
// FUZZ_CHECK with a message built lazily, only on violation.
#define FUZZ_CHECK_MSG(cond, ...)                                           \
  do {                                                                      \
    if (!(cond)) {                                                          \
      ::coolflow::fuzz::Violated(#cond, __FILE__, __LINE__, (__VA_ARGS__)); \
    }                                                                       \
  } while (false)

namespace coolflow::fuzz {

[[noreturn]] inline void Violated(const char* condition, const char* file, int line,
                                  const std::string& detail) {
  std::fprintf(stderr, "\n%s:%d: property violated: %s\n", file, line, condition);
  if (!detail.empty()) std::fprintf(stderr, "%s\n", detail.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

// Checks a config loader's refusal of `input` loaded as `source`: it reads
// "<source>:<line>:..." with a line that exists in the input.
inline void CheckConfigRefusal(std::string_view input, std::string_view source,
                               const std::string& message) {
  FUZZ_CHECK_MSG(message.starts_with(std::string(source) + ":"), message);
  const std::string_view rest = std::string_view(message).substr(source.size() + 1);
  size_t line = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), line);
  FUZZ_CHECK_MSG(ec == std::errc() && end != rest.data() && *end == ':', message);
  const size_t lines = 1 + static_cast<size_t>(std::count(input.begin(), input.end(), '\n'));
  FUZZ_CHECK_MSG(line >= 1 && line <= lines,
                 fmt::format("{} (input has {} lines)", message, lines));
}

// "Now" for every decode: 2025-11-24T16:00:00Z. A constant, so a run is deterministic.
inline constexpr TimeNs kNow = 1'764'000'000'000'000'000;

inline reading::DecodeOptions FixedOptions() {
  reading::DecodeOptions options;
  options.now = kNow;
  return options;
}

// The format registered as `name`; traps when the registry lacks it.
inline const reading::Format& FormatNamed(std::string_view name) {
  const reading::Format* format = reading::FindFormat(name);
  FUZZ_CHECK_MSG(format != nullptr && format->decoder && format->encoder,
                 fmt::format("format '{}' is not registered", name));
  return *format;
}

inline reading::DecodeResult Decode(const reading::Format& format, std::string_view input) {
  reading::DecodeResult result;
  format.decoder->Decode(input, FixedOptions(), result);
  return result;
}

// One reading as text, for failure messages.
inline std::string Describe(const reading::Reading& r) {
  std::string tags;
  for (const reading::Tag& tag : r.tags)
    tags += fmt::format(" {:?}={:?}", tag.key, tag.value);
  const std::string value = std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return fmt::format("string {:?}", v);
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "bool true" : "bool false";
        } else if constexpr (std::is_same_v<T, double>) {
          return fmt::format("double {}", v);
        } else {
          return fmt::format("{} {}", std::is_same_v<T, int64_t> ? "int64" : "uint64", v);
        }
      },
      r.value);
  return fmt::format(
      "box={:?} measurement={:?} metric={:?} tags:[{} ] time={} value={} unit={:?} "
      "seq={}",
      r.box, r.measurement, r.metric, tags, r.time, value, reading::UnitSymbol(r.unit), r.seq);
}

// Checks what every decoder promises about its errors: each names a 1-based line and column
// that agree with its byte offset, which lies inside the input. `exact_lines` is false for
// line protocol, where a point spans several lines when a string value holds a newline and
// its errors count lines and columns from the point's first line.
inline void CheckErrors(std::string_view input, const reading::DecodeResult& result,
                        bool exact_lines) {
  FUZZ_CHECK(result.records >= result.errors.size());
  for (const reading::RecordError& e : result.errors) {
    FUZZ_CHECK_MSG(
        e.offset <= input.size() && e.line >= 1 && e.column >= 1,
        fmt::format("error at {} in {} bytes: {}", e.offset, input.size(), e.ToString()));
    FUZZ_CHECK_MSG(!e.message.empty(), e.ToString());
    size_t line = 0;
    size_t column = 0;
    reading::LocateOffset(input, e.offset, line, column);
    if (exact_lines) {
      FUZZ_CHECK_MSG(line == e.line && column == e.column,
                     fmt::format("{} but byte {} is at line {}, column {}", e.ToString(), e.offset,
                                 line, column));
    } else {
      FUZZ_CHECK_MSG(e.line <= line,
                     fmt::format("{} but byte {} is at line {}", e.ToString(), e.offset, line));
    }
  }
}

// Checks that `got` equals `want`, reading by reading; on a difference prints both.
inline void CheckSameReadings(const std::vector<reading::Reading>& want,
                              const std::vector<reading::Reading>& got, std::string_view encoded) {
  const size_t n = std::min(want.size(), got.size());
  for (size_t i = 0; i < n; ++i) {
    FUZZ_CHECK_MSG(want[i] == got[i],
                   fmt::format("reading {} changed in the round trip\n  before: {}\n  after:  "
                               "{}\n  encoded: {:?}",
                               i, Describe(want[i]), Describe(got[i]), encoded));
  }
  FUZZ_CHECK_MSG(want.size() == got.size(),
                 fmt::format("{} readings before the round trip, {} after\n  encoded: {:?}",
                             want.size(), got.size(), encoded));
}

// Encodes `readings` with `format`, which must take them all, and returns the text.
inline std::string Encode(const reading::Format& format,
                          std::span<const reading::Reading> readings) {
  std::string out;
  std::vector<reading::EncodeError> errors;
  format.encoder->Encode(readings, out, errors);
  FUZZ_CHECK_MSG(errors.empty(),
                 fmt::format("{} refused decoded reading {}: {}\n  reading: {}", format.name,
                             errors.front().index, errors.front().message,
                             Describe(readings[errors.front().index])));
  return out;
}

// Decodes `encoded` (the encoding of `want`) and checks it gives back exactly `want`.
inline void CheckDecodesTo(const reading::Format& format, std::string_view encoded,
                           const std::vector<reading::Reading>& want) {
  const reading::DecodeResult again = Decode(format, encoded);
  FUZZ_CHECK_MSG(again.errors.empty(),
                 fmt::format("{} refused its own encoding: {}\n  encoded: {:?}", format.name,
                             again.errors.front().ToString(), encoded));
  CheckSameReadings(want, again.readings, encoded);
}

}  // namespace coolflow::fuzz
