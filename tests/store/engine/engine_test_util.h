// Helpers for the engine's tests: a temporary directory and readings.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "reading/reading.h"
#include "store/conformance/store_conformance.h"

namespace coolflow::store::engine::testing {

// A fresh directory under the test temp dir, removed with everything in it.
class TempDir {
 public:
  explicit TempDir(std::string_view name) {
    static std::atomic<int> counter{0};
    path_ = ::testing::TempDir() + "engine_" + std::string(name) + "_" +
            std::to_string(::getpid()) + "_" + std::to_string(counter++);
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline reading::Reading MakeReading(std::string box, std::string measurement, std::string metric,
                                    TimeNs time, reading::Value value, reading::TagSet tags = {}) {
  return conformance::MakeReading(std::move(box), std::move(measurement), std::move(metric),
                                  std::move(tags), time, std::move(value));
}

}  // namespace coolflow::store::engine::testing
