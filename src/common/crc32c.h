// CRC-32C (Castagnoli), as in iSCSI, ext4 and LevelDB: the checksum of coolflow's spool and
// store records. Crc32c("123456789") == 0xe3069283.
//
// The CPU's own instruction computes it where there is one (SSE 4.2 on x86-64, the CRC
// extension on 64-bit Arm, as on a Raspberry Pi 3 or later), chosen once at run time; a
// table otherwise. Both give the same values.
#pragma once

#include <cstdint>
#include <string_view>

namespace coolflow {

// The checksum of `data`; `crc` continues an earlier value over more bytes:
// Crc32c(b, Crc32c(a)) == Crc32c(a + b).
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

// The table method whatever the CPU: for tests that compare the two.
uint32_t Crc32cPortable(std::string_view data, uint32_t crc = 0);

// Whether Crc32c uses the CPU's instruction on this machine.
bool Crc32cAccelerated();

}  // namespace coolflow
