// Query parameters and answers shared by the hub's HTTP routes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "web/request.h"
#include "web/response.h"

namespace coolflow::hub {

// `name` as a count, at most `max`; `fallback` when absent; InvalidArgument when not a count.
Result<size_t> CountParam(const web::Request& request, std::string_view name, size_t fallback,
                          size_t max);

// `name` as a time: RFC 3339, epoch nanoseconds, "now", or relative to now ("-24h", "-90m");
// `fallback` when absent; InvalidArgument naming the parameter otherwise.
Result<TimeNs> TimeParam(const web::Request& request, std::string_view name, TimeNs now,
                         TimeNs fallback);

// The HTTP status of a failed Status: 400 invalid, 401 unauthenticated, 404 not found, 413
// out of range (a size limit), 503 unavailable or overloaded, 500 otherwise.
int HttpStatusOf(const Status& s);

// A command's answer: {"ok":true} for Ok (with `change` as the audit log's detail), else the
// error with HttpStatusOf, except out of range -> 400 and unavailable (no room) -> 409.
web::Response FromStatus(const Status& s, std::string change);

}  // namespace coolflow::hub
