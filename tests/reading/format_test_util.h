// Helpers for the wire-format tests: decode with a fixed "now" so results are exact.
#pragma once

#include <string>
#include <string_view>

#include "reading/format.h"

namespace coolflow::reading::testing {

// 2025-11-24T16:00:00Z.
inline constexpr TimeNs kNow = 1'764'000'000LL * kNanosPerSecond;

inline DecodeResult Decode(std::string_view format, std::string_view input,
                           DecodeOptions options = {}) {
  if (options.now == 0) options.now = kNow;
  DecodeResult result;
  FindFormat(format)->decoder->Decode(input, options, result);
  return result;
}

inline std::string Encode(std::string_view format, std::span<const Reading> readings,
                          std::vector<EncodeError>* errors = nullptr) {
  std::string out;
  std::vector<EncodeError> local;
  FindFormat(format)->encoder->Encode(readings, out, errors != nullptr ? *errors : local);
  return out;
}

}  // namespace coolflow::reading::testing
