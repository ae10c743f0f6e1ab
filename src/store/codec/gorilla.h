// Gorilla XOR compression of doubles (Pelkonen et al., "Gorilla: A Fast, Scalable, In-Memory
// Time Series Database", VLDB 2015, section 4.1.2): each value is XORed with the one before
// and only the changed bits are written. Bit-exact for every double, NaN payloads and -0.0
// included. The chunk's fallback when values have no short decimal form, and the baseline
// the decimal codec is measured against (bench/store_codec/).
#pragma once

#include <span>
#include <string>

#include "common/status.h"
#include "store/codec/byte_io.h"

namespace coolflow::store::codec {

// Appends the Gorilla bit stream of `values` (MSB first, zero-padded to a byte) to `out`.
void EncodeGorilla(std::span<const double> values, std::string& out);

// Decodes exactly values.size() doubles from all of `in`'s remaining bytes. Corruption
// naming the byte when the stream is cut short, malformed, or has bytes left over.
Status DecodeGorilla(ByteReader& in, std::span<double> values);

}  // namespace coolflow::store::codec
