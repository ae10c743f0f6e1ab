// Shared helpers of the WAL tests: deterministic payloads and a replay into a vector.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "store/wal/wal.h"

namespace coolflow::store::wal::testing {

// A payload of 0..~300 bytes that tells which record it is.
inline std::string Payload(uint64_t n) {
  std::string payload = fmt::format("record-{}:", n);
  payload.append(static_cast<size_t>((n * 37) % 300), static_cast<char>('a' + n % 26));
  return payload;
}

using Records = std::vector<std::pair<uint64_t, std::string>>;

inline Status ReplayInto(const Wal& wal, uint64_t after, Records& out) {
  return wal.Replay(after, [&](uint64_t seq, std::string_view payload) {
    out.emplace_back(seq, std::string(payload));
    return Status::Ok();
  });
}

inline Status ReplayInto(const std::string& dir, FileSystem& fs, Records& out) {
  return ReplayDirectory(dir, fs, 0, [&](uint64_t seq, std::string_view payload) {
    out.emplace_back(seq, std::string(payload));
    return Status::Ok();
  });
}

}  // namespace coolflow::store::wal::testing
