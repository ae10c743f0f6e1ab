#include "common/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#elif defined(__aarch64__)
#include <arm_acle.h>
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace coolflow {
namespace {

constexpr uint32_t kPolynomial = 0x82f63b78;  // reflected Castagnoli polynomial
constexpr uint32_t kByteMask = 0xff;
constexpr int kBitsPerByte = 8;

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < table.size(); ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < kBitsPerByte; ++bit)
      crc = (crc >> 1) ^ ((crc & 1u) != 0 ? kPolynomial : 0);
    table[i] = crc;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = MakeTable();

// Both kernels work on the inverted value: callers pass ~crc and invert the result.
uint32_t TableKernel(const char* p, size_t n, uint32_t crc) {
  for (size_t i = 0; i < n; ++i)
    crc = kTable[(crc ^ static_cast<uint8_t>(p[i])) & kByteMask] ^ (crc >> kBitsPerByte);
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t HardwareKernel(const char* p, size_t n, uint32_t crc) {
  uint64_t wide = crc;
  for (; n >= sizeof(uint64_t); p += sizeof(uint64_t), n -= sizeof(uint64_t)) {
    uint64_t word = 0;
    std::memcpy(&word, p, sizeof word);
    wide = _mm_crc32_u64(wide, word);
  }
  crc = static_cast<uint32_t>(wide);
  for (; n > 0; ++p, --n)
    crc = _mm_crc32_u8(crc, static_cast<uint8_t>(*p));
  return crc;
}
bool CpuHasCrc32c() {
  return __builtin_cpu_supports("sse4.2") != 0;
}
#elif defined(__aarch64__)
__attribute__((target("+crc"))) uint32_t HardwareKernel(const char* p, size_t n, uint32_t crc) {
  for (; n >= sizeof(uint64_t); p += sizeof(uint64_t), n -= sizeof(uint64_t)) {
    uint64_t word = 0;
    std::memcpy(&word, p, sizeof word);
    crc = __crc32cd(crc, word);
  }
  for (; n > 0; ++p, --n)
    crc = __crc32cb(crc, static_cast<uint8_t>(*p));
  return crc;
}
bool CpuHasCrc32c() {
  return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
}
#else
uint32_t HardwareKernel(const char* p, size_t n, uint32_t crc) {
  return TableKernel(p, n, crc);
}
bool CpuHasCrc32c() {
  return false;
}
#endif

using Kernel = uint32_t (*)(const char*, size_t, uint32_t);

Kernel ChooseKernel() {
  return CpuHasCrc32c() ? &HardwareKernel : &TableKernel;
}

}  // namespace

uint32_t Crc32c(std::string_view data, uint32_t crc) {
  static const Kernel kernel = ChooseKernel();
  return ~kernel(data.data(), data.size(), ~crc);
}

uint32_t Crc32cPortable(std::string_view data, uint32_t crc) {
  return ~TableKernel(data.data(), data.size(), ~crc);
}

bool Crc32cAccelerated() {
  return CpuHasCrc32c();
}

}  // namespace coolflow
