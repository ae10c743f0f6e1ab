// Reading whole small files: configuration files and secrets.
#pragma once

#include <string>

#include "common/status.h"

namespace coolflow {

// The whole content of the regular file `path`. NotFound "<path>: no such file", IOError
// "<path>: cannot open" / "<path>: read failed".
Result<std::string> ReadTextFile(const std::string& path);

// A secret kept in a file of its own (a password, an SNMP community): its first line, without
// the line break. Errors name the file and never its content; an empty first line is
// InvalidArgument "<path>: empty".
Result<std::string> ReadSecretFile(const std::string& path);

}  // namespace coolflow
