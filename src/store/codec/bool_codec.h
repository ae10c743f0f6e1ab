// Booleans: a bitmap (1 bit per value) or runs (first value, then run lengths as an integer
// stream), whichever is smaller. A door switch or a compressor flag that changes a few
// times a day costs a few bytes per chunk as runs.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/codec/byte_io.h"

namespace coolflow::store::codec {

enum class BoolEncoding : uint8_t { kBitmap, kRuns };

// Appends the smaller encoding of `values` to `out` and returns which it is.
BoolEncoding EncodeBools(const std::vector<bool>& values, std::string& out);

// Decodes `count` booleans from all of `in`'s remaining bytes. Corruption naming the byte
// on a cut-off or malformed section, or bytes left over.
Status DecodeBools(ByteReader& in, BoolEncoding encoding, size_t count, std::vector<bool>& out);

}  // namespace coolflow::store::codec
