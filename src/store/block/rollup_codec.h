// The payload of a rollup record in a block file (docs/store-blocks.md): one level's buckets
// of one series in a single checksummed stream. The bucket numbers and counts are integer
// streams; min, max, sum and last, when they are decimals (sensor readings, counters, and the
// exact decimal sums of rollup.h), become scaled integers expressed against each other
// (last, max - last, last - min, sum - count * min, or the same around the bucket mean,
// whichever is smaller), so a bucket of a 0.1 °C reading costs a few bits a column. Anything
// else is stored as Gorilla XOR doubles.
//
//   0    4  body length N (u32)
//   4    N  body: varint bucket count B | integer stream of start / step | integer stream
//           of counts | u8 value encoding | the value streams of that encoding
//   4+N  4  CRC-32C of the body
//
// Thread safety: every function is safe to call from any thread concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/block/rollup.h"

namespace coolflow::store::block {

// The fewest bytes a payload can take: length, bucket count, two one-byte constant streams
// (two bytes each), the encoding, the CRC.
inline constexpr size_t kMinRollupPayloadBytes = 4 + 1 + 2 + 2 + 1 + 4;

// Appends the payload of `buckets` (1..2^21 of them, starts aligned on `step` and increasing,
// counts >= 1) to `out`. `decimal` false stores the values as Gorilla doubles whatever they
// are (the benchmark's baseline).
void EncodeRollupPayload(std::span<const RollupBucket> buckets, TimeNs step, bool decimal,
                         std::string& out);

// The size of the payload that starts `bytes` (which may go on past it), checksum included.
// Corruption("chunk: <why>, at byte N") when its length is cut off or runs past `bytes`.
Result<uint64_t> RollupPayloadSize(std::string_view bytes);

// Decodes the payload `bytes` (exactly one), checksum verified, into `out`. Corruption("chunk:
// <why>, at byte N"), N counted from the first byte of `bytes`, on any damage: a bad length,
// checksum, stream, encoding, a count of 0 or above 2^32, a start that is not a multiple of
// `step`, starts not increasing, or a value no double holds. Never reads outside `bytes`.
Status DecodeRollupPayload(std::string_view bytes, TimeNs step, std::vector<RollupBucket>& out);

}  // namespace coolflow::store::block
