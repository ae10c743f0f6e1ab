#include "store/influxdb/influxdb_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "fmt/format.h"

namespace coolflow::store {
namespace {

constexpr long kHttpOk = 200;
constexpr long kHttpNoContent = 204;
constexpr long kHttpBadRequest = 400;
constexpr long kHttpUnauthorized = 401;
constexpr long kHttpForbidden = 403;
constexpr long kHttpNotFound = 404;
constexpr long kHttpRequestTooLarge = 413;
constexpr long kHttpServerError = 500;
// InfluxDB's error text can be long (it echoes the refused line); keep messages readable.
constexpr size_t kMaxReasonLength = 500;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendToString(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

bool IsTransient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_COULDNT_RESOLVE_HOST:
      return true;
    default:
      return false;
  }
}

// InfluxDB's reason from an error answer: the JSON "error", else the body, else nothing.
std::string Reason(const InfluxAnswer& answer) {
  std::string reason;
  auto json = nlohmann::json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_discarded() && json.is_object() && json.contains("error") &&
      json["error"].is_string()) {
    reason = json["error"].get<std::string>();
  } else {
    reason = answer.body;
  }
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' '))
    reason.pop_back();
  if (reason.size() > kMaxReasonLength) {
    reason.resize(kMaxReasonLength);
    reason += "...";
  }
  if (reason.empty()) reason = "no reason given";
  return fmt::format("HTTP {}: {}", answer.status, reason);
}

}  // namespace

Status StatusForHttp(long http_status, std::string message) {
  switch (http_status) {
    case kHttpUnauthorized:
      return {StatusCode::kUnauthenticated, std::move(message)};
    case kHttpForbidden:
      return {StatusCode::kPermissionDenied, std::move(message)};
    case kHttpNotFound:
      return {StatusCode::kNotFound, std::move(message)};
    case kHttpRequestTooLarge:
      return {StatusCode::kResourceExhausted, std::move(message)};
    case kHttpBadRequest:
      return InvalidArgument(std::move(message));
    default:
      return http_status >= kHttpServerError ? Unavailable(std::move(message))
                                             : Internal(std::move(message));
  }
}

InfluxDbClient::InfluxDbClient(const InfluxDbOptions& options) : options_(options) {
  InitCurlOnce();
  while (!options_.url.empty() && options_.url.back() == '/')
    options_.url.pop_back();
}

