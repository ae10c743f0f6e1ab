#include "hub/dedup.h"

#include <gtest/gtest.h>

namespace coolflow::hub {
namespace {

TEST(SequenceDedupTest, RefusesCommittedNumbersAndPassesNewOnes) {
  SequenceDedup dedup(128);
  EXPECT_FALSE(dedup.IsDuplicate("pi-1", 1));
  dedup.Commit("pi-1", 1);
  dedup.Commit("pi-1", 2);
  EXPECT_TRUE(dedup.IsDuplicate("pi-1", 1));
  EXPECT_TRUE(dedup.IsDuplicate("pi-1", 2));
  EXPECT_FALSE(dedup.IsDuplicate("pi-1", 3));
  EXPECT_FALSE(dedup.IsDuplicate("pi-2", 1)) << "boxes number independently";
  EXPECT_EQ(dedup.stats().duplicates, 2u);
  EXPECT_EQ(dedup.stats().boxes, 1u);
}

TEST(SequenceDedupTest, ReadingsWithoutANumberAlwaysPass) {
  SequenceDedup dedup;
  dedup.Commit("pi-1", 0);
  EXPECT_FALSE(dedup.IsDuplicate("pi-1", 0));
  EXPECT_EQ(dedup.stats().checked, 0u);
  EXPECT_EQ(dedup.stats().boxes, 0u);
}

TEST(SequenceDedupTest, CountsGapsAndLateArrivalsThatFillThem) {
  SequenceDedup dedup(128);
  dedup.Commit("pi-1", 1);
  dedup.Commit("pi-1", 5);  // 2, 3, 4 skipped
  EXPECT_EQ(dedup.stats().gaps, 1u);
  EXPECT_EQ(dedup.stats().missing, 3u);
  EXPECT_FALSE(dedup.IsDuplicate("pi-1", 3));
  dedup.Commit("pi-1", 3);
  EXPECT_EQ(dedup.stats().late, 1u);
  EXPECT_TRUE(dedup.IsDuplicate("pi-1", 3));
  EXPECT_FALSE(dedup.IsDuplicate("pi-1", 4));
}

TEST(SequenceDedupTest, ForgetsNumbersThatLeaveTheWindow) {
  SequenceDedup dedup(64);
  for (uint64_t n = 1; n <= 64; ++n)
    dedup.Commit("pi-1", n);
  EXPECT_TRUE(dedup.IsDuplicate("pi-1", 1));
  dedup.Commit("pi-1", 65);  // 1 leaves the window
  EXPECT_FALSE(dedup.IsDuplicate("pi-1", 1));
  EXPECT_EQ(dedup.stats().too_old, 1u);
  EXPECT_TRUE(dedup.IsDuplicate("pi-1", 2));
  // A jump past the whole window clears it: the bits of old numbers must not make the new
  // ones look seen.
  dedup.Commit("pi-1", 1000);
  for (uint64_t n = 1000 - 63; n < 1000; ++n)
    EXPECT_FALSE(dedup.IsDuplicate("pi-1", n)) << n;
  EXPECT_TRUE(dedup.IsDuplicate("pi-1", 1000));
}

TEST(SequenceDedupTest, AShortJumpClearsOnlyTheNumbersItSkips) {
  SequenceDedup dedup(64);
  for (uint64_t n = 1; n <= 64; ++n)
    dedup.Commit("pi-1", n);
  dedup.Commit("pi-1", 70);  // 65..69 skipped: their bits held 1..5
  for (uint64_t n = 65; n < 70; ++n)
    EXPECT_FALSE(dedup.IsDuplicate("pi-1", n)) << n;
  for (uint64_t n = 7; n <= 64; ++n)
    EXPECT_TRUE(dedup.IsDuplicate("pi-1", n)) << n;
}

}  // namespace
}  // namespace coolflow::hub
