#include "web/internal/request_head.h"

#include <algorithm>
#include <limits>

#include "fmt/format.h"
#include "web/server_metrics.h"

namespace coolflow::web::internal {

void ConfigureParser(RequestParser& parser, size_t max_header_bytes) {
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  // Not boost::none: Beast 1.74 compares a Content-Length with it as "greater than none".
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
}

RequestHead HeadFromParser(const RequestParser& parser) {
  const auto& message = parser.get();
  RequestHead head;
  head.method = std::string(message.method_string());
  head.target = std::string(message.target());
  for (const auto& field : message) {
    head.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  if (const auto length = parser.content_length()) head.content_length = *length;
  head.chunked = parser.chunked();
  head.websocket_upgrade = websocket::is_upgrade(message);
  return head;
}

std::optional<ReadFailure> AnswerReadError(const beast::error_code& ec, bool request_started,
                                           bool reading_body) {
  if (ec == asio::error::operation_aborted) return std::nullopt;
  if (ec == http::error::header_limit) {
    return ReadFailure{Response::Error(431, "request header too large"),
                       bad_request::kHeaderTooLarge};
  }
  if (ec == http::error::body_limit) {
    return ReadFailure{Response::Error(413, "body over this route's limit"),
                       bad_request::kBodyTooLarge};
  }
  if (ec == beast::error::timeout) {
    if (!request_started) return std::nullopt;
    return ReadFailure{Response::Error(408, reading_body ? "request body not received in time"
                                                         : "request head not received in time"),
                       bad_request::kTimeout};
  }
  if (ec.category() == http::make_error_code(http::error::end_of_stream).category()) {
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
      // The peer closed the connection: between requests (nothing to say), or mid-request.
      if (!request_started) return std::nullopt;
      return ReadFailure{Response::Error(400, "the request ended before it was complete"),
                         bad_request::kIncomplete};
    }
    return ReadFailure{Response::Error(400, fmt::format("malformed request: {}", ec.message())),
                       bad_request::kMalformed};
  }
  // A socket error (reset, eof mid-read): the peer is gone.
  return std::nullopt;
}

}  // namespace coolflow::web::internal
