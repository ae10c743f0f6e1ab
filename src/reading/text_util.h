// Small text helpers shared by the wire formats.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace coolflow::reading {

// Removes spaces and tabs at both ends.
std::string_view Trim(std::string_view text);

// Parses a whole decimal floating-point number (no leading '+', no spaces); false when any
// byte is left over or nothing is a number.
bool ParseDouble(std::string_view text, double& out);

// Appends the shortest decimal text that reads back as exactly `value`.
void AppendShortest(std::string& out, double value);

// Calls fn(line, offset) for each line of `input` (without its '\n' and a trailing '\r').
template <typename Fn>
void ForEachLine(std::string_view input, Fn&& fn) {
  size_t pos = 0;
  while (pos < input.size()) {
    size_t end = input.find('\n', pos);
    if (end == std::string_view::npos) end = input.size();
    std::string_view line = input.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line, pos);
    pos = end + 1;
  }
}

}  // namespace coolflow::reading
