// A sparse array of pointers indexed by a dense id (series ids), readable from any thread
// while one writer fills it: a fixed table of pages, each page made on first use and
// published with a release store, each slot likewise. Slots are never cleared or moved, so a
// reader never waits and never sees a torn value. The objects pointed to are owned elsewhere.
//
// Thread safety: Set from one thread at a time (the owner's writer); Get from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace coolflow::store::engine {

template <typename T, uint32_t kCapacity>
class PagedArray {
 public:
  PagedArray() : pages_(std::make_unique<std::array<std::atomic<Page*>, kPages>>()) {
    for (auto& page : *pages_)
      page.store(nullptr, std::memory_order_relaxed);
  }
  PagedArray(const PagedArray&) = delete;
  PagedArray& operator=(const PagedArray&) = delete;

  // nullptr for an id never set or out of range.
  T* Get(uint32_t id) const {
    if (id >= kCapacity) return nullptr;
    const Page* page = (*pages_)[id >> kPageBits].load(std::memory_order_acquire);
    return page == nullptr ? nullptr
                           : (*page)[id & (kPageSize - 1)].load(std::memory_order_acquire);
  }

  // Writer only; id < kCapacity.
  void Set(uint32_t id, T* value) {
    auto& page_slot = (*pages_)[id >> kPageBits];
    Page* page = page_slot.load(std::memory_order_relaxed);
    if (page == nullptr) {
      auto fresh = std::make_unique<Page>();
      for (auto& slot : *fresh)
        slot.store(nullptr, std::memory_order_relaxed);
      page = fresh.get();
      owned_pages_.push_back(std::move(fresh));
      page_slot.store(page, std::memory_order_release);
    }
    (*page)[id & (kPageSize - 1)].store(value, std::memory_order_release);
  }

 private:
  static constexpr uint32_t kPageBits = 12;
  static constexpr uint32_t kPageSize = 1u << kPageBits;
  static constexpr uint32_t kPages = (kCapacity + kPageSize - 1) >> kPageBits;
  using Page = std::array<std::atomic<T*>, kPageSize>;

  std::unique_ptr<std::array<std::atomic<Page*>, kPages>> pages_;
  std::vector<std::unique_ptr<Page>> owned_pages_;  // writer only
};

}  // namespace coolflow::store::engine
