// libcurl pieces shared by the e-mail and webhook notifiers.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>
#include <string_view>

namespace coolflow::hub::alerts {

// curl_global_init, once per process.
void EnsureCurlInitialised();

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

struct CurlListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlList = std::unique_ptr<curl_slist, CurlListDeleter>;

// `text` with every occurrence of `secret` replaced by "***" (no-op for an empty secret).
std::string Redact(std::string text, std::string_view secret);

// "curl: <strerror>: <error buffer>" for a failed transfer.
std::string CurlError(CURLcode code, const char* error_buffer);

}  // namespace coolflow::hub::alerts
