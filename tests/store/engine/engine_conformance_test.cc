// The store conformance suite (tests/store/conformance) against the embedded engine, twice:
// as written (points in the memtable), and with every Append followed by Compact, so the same
// questions are answered from block files and their rollups.
#include <memory>

#include "engine_test_util.h"
#include "store/conformance/store_conformance.h"
#include "store/engine/engine.h"

namespace coolflow::store {
namespace {

using conformance::StoreConformanceTest;
using conformance::StoreFactory;

// An engine in a directory of its own, removed with it; optionally compacting after every
// Append.
class EngineInTempDir final : public Store {
 public:
  static Result<std::unique_ptr<Store>> Make(bool compact_each_append) {
    auto store = std::unique_ptr<EngineInTempDir>(new EngineInTempDir(compact_each_append));
    auto engine = engine::Engine::Open(store->dir_.path());
    if (!engine.ok()) return engine.status();
    store->engine_ = std::move(*engine);
    return std::unique_ptr<Store>(std::move(store));
  }
  ~EngineInTempDir() override { engine_.reset(); }

  Result<AppendResult> Append(std::span<const reading::Reading> batch) override {
    auto result = engine_->Append(batch);
    if (result.ok() && compact_) {
      if (Status s = engine_->Compact(); !s.ok()) return s;
    }
    return result;
  }
  Result<std::vector<SeriesPoints>> Last(const Selector& selector) override {
    return engine_->Last(selector);
  }
  Result<std::vector<SeriesPoints>> Range(const Selector& selector, TimeNs from,
                                          TimeNs to) override {
    return engine_->Range(selector, from, to);
  }
  Result<std::vector<GroupBuckets>> Aggregate(const AggregateQuery& query) override {
    return engine_->Aggregate(query);
  }

 private:
  explicit EngineInTempDir(bool compact) : dir_("conformance"), compact_(compact) {}
  engine::testing::TempDir dir_;
  bool compact_;
  std::unique_ptr<engine::Engine> engine_;
};

const StoreFactory kEngine{"Engine", [] { return EngineInTempDir::Make(false); }, {}};
const StoreFactory kEngineBlocks{"EngineBlocks", [] { return EngineInTempDir::Make(true); }, {}};

INSTANTIATE_TEST_SUITE_P(Engine, StoreConformanceTest, ::testing::Values(kEngine, kEngineBlocks),
                         conformance::StoreFactoryName);

}  // namespace
}  // namespace coolflow::store
