#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace coolflow {
namespace {

TEST(Crc32c, CheckValuesOfTheCastagnoliPolynomial) {
  for (auto crc : {&Crc32c, &Crc32cPortable}) {
    EXPECT_EQ(crc("123456789", 0), 0xe3069283u);
    EXPECT_EQ(crc("", 0), 0u);
    // RFC 3720 (iSCSI), B.4: 32 bytes of zeros, of ones, and counting up.
    EXPECT_EQ(crc(std::string(32, '\0'), 0), 0x8a9136aau);
    EXPECT_EQ(crc(std::string(32, '\xff'), 0), 0x62a8ab43u);
    std::string ascending;
    for (int i = 0; i < 32; ++i)
      ascending.push_back(static_cast<char>(i));
    EXPECT_EQ(crc(ascending, 0), 0x46dd794eu);
  }
}

TEST(Crc32c, ContinuesAcrossPieces) {
  EXPECT_EQ(Crc32c("6789", Crc32c("12345")), Crc32c("123456789"));
  EXPECT_EQ(Crc32cPortable("6789", Crc32cPortable("12345")), 0xe3069283u);
}

// The CPU's instruction, where this machine has one, agrees with the table at every length
// and alignment (the word loop and the byte tail both exercised).
TEST(Crc32c, InstructionAgreesWithTheTable) {
  if (!Crc32cAccelerated()) GTEST_SKIP() << "this CPU has no CRC-32C instruction";
  std::mt19937 random(20261124);
  std::string data(4096 + 16, '\0');
  for (char& c : data)
    c = static_cast<char>(random());
  for (size_t offset = 0; offset < 9; ++offset) {
    for (size_t length : {0u, 1u, 7u, 8u, 9u, 15u, 16u, 63u, 1000u, 4096u}) {
      const std::string_view piece(data.data() + offset, length);
      EXPECT_EQ(Crc32c(piece, 0x1234u), Crc32cPortable(piece, 0x1234u))
          << "offset " << offset << " length " << length;
    }
  }
}

}  // namespace
}  // namespace coolflow
