// The "email" notifier: one message per notification, over SMTP through libcurl, with
// STARTTLS required on smtp:// unless turned off, AUTH when a username is set, and the
// password read from its own file.
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <ctime>

#include "common/files.h"
#include "common/time.h"
#include "fmt/format.h"
#include "hub/alerts/curl_util.h"
#include "hub/alerts/notifier.h"

namespace coolflow::hub::alerts {
namespace {

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16 |
                       static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8 |
                       static_cast<uint32_t>(static_cast<unsigned char>(in[i + 2]));
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += i + 1 < in.size() ? kAlphabet[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

// A header value: as is when ASCII, else an RFC 2047 encoded word.
std::string HeaderText(std::string_view s) {
  if (IsAscii(s)) return std::string(s);
  return "=?UTF-8?B?" + Base64(s) + "?=";
}

// Lines joined with CRLF, as SMTP wants.
std::string Crlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\r') continue;
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

std::string RfcDate(TimeNs t) {
  const std::time_t seconds = static_cast<std::time_t>(t / kNanosPerSecond);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buffer;
}

struct Upload {
  std::string_view data;
  size_t sent = 0;
};

size_t ReadPayload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->data.size() - upload->sent);
  std::memcpy(buffer, upload->data.data() + upload->sent, n);
  upload->sent += n;
  return n;
}

class EmailNotifier final : public Notifier {
 public:
  EmailNotifier(EmailSettings settings, std::string password)
      : settings_(std::move(settings)), password_(std::move(password)) {}

  Status Send(const Notification& n) override {
    const std::string message = Message(n);
    CurlHandle curl(curl_easy_init());
    if (!curl) return Internal("email: curl_easy_init failed");
    char error[CURL_ERROR_SIZE] = {0};
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_URL, settings_.url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout / kNanosPerMilli));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(settings_.timeout / kNanosPerMilli));
    if (settings_.starttls) curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    if (!settings_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings_.ca_file.c_str());
    if (!settings_.username.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, settings_.username.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, password_.c_str());
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, Address(settings_.from).c_str());
    CurlList recipients;
    for (const std::string& to : settings_.to) {
      curl_slist* next = curl_slist_append(recipients.get(), Address(to).c_str());
      if (next == nullptr) return Internal("email: out of memory");
      (void)recipients.release();
      recipients.reset(next);
    }
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
    Upload upload{message, 0};
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadPayload);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    const CURLcode code = curl_easy_perform(c);
    if (code != CURLE_OK) {
      return Unavailable(Redact(fmt::format("email to {} via {}: {}", fmt::join(settings_.to, ", "),
                                            settings_.url, CurlError(code, error)),
                                password_));
    }
    return Status::Ok();
  }

 private:
  static std::string Address(const std::string& a) {
    return a.find('<') != std::string::npos ? a : "<" + a + ">";
  }

  std::string Message(const Notification& n) {
    const uint64_t id = ++message_count_;
    std::string m;
    m += fmt::format("Date: {}\n", RfcDate(n.time));
    m += fmt::format("From: {}\n", settings_.from);
    m += fmt::format("To: {}\n", fmt::join(settings_.to, ", "));
    m += fmt::format("Subject: {}\n", HeaderText(n.Subject()));
    m += fmt::format("Message-ID: <coolflow.{}.{}@coolflow>\n", n.time, id);
    m += "MIME-Version: 1.0\n";
    m += "Content-Type: text/plain; charset=utf-8\n";
    m += "Content-Transfer-Encoding: 8bit\n";
    m += "\n";
    m += n.Body();
    return Crlf(m);
  }

  const EmailSettings settings_;
  const std::string password_;
  std::atomic<uint64_t> message_count_{0};
};

}  // namespace

Result<std::unique_ptr<Notifier>> MakeEmailNotifier(const EmailSettings& settings) {
  EnsureCurlInitialised();
  if (settings.url.empty()) return InvalidArgument("email: no url");
  if (settings.from.empty()) return InvalidArgument("email: no from address");
  if (settings.to.empty()) return InvalidArgument("email: no recipient (to)");
  std::string password;
  if (!settings.password_file.empty()) {
    Result<std::string> secret = ReadSecretFile(settings.password_file);
    if (!secret.ok()) return secret.status();
    password = std::move(*secret);
  }
  return std::unique_ptr<Notifier>(std::make_unique<EmailNotifier>(settings, std::move(password)));
}

}  // namespace coolflow::hub::alerts