InfluxDbClient::~InfluxDbClient() {
  MutexLock lock(mutex_);
  for (void* handle : idle_handles_)
    curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* InfluxDbClient::TakeHandle() {
  {
    MutexLock lock(mutex_);
    if (!idle_handles_.empty()) {
      void* handle = idle_handles_.back();
      idle_handles_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void InfluxDbClient::ReturnHandle(void* handle) {
  MutexLock lock(mutex_);
  idle_handles_.push_back(handle);
}

std::string InfluxDbClient::Escape(std::string_view text) {
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string out = escaped != nullptr ? escaped : "";
  curl_free(escaped);
  return out;
}

Result<InfluxAnswer> InfluxDbClient::Attempt(const Request& request, bool& transient) {
  transient = false;
  CURL* curl = static_cast<CURL*>(TakeHandle());
  if (curl == nullptr) return Internal("curl_easy_init failed");
  curl_easy_reset(curl);  // keeps the open connection for reuse
  const std::string url = options_.url + request.path_and_query;
  InfluxAnswer answer;
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_slist* headers = curl_slist_append(nullptr, "Expect:");
  if (!request.content_type.empty()) {
    headers = curl_slist_append(headers, ("Content-Type: " + request.content_type).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendToString);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  if (!options_.username.empty()) {
    // Basic authentication: the password goes in the Authorization header only.
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(curl, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.password.c_str());
  }
  if (request.post) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
  }
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  curl_slist_free_all(headers);
  // The password lives on in the handle's options until the next reset; reset now.
  curl_easy_reset(curl);
  ReturnHandle(curl);
  // InfluxDB echoes a refused line in its X-Influxdb-Error header, NUL bytes and all, and
  // curl gives up on such a header after reading the status line: keep that status.
  if (rc == CURLE_WEIRD_SERVER_REPLY && answer.status != 0) {
    answer.body.clear();
    return answer;
  }
  if (rc != CURLE_OK) {
    transient = IsTransient(rc);
    const std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    return Unavailable(detail);
  }
  transient = answer.status >= kHttpServerError;
  return answer;
}

Result<InfluxAnswer> InfluxDbClient::Perform(std::string_view purpose, const Request& request) {
  const std::string where = fmt::format("{}: InfluxDB at {}", purpose, options_.url);
  std::chrono::milliseconds backoff = options_.retry_backoff;
  const int attempts = options_.retries + 1;
  for (int attempt = 1;; ++attempt) {
    bool transient = false;
    auto answer = Attempt(request, transient);
    if (answer.ok()) answer->attempts = attempt;
    if (!transient || attempt >= attempts) {
      if (answer.ok()) return answer;
      return Status(answer.status().code(),
                    fmt::format("{}: {} (after {} attempt{})", where, answer.status().message(),
                                attempt, attempt == 1 ? "" : "s"));
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, options_.max_retry_backoff);
  }
}

Status InfluxDbClient::Ping(std::string_view purpose) {
  auto answer = Perform(purpose, {false, "/ping", {}, {}});
  if (!answer.ok()) return answer.status();
  if (answer->status != kHttpNoContent) {
    return StatusForHttp(answer->status, fmt::format("{}: InfluxDB at {}: GET /ping: {}", purpose,
                                                     options_.url, Reason(*answer)));
  }
  return Status::Ok();
}

Status InfluxDbClient::Write(std::string_view purpose, std::string_view line_protocol) {
  Request request;
  request.post = true;
  request.path_and_query = "/write?db=" + Escape(options_.database) + "&precision=n";
  request.body = std::string(line_protocol);
  request.content_type = "text/plain; charset=utf-8";
  auto answer = Perform(purpose, request);
  if (!answer.ok()) return answer.status();
  if (answer->status != kHttpNoContent) {
    return StatusForHttp(answer->status,
                         fmt::format("{}: InfluxDB at {} refused the write to database '{}': {}",
                                     purpose, options_.url, options_.database, Reason(*answer)));
  }
  return Status::Ok();
}

Result<nlohmann::json> InfluxDbClient::Query(std::string_view purpose, std::string_view statements,
                                             bool with_database) {
  Request request;
  request.post = true;
  request.path_and_query = "/query";
  request.body = "epoch=ns&q=" + Escape(statements);
  if (with_database) request.body += "&db=" + Escape(options_.database);
  request.content_type = "application/x-www-form-urlencoded";
  auto answer = Perform(purpose, request);
  if (!answer.ok()) return answer.status();
  const std::string where =
      fmt::format("{}: InfluxDB at {} (database '{}')", purpose, options_.url, options_.database);
  if (answer->status != kHttpOk) {
    return StatusForHttp(answer->status, fmt::format("{}: {}", where, Reason(*answer)));
  }
  auto json = nlohmann::json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Corruption(
        fmt::format("{}: the answer is not a JSON object: {:.200}", where, answer->body));
  }
  if (json.contains("error")) {
    return InvalidArgument(fmt::format("{}: {}", where, json["error"].dump()));
  }
  if (!json.contains("results") || !json["results"].is_array()) {
    return Corruption(
        fmt::format("{}: the answer has no \"results\" array: {:.200}", where, answer->body));
  }
  nlohmann::json& results = json["results"];
  for (size_t i = 0; i < results.size(); ++i) {
    const nlohmann::json& result = results[i];
    if (!result.is_object()) {
      return Corruption(fmt::format("{}: result {} is not an object", where, i));
    }
    if (result.contains("error")) {
      const nlohmann::json& error = result["error"];
      return InvalidArgument(
          fmt::format("{}: statement {} failed: {}", where, i,
                      error.is_string() ? error.get<std::string>() : error.dump()));
    }
    if (result.value("partial", false)) {
      return Status(StatusCode::kResourceExhausted,
                    fmt::format("{}: statement {}: InfluxDB truncated the answer (its [http] "
                                "max-row-limit); narrow the query or raise the limit",
                                where, i));
    }
  }
  return std::move(results);
}

}  // namespace coolflow::store
