// The store conformance suite: what every store.h implementation must do, written against
// store.h alone. A test binary instantiates it once per implementation:
//
//   StoreFactory factory{"Engine", [] { return OpenEngineInTempDir(); }};
//   INSTANTIATE_TEST_SUITE_P(Engine, StoreConformanceTest, ::testing::Values(factory),
//                            StoreFactoryName);
//
// Using StoreFactoryName (defined beside the tests) makes the linker keep the suite's object
// file from the static library; without it the tests may silently vanish.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "common/status.h"
#include "gtest/gtest.h"
#include "store/store.h"

namespace coolflow::store::conformance {

// Where an implementation knowingly differs from store.h; the tests concerned are skipped
// with the reason, and the implementation's own tests cover its behaviour instead.
struct StoreCapabilities {
  // uint64 values above INT64_MAX are stored and read back as uint64 (InfluxDB 1.6: no).
  bool unsigned_integers = true;
};

struct StoreFactory {
  std::string name;  // a test-name-safe word: "Engine", "InfluxDb"
  // A FRESH, empty store on every call (each test makes one).
  std::function<Result<std::unique_ptr<Store>>()> make;
  StoreCapabilities capabilities;
};

// Prints the factory by name in test failure messages.
inline void PrintTo(const StoreFactory& factory, std::ostream* os) {
  *os << factory.name;
}

// The parameterised fixture: store() is a fresh store from the factory.
class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  Store& store() { return *store_; }

 private:
  std::unique_ptr<Store> store_;
};

// A reading of `box` (empty: none), for the tests of every store.
reading::Reading MakeReading(std::string box, std::string measurement, std::string metric,
                             reading::TagSet tags, TimeNs time, reading::Value value);

// The factory's name, for INSTANTIATE_TEST_SUITE_P's name generator.
std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info);

}  // namespace coolflow::store::conformance
