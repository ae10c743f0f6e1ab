// Writing JSON text by hand, for the encoders: no parser needed (json_util.h has the
// reading side, over simdjson).
#pragma once

#include <string>
#include <string_view>

namespace coolflow::reading::json {

// Appends `text` as a JSON string, quotes included.
void AppendString(std::string& out, std::string_view text);

}  // namespace coolflow::reading::json
