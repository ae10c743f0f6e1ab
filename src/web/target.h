// The request target ("/api/racks/r1?from=-1h&x=a%20b") split into a decoded path and
// decoded query parameters. Only origin-form targets are served: a proxy's absolute form and
// OPTIONS' "*" are refused.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace coolflow::web {

struct Target {
  std::string path{};  // decoded; starts with '/'
  std::vector<std::pair<std::string, std::string>> query{};
};

// Splits and percent-decodes `target`. InvalidArgument (with a reason fit for a 400 body,
// quoting none of the target) when it does not start with '/', holds a bad %-escape, a
// control character or an encoded NUL.
Result<Target> ParseTarget(std::string_view target);

// Percent-decodes `text`; '+' becomes a space when `plus_is_space` (query strings).
// InvalidArgument on a bad escape or a decoded NUL.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Query parameter names that carry secrets. A request whose query holds one is refused with
// 401 whatever the route: secrets in URLs end up in logs, histories and Referer headers.
bool IsCredentialParameter(std::string_view name);

}  // namespace coolflow::web
