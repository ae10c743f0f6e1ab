#include "hub/alerts/curl_util.h"

#include <cstring>
#include <mutex>

#include "fmt/format.h"

namespace coolflow::hub::alerts {

void EnsureCurlInitialised() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

std::string CurlError(CURLcode code, const char* error_buffer) {
  if (error_buffer != nullptr && error_buffer[0] != '\0') {
    std::string detail(error_buffer);
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r'))
      detail.pop_back();
    return fmt::format("{}: {}", curl_easy_strerror(code), detail);
  }
  return std::string(curl_easy_strerror(code));
}

}  // namespace coolflow::hub::alerts
