// The byte layout of a block file (docs/store-blocks.md): the constants shared by the
// writer, the reader, salvage and tests that build or damage blocks by hand. All integers
// little-endian.
//
//   header   0  4  magic "CFBK"
//            4  1  format version (kBlockVersion)
//            5  3  zero
//   data     8  .. records laid end to end, in index order, each
//                  [u32 series id][u8 kind][u32 CRC-32C of those 5 bytes][payload]
//                  kind 1: one chunk of points (store/codec/chunk_format.h)
//                  kind 2 + level: a rollup level (store/block/rollup_codec.h)
//   index    I  S  varints (docs/store-blocks.md)
//   footer   28 bytes: u64 I, u64 S, u32 CRC-32C of the index, u32 CRC-32C of the footer's
//                  first 20 bytes, magic "KBFC"
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace coolflow::store::block {

inline constexpr std::string_view kBlockMagic = "CFBK";
inline constexpr std::string_view kBlockEndMagic = "KBFC";
// 2: rollup records in one stream (rollup_codec.h) instead of five chunks.
inline constexpr uint8_t kBlockVersion = 2;

inline constexpr size_t kBlockVersionOffset = 4;
inline constexpr size_t kBlockHeaderBytes = 8;

// The record header: series id, kind, CRC-32C of the two.
inline constexpr size_t kRecordIdOffset = 0;
inline constexpr size_t kRecordKindOffset = 4;
inline constexpr size_t kRecordCrcOffset = 5;
inline constexpr size_t kRecordHeaderBytes = 9;

enum class RecordKind : uint8_t {
  kPoints = 1,
  kRollupMinute = 2,  // 2 + RollupLevel
  kRollupHour = 3,
};

// The footer.
inline constexpr size_t kFooterIndexOffset = 0;
inline constexpr size_t kFooterIndexSize = 8;
inline constexpr size_t kFooterIndexCrc = 16;
inline constexpr size_t kFooterCrc = 20;
inline constexpr size_t kFooterMagic = 24;
inline constexpr size_t kFooterBytes = 28;

// The smallest well-formed block: a header, an index of zero series (one byte), a footer.
inline constexpr size_t kMinBlockBytes = kBlockHeaderBytes + 1 + kFooterBytes;

}  // namespace coolflow::store::block
