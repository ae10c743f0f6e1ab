// The pure parsers of sysfs attribute text, on what the kernel really prints and on what a
// broken sensor or a truncated read leaves.
#include "agent/inputs/sysfs/sysfs_parse.h"

#include <gtest/gtest.h>

#include <string>

namespace coolflow::agent {
namespace {

::testing::AssertionResult Contains(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" lacks \"" << part << "\"";
}

TEST(SysfsParse, NumbersAsSysfsPrintsThem) {
  struct Case {
    std::string_view text;
    double value;
  };
  // IIO_VAL_INT ("23125\n"), negative, IIO_VAL_INT_PLUS_MICRO ("0.001000"),
  // IIO_VAL_FRACTIONAL ("100.912343750"), without the newline, with blanks.
  for (const Case& c :
       {Case{"23125\n", 23125}, Case{"-1250\n", -1250}, Case{"0.001000\n", 0.001},
        Case{"100.912343750\n", 100.91234375}, Case{"42", 42}, Case{" 7 \n", 7}, Case{"0\n", 0}}) {
    auto v = ParseSysfsNumber(c.text);
    ASSERT_TRUE(v.ok()) << c.text << ": " << v.status().ToString();
    EXPECT_DOUBLE_EQ(*v, c.value) << c.text;
  }
}

TEST(SysfsParse, RefusesWhatNoAttributePrints) {
  struct Case {
    std::string_view text;
    std::string_view why;
  };
  for (const Case& c : {
           Case{"", "empty file"},
           Case{"\n", "only blanks"},
           Case{"abc\n", "'abc' is not a decimal number"},
           Case{"nan\n", "'nan' is not a decimal number"},
           Case{"inf\n", "'inf' is not a decimal number"},
           Case{"1e5\n", "'1e5' is not a decimal number"},
           Case{"+5\n", "'+5' is not a decimal number"},
           Case{"12\n34\n", "is not a decimal number"},  // two lines: a torn read
           Case{"5.\n", "is not a decimal number"},
           Case{"-\n", "is not a decimal number"},
           Case{"\x01\xff\n", "'\\x01\\xff' is not a decimal number"},
       }) {
    auto v = ParseSysfsNumber(c.text);
    ASSERT_FALSE(v.ok()) << c.text;
    EXPECT_TRUE(Contains(v.status().message(), c.why)) << c.text;
  }
  // A number with 400 digits is a number, but no double holds it.
  auto huge = ParseSysfsNumber(std::string(400, '9'));
  ASSERT_FALSE(huge.ok());
  EXPECT_TRUE(Contains(huge.status().message(), "does not fit a double"));
  EXPECT_TRUE(Contains(huge.status().message(), "'..."));  // quoted, but cut short
}

// Both lines as w1_therm's w1_slave_show() writes them ("%02x " per byte, then
// ": crc=%02x %s\n" and "t=%d\n").
TEST(SysfsParse, W1SlaveAsTheKernelWritesIt) {
  auto good = ParseW1Slave(
      "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n"
      "72 01 4b 46 7f ff 0e 10 57 t=23125\n");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_TRUE(good->crc_ok);
  EXPECT_FALSE(good->all_zero);
  EXPECT_EQ(good->milli_celsius, 23125);

  auto cold = ParseW1Slave(
      "5e ff 4b 46 7f ff 02 10 b6 : crc=b6 YES\n"
      "5e ff 4b 46 7f ff 02 10 b6 t=-10125\n");
  ASSERT_TRUE(cold.ok()) << cold.status().ToString();
  EXPECT_EQ(cold->milli_celsius, -10125);

  auto bad_crc = ParseW1Slave(
      "ff ff ff ff ff ff ff ff ff : crc=c9 NO\n"
      "ff ff ff ff ff ff ff ff ff t=-62\n");
  ASSERT_TRUE(bad_crc.ok()) << bad_crc.status().ToString();
  EXPECT_FALSE(bad_crc->crc_ok);

  // Nine zero bytes have CRC 0, so the driver says YES: the parser flags them.
  auto zeros = ParseW1Slave(
      "00 00 00 00 00 00 00 00 00 : crc=00 YES\n"
      "00 00 00 00 00 00 00 00 00 t=0\n");
  ASSERT_TRUE(zeros.ok()) << zeros.status().ToString();
  EXPECT_TRUE(zeros->crc_ok);
  EXPECT_TRUE(zeros->all_zero);
}

TEST(SysfsParse, W1SlaveRefusesTornAndForeignText) {
  struct Case {
    std::string_view text;
    std::string_view why;
  };
  for (const Case& c : {
           Case{"", "empty file"},
           // Cut after the first line, as a read interrupted by a driver error may leave it.
           Case{"72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n", "expected 2 lines"},
           Case{"72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n"
                "extra\n",
                "found 3"},
           Case{"72 01 4b : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n",
                "line 1: expected nine hex scratchpad bytes"},
           Case{"72 01 4b 46 7f ff 0e 10 57 : crc=57 MAYBE\n72 01 4b 46 7f ff 0e 10 57 t=1\n",
                "line 1: the CRC verdict must be YES or NO"},
           Case{"72 01 4b 46 7f ff 0e 10 57 crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=1\n",
                "line 1: expected ': crc=XX YES|NO'"},
           Case{"72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=\n",
                "line 2: the temperature '' is not a whole number"},
           Case{"72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=2x\n",
                "line 2: the temperature '2x'"},
           Case{"72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 "
                "t=99999999999999999999999\n",
                "line 2: the temperature"},
           Case{"72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 x=1\n",
                "line 2: no 't=' temperature"},
           Case{"72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\nzz 01 4b 46 7f ff 0e 10 57 t=1\n",
                "line 2: expected nine hex scratchpad bytes, found 'zz 01"},
       }) {
    auto v = ParseW1Slave(c.text);
    ASSERT_FALSE(v.ok()) << c.text;
    EXPECT_TRUE(Contains(v.status().message(), c.why)) << c.text;
  }
}

TEST(SysfsParse, QuotesTextSafelyForMessages) {
  EXPECT_EQ(QuoteFileText("23125\n"), "'23125'");
  EXPECT_EQ(QuoteFileText(""), "''");
  EXPECT_EQ(QuoteFileText(std::string_view("\0a\x7f", 3)), "'\\x00a\\x7f'");
  EXPECT_EQ(QuoteFileText(std::string(100, 'x')), "'" + std::string(64, 'x') + "'...");
}

}  // namespace
}  // namespace coolflow::agent
