// The "webhook" notifier: Notification::ToJson() POSTed through libcurl.
#include <curl/curl.h>

#include "common/files.h"
#include "fmt/format.h"
#include "hub/alerts/curl_util.h"
#include "hub/alerts/notifier.h"

namespace coolflow::hub::alerts {
namespace {

constexpr long kHttpOkFirst = 200;
constexpr long kHttpOkLast = 299;
constexpr size_t kMaxResponseBytes = 4096;

size_t Discard(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t n = size * count;
  if (body->size() < kMaxResponseBytes) {
    body->append(data, std::min(n, kMaxResponseBytes - body->size()));
  }
  return n;
}

class WebhookNotifier final : public Notifier {
 public:
  WebhookNotifier(WebhookSettings settings, std::string token)
      : settings_(std::move(settings)), token_(std::move(token)) {}

  Status Send(const Notification& n) override {
    const std::string body = n.ToJson().dump();
    CurlHandle curl(curl_easy_init());
    if (!curl) return Internal("webhook: curl_easy_init failed");
    CURL* c = curl.get();
    char error[CURL_ERROR_SIZE] = {0};
    CurlList headers;
    auto add_header = [&](const std::string& h) {
      curl_slist* next = curl_slist_append(headers.get(), h.c_str());
      if (next == nullptr) return false;
      (void)headers.release();
      headers.reset(next);
      return true;
    };
    bool ok = add_header("Content-Type: application/json");
    for (const auto& [k, v] : settings_.headers)
      ok = ok && add_header(k + ": " + v);
    if (!token_.empty()) ok = ok && add_header("Authorization: Bearer " + token_);
    if (!ok) return Internal("webhook: out of memory");
    std::string response;
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_URL, settings_.url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout / kNanosPerMilli));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
    const CURLcode code = curl_easy_perform(c);
    if (code != CURLE_OK) {
      return Unavailable(
          Redact(fmt::format("webhook {}: {}", settings_.url, CurlError(code, error)), token_));
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status < kHttpOkFirst || status > kHttpOkLast) {
      return Unavailable(
          Redact(fmt::format("webhook {}: HTTP status {}", settings_.url, status), token_));
    }
    return Status::Ok();
  }

 private:
  const WebhookSettings settings_;
  const std::string token_;
};

}  // namespace

Result<std::unique_ptr<Notifier>> MakeWebhookNotifier(const WebhookSettings& settings) {
  EnsureCurlInitialised();
  if (settings.url.empty()) return InvalidArgument("webhook: no url");
  std::string token;
  if (!settings.bearer_token_file.empty()) {
    Result<std::string> secret = ReadSecretFile(settings.bearer_token_file);
    if (!secret.ok()) return secret.status();
    token = std::move(*secret);
  }
  return std::unique_ptr<Notifier>(std::make_unique<WebhookNotifier>(settings, std::move(token)));
}

}  // namespace coolflow::hub::alerts
