// Pure parsers for what the kernel writes into sysfs sensor attributes. No I/O: each takes
// the file's text and returns the value or an error that quotes the bad text and names the
// line, so the caller only adds the file path. Safe on any input (fuzzable).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coolflow::agent {

// The number in a single-value attribute: a decimal integer ("23125", "-1250") or a decimal
// fraction ("101.325000000", "0.001000", what IIO prints for IIO_VAL_INT_PLUS_MICRO and
// IIO_VAL_FRACTIONAL), surrounded by optional blanks and ended by at most one newline, as
// sysfs_emit writes it. An empty file, text that is not a number, "nan"/"inf", and a number
// too large for a double are InvalidArgument.
Result<double> ParseSysfsNumber(std::string_view text);

// What the w1_therm driver writes into a slave's `w1_slave` file (DS18B20 and kin;
// Documentation/ABI/testing/sysfs-driver-w1_therm): two lines, each the nine scratchpad bytes
// the bus returned, then
//   72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
//   72 01 4b 46 7f ff 0e 10 57 t=23125
// the CRC verdict ("YES" when the scratchpad's CRC matched) and the temperature in milli-°C.
struct W1Slave {
  bool crc_ok = false;
  // Every scratchpad byte is 00: the data line was held low (a shorted or unpowered sensor).
  // The CRC of nine zero bytes is zero, so the driver says YES to it; it is still no reading.
  bool all_zero = false;
  int64_t milli_celsius = 0;
};
Result<W1Slave> ParseW1Slave(std::string_view text);

// `text` quoted for an error message as kernel::Quote (kernel_text.h) quotes it, after its
// trailing newline is dropped: at most 64 bytes, control characters and bytes above 0x7e
// written as \xNN ("'23125'", "'\x00\x01'", "''").
std::string QuoteFileText(std::string_view text);

}  // namespace coolflow::agent
