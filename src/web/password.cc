#include "web/password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <charconv>

#include "fmt/format.h"

namespace coolflow::web {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr size_t kTokenBytes = 32;
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());  // OpenSSL takes unsigned bytes
}

std::string Pbkdf2(std::string_view password, std::string_view salt, int iterations) {
  std::string out(kHashBytes, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), Bytes(salt),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    return {};
  }
  return out;
}

struct ParsedHash {
  int iterations = 0;
  std::string salt;
  std::string hash;
};

Result<ParsedHash> ParseHash(std::string_view encoded) {
  std::array<std::string_view, 4> parts;
  size_t n = 0;
  while (n < parts.size()) {
    const size_t dollar = encoded.find('$');
    parts[n++] = encoded.substr(0, dollar);
    if (dollar == std::string_view::npos) {
      encoded = {};
      break;
    }
    encoded.remove_prefix(dollar + 1);
    if (n == parts.size()) return InvalidArgument("password hash has more than 4 '$' fields");
  }
  if (n != parts.size()) {
    return InvalidArgument("password hash must read pbkdf2-sha256$<iterations>$<salt>$<hash>");
  }
  if (parts[0] != kScheme) {
    return InvalidArgument(
        fmt::format("password hash scheme must be {} (the scheme is missing or unknown)", kScheme));
  }
  ParsedHash out;
  const auto [end, ec] =
      std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), out.iterations);
  if (ec != std::errc() || end != parts[1].data() + parts[1].size() ||
      out.iterations < kMinPbkdf2Iterations || out.iterations > kMaxPbkdf2Iterations) {
    return InvalidArgument(fmt::format("password hash iterations must be an integer in {}..{}",
                                       kMinPbkdf2Iterations, kMaxPbkdf2Iterations));
  }
  Result<std::string> salt = Base64Decode(parts[2]);
  if (!salt.ok() || salt->size() < 8) {
    return InvalidArgument("password hash salt must be base64 of at least 8 bytes");
  }
  Result<std::string> hash = Base64Decode(parts[3]);
  if (!hash.ok() || hash->size() != kHashBytes) {
    return InvalidArgument("password hash must end with base64 of 32 bytes");
  }
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return out;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, int iterations) {
  if (iterations < kMinPbkdf2Iterations || iterations > kMaxPbkdf2Iterations) {
    return InvalidArgument(fmt::format("PBKDF2 iterations must be in {}..{}", kMinPbkdf2Iterations,
                                       kMaxPbkdf2Iterations));
  }
  Result<std::string> salt = RandomBytes(kSaltBytes);
  if (!salt.ok()) return salt.status();
  const std::string hash = Pbkdf2(password, *salt, iterations);
  if (hash.empty()) return Internal("PBKDF2 failed");
  return fmt::format("{}${}${}${}", kScheme, iterations, Base64Encode(*salt), Base64Encode(hash));
}

Status CheckPasswordHash(std::string_view encoded) {
  return ParseHash(encoded).status();
}

bool VerifyPassword(std::string_view password, std::string_view encoded) {
  Result<ParsedHash> parsed = ParseHash(encoded);
  if (!parsed.ok()) return false;
  const std::string hash = Pbkdf2(password, parsed->salt, parsed->iterations);
  return !hash.empty() && ConstantTimeEquals(hash, parsed->hash);
}

Result<ApiToken> NewApiToken() {
  Result<std::string> random = RandomToken(kTokenBytes);
  if (!random.ok()) return random.status();
  ApiToken token;
  token.token = "cf_" + *random;
  token.sha256_hex = Sha256Hex(token.token);
  return token;
}

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(Bytes(data), data.size(), digest.data());
  std::string out;
  out.reserve(2 * digest.size());
  for (unsigned char b : digest) {
    constexpr std::string_view kHex = "0123456789abcdef";
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), Bytes(data), data.size(),
       reinterpret_cast<unsigned char*>(out.data()), &len);
  out.resize(len);
  return out;
}

Result<std::string> RandomBytes(size_t bytes) {
  std::string out(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(bytes)) != 1) {
    return Internal("the random source failed");
  }
  return out;
}

Result<std::string> RandomToken(size_t bytes) {
  Result<std::string> raw = RandomBytes(bytes);
  if (!raw.ok()) return raw.status();
  std::string text = Base64Encode(*raw);
  while (!text.empty() && text.back() == '=')
    text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Base64Encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const uint32_t v = (static_cast<uint32_t>(static_cast<unsigned char>(data[i])) << 16) |
                       (static_cast<uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8) |
                       static_cast<unsigned char>(data[i + 2]);
    out.push_back(kBase64[(v >> 18) & 63]);
    out.push_back(kBase64[(v >> 12) & 63]);
    out.push_back(kBase64[(v >> 6) & 63]);
    out.push_back(kBase64[v & 63]);
  }
  if (i < data.size()) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(data[i])) << 16;
    if (i + 1 < data.size()) {
      v |= static_cast<uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8;
    }
    out.push_back(kBase64[(v >> 18) & 63]);
    out.push_back(kBase64[(v >> 12) & 63]);
    out.push_back(i + 1 < data.size() ? kBase64[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t padding = 0;
  for (const char c : text) {
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return InvalidArgument("base64: data after padding");
    const size_t v = kBase64.find(c);
    if (v == std::string_view::npos) return InvalidArgument("base64: invalid character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (padding > 2 || (padding > 0 && (text.size() % 4) != 0) || bits >= 6) {
    return InvalidArgument("base64: bad length or padding");
  }
  return out;
}

}  // namespace coolflow::web
