#include "web/response.h"

#include "nlohmann/json.hpp"

namespace coolflow::web {

Response Response::Json(std::string json, int status) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(json);
  return r;
}

Response Response::Text(std::string text, int status) {
  Response r;
  r.status = status;
  r.body = std::move(text);
  return r;
}

Response Response::Error(int status, std::string_view message) {
  return Json(ErrorJson(message), status);
}

std::string ErrorJson(std::string_view message) {
  nlohmann::json j = {{"error", std::string(message)}};
  // Invalid UTF-8 (a request's bytes quoted in a message) is replaced, never thrown on.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

}  // namespace coolflow::web
