#include "web/target.h"

#include <array>

#include "web/request.h"

namespace coolflow::web {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return InvalidArgument("truncated %-escape in the request target");
      }
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return InvalidArgument("bad %-escape in the request target");
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return InvalidArgument("encoded NUL in the request target");
      out.push_back(decoded);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<Target> ParseTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return InvalidArgument("the request target must be a path starting with '/'");
  }
  for (const char c : target) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      return InvalidArgument("control character or space in the request target");
    }
  }
  Target out;
  const size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  const size_t hash = path.find('#');
  if (hash != std::string_view::npos) path = path.substr(0, hash);
  Result<std::string> decoded = PercentDecode(path, /*plus_is_space=*/false);
  if (!decoded.ok()) return decoded.status();
  out.path = std::move(*decoded);
  if (question == std::string_view::npos) return out;

  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    Result<std::string> key = PercentDecode(pair.substr(0, eq), /*plus_is_space=*/true);
    if (!key.ok()) return key.status();
    Result<std::string> value =
        PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1),
                      /*plus_is_space=*/true);
    if (!value.ok()) return value.status();
    out.query.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

bool IsCredentialParameter(std::string_view name) {
  // InfluxDB 1.x clients put the password in "p" (and the user in "u", harmless alone).
  static constexpr std::array<std::string_view, 11> kNames = {
      "p",      "password", "passwd", "token",         "access_token", "api_key",
      "apikey", "api-key",  "secret", "authorization", "session"};
  for (std::string_view n : kNames) {
    if (EqualsIgnoreCase(n, name)) return true;
  }
  return false;
}

}  // namespace coolflow::web
