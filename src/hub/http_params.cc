#include "hub/http_params.h"

#include "common/time.h"
#include "fmt/format.h"

namespace coolflow::hub {

Result<size_t> CountParam(const web::Request& request, std::string_view name, size_t fallback,
                          size_t max) {
  auto text = request.Query(name);
  if (!text) return fallback;
  size_t value = 0;
  const std::string s(*text);
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 12) {
    return InvalidArgument(fmt::format("{}={:?} is not a count", name, *text));
  }
  value = std::stoull(s);
  return std::min(value, max);
}

Result<TimeNs> TimeParam(const web::Request& request, std::string_view name, TimeNs now,
                         TimeNs fallback) {
  auto text = request.Query(name);
  if (!text) return fallback;
  if (*text == "now") return now;
  if (text->starts_with('-')) {
    auto ago = ParseDuration(text->substr(1));
    if (!ago.ok()) return InvalidArgument(fmt::format("{}: {}", name, ago.status().message()));
    return now - *ago;
  }
  auto t = ParseTimestamp(*text);
  if (!t.ok()) return InvalidArgument(fmt::format("{}: {}", name, t.status().message()));
  return *t;
}

int HttpStatusOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kOutOfRange:
      return 413;
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted:
      return 503;
    default:
      return 500;
  }
}

web::Response FromStatus(const Status& s, std::string change) {
  if (s.ok()) {
    web::Response ok = web::Response::Json(R"({"ok":true})");
    ok.audit = std::move(change);
    return ok;
  }
  // A setpoint outside the range is the caller's mistake, not a size limit; a command to a
  // hub that controls no room conflicts with its configuration.
  int status = HttpStatusOf(s);
  if (s.code() == StatusCode::kOutOfRange) status = 400;
  if (s.code() == StatusCode::kUnavailable) status = 409;
  return web::Response::Error(status, s.message());
}

}  // namespace coolflow::hub
