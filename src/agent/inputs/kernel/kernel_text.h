// Text helpers the parsers of the kernel's files share (host/proc_parse.h for /proc,
// sysfs/sysfs_parse.h for /sys). Pure functions, safe on any input.
#pragma once

#include <string>
#include <string_view>

namespace coolflow::agent::kernel {

// Space or tab: what separates the fields of the kernel's text files.
bool IsBlank(char c);

// `text` without its leading and trailing blanks.
std::string_view TrimBlanks(std::string_view text);

// `text` quoted for an error message: at most 64 bytes (then "'..." ends it), control
// characters and bytes above 0x7e written as \xNN ("'23125'", "'\x00\x01'", "''").
std::string Quote(std::string_view text);

}  // namespace coolflow::agent::kernel
