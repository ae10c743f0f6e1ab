// What a handler answers: status, content type, extra headers and body.
//
// Thread safety: a plain value.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coolflow::web {

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  // Extra header fields. The server sets Content-Type, Content-Length, Connection, Date and
  // Server itself; a handler's own value for one of those is ignored.
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  // What the request changed, for the audit log (audit_log.h), e.g. "ac-1 setpoint 22 -> 24 C".
  // Not sent. Must hold no secret.
  std::string audit{};

  // 200 (or `status`) with a JSON body already serialised.
  static Response Json(std::string json, int status = 200);
  // `status` with a text/plain body.
  static Response Text(std::string text, int status = 200);
  // `status` with the body {"error": "<message>"}: the shape of every error coolflow's servers
  // send. The message must hold no secret: it is sent to the client as is.
  static Response Error(int status, std::string_view message);
};

// {"error": "<message>"}, with the message escaped as JSON.
std::string ErrorJson(std::string_view message);
// The standard reason phrase of `status` ("Not Found"); "Unknown" for codes it does not know.
std::string_view ReasonPhrase(int status);

}  // namespace coolflow::web
