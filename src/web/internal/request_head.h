// Bridges Beast's parsed request header to admission.h's RequestHead, and Beast's parse
// errors to answers (internal; shared by the connection and the fuzzer so both run the same
// path).
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "web/admission.h"
#include "web/internal/beast.h"
#include "web/response.h"

namespace coolflow::web::internal {

// A parser set up for reading a request head: header limit `max_header_bytes`, no body limit
// yet (Admit checks Content-Length against the route's limit; the caller then sets it with
// parser.body_limit, which bounds a chunked body).
void ConfigureParser(RequestParser& parser, size_t max_header_bytes);

// The head of the request `parser` holds (is_header_done() must be true).
RequestHead HeadFromParser(const RequestParser& parser);

// The answer to a read error (with its bad-request reason), or nullopt when the connection
// should just close (the peer left between requests, the server is stopping).
// `request_started`: some bytes of the request were received.
struct ReadFailure {
  Response response;
  std::string_view reason;
};
std::optional<ReadFailure> AnswerReadError(const beast::error_code& ec, bool request_started,
                                           bool reading_body);

}  // namespace coolflow::web::internal
