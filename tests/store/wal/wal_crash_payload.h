// The payloads of the WAL crash test, shared by the child that writes them and the test that
// checks them.
#pragma once

#include <string>

#include "fmt/format.h"

namespace coolflow::store::wal::testing {

inline std::string CrashPayload(int life, int thread, int n) {
  std::string payload = fmt::format("life {} thread {} record {}:", life, thread, n);
  payload.append(static_cast<size_t>((n * 131 + thread * 17) % 2000),
                 static_cast<char>('A' + (n + thread) % 26));
  return payload;
}

}  // namespace coolflow::store::wal::testing
