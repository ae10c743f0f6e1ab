#include "web/password.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>

#include "fmt/format.h"

namespace coolflow::web {
namespace {

constexpr std::string_view kPbkdf2Scheme = "pbkdf2-sha256";
constexpr std::string_view kArgon2Prefix = "$argon2id$";
constexpr size_t kSaltBytes = 16;
constexpr size_t kPbkdf2HashBytes = 32;
constexpr size_t kArgon2HashBytes = 32;
constexpr size_t kMinArgon2HashBytes = 16;
constexpr size_t kTokenBytes = 32;
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());  // OpenSSL takes unsigned bytes
}

std::string Pbkdf2(std::string_view password, std::string_view salt, int iterations) {
  std::string out(kPbkdf2HashBytes, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), Bytes(salt),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    return {};
  }
  return out;
}

// Splits `text` at `separator` into exactly `N` fields; nullopt when the count differs.
template <size_t N>
std::optional<std::array<std::string_view, N>> SplitExactly(std::string_view text, char separator) {
  std::array<std::string_view, N> fields;
  for (size_t i = 0; i < N; ++i) {
    const size_t at = text.find(separator);
    if ((at == std::string_view::npos) != (i + 1 == N)) return std::nullopt;
    fields[i] = text.substr(0, at);
    if (at != std::string_view::npos) text.remove_prefix(at + 1);
  }
  return fields;
}

template <typename Int>
bool ParseInt(std::string_view text, Int min, Int max, Int& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= min && out <= max;
}

struct Pbkdf2Hash {
  int iterations = 0;
  std::string salt;
  std::string hash;
};

Result<Pbkdf2Hash> ParsePbkdf2(std::string_view encoded) {
  const auto parts = SplitExactly<4>(encoded, '$');
  if (!parts) {
    return InvalidArgument(
        "a pbkdf2-sha256 hash must read pbkdf2-sha256$<iterations>$<salt>$<hash>");
  }
  Pbkdf2Hash out;
  if (!ParseInt((*parts)[1], kMinPbkdf2Iterations, kMaxPbkdf2Iterations, out.iterations)) {
    return InvalidArgument(fmt::format("password hash iterations must be an integer in {}..{}",
                                       kMinPbkdf2Iterations, kMaxPbkdf2Iterations));
  }
  Result<std::string> salt = Base64Decode((*parts)[2]);
  if (!salt.ok() || salt->size() < 8) {
    return InvalidArgument("password hash salt must be base64 of at least 8 bytes");
  }
  Result<std::string> hash = Base64Decode((*parts)[3]);
  if (!hash.ok() || hash->size() != kPbkdf2HashBytes) {
    return InvalidArgument("password hash must end with base64 of 32 bytes");
  }
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return out;
}

Status CheckCost(PasswordCost cost) {
  if (cost.lanes < 1 || cost.lanes > kMaxArgon2Lanes) {
    return InvalidArgument(fmt::format("Argon2id lanes (p) must be in 1..{}", kMaxArgon2Lanes));
  }
  if (cost.passes < 1 || cost.passes > kMaxArgon2Passes) {
    return InvalidArgument(fmt::format("Argon2id passes (t) must be in 1..{}", kMaxArgon2Passes));
  }
  const uint32_t min_memory = std::max<uint32_t>(kTestPasswordCost.memory_kib, 8 * cost.lanes);
  if (cost.memory_kib < min_memory || cost.memory_kib > kMaxArgon2MemoryKib) {
    return InvalidArgument(
        fmt::format("Argon2id memory (m) must be in {}..{} KiB", min_memory, kMaxArgon2MemoryKib));
  }
  return Status::Ok();
}

// The cost an Argon2id PHC string names, after checking the whole string's form.
Result<PasswordCost> ParseArgon2(std::string_view encoded) {
  // "$argon2id$v=19$m=..,t=..,p=..$salt$hash" splits at '$' into 6 fields, the first empty.
  const auto parts = SplitExactly<6>(encoded, '$');
  if (!parts || (*parts)[2] != "v=19") {
    return InvalidArgument(
        "an Argon2id hash must read $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>");
  }
  const auto params = SplitExactly<3>((*parts)[3], ',');
  PasswordCost cost;
  if (!params || !(*params)[0].starts_with("m=") || !(*params)[1].starts_with("t=") ||
      !(*params)[2].starts_with("p=") ||
      !ParseInt((*params)[0].substr(2), uint32_t{0}, UINT32_MAX, cost.memory_kib) ||
      !ParseInt((*params)[1].substr(2), uint32_t{0}, UINT32_MAX, cost.passes) ||
      !ParseInt((*params)[2].substr(2), uint32_t{0}, UINT32_MAX, cost.lanes)) {
    return InvalidArgument("an Argon2id hash's parameters must read m=<KiB>,t=<passes>,p=<lanes>");
  }
  if (Status s = CheckCost(cost); !s.ok()) return s;
  Result<std::string> salt = Base64Decode((*parts)[4]);
  if (!salt.ok() || salt->size() < 8 || (*parts)[4].find('=') != std::string_view::npos) {
    return InvalidArgument("an Argon2id hash's salt must be unpadded base64 of at least 8 bytes");
  }
  Result<std::string> hash = Base64Decode((*parts)[5]);
  if (!hash.ok() || hash->size() < kMinArgon2HashBytes ||
      (*parts)[5].find('=') != std::string_view::npos) {
    return InvalidArgument(
        "an Argon2id hash must end with unpadded base64 of at least 16 bytes of hash");
  }
  return cost;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, PasswordCost cost) {
  if (Status s = CheckCost(cost); !s.ok()) return s;
  Result<std::string> salt = RandomBytes(kSaltBytes);
  if (!salt.ok()) return salt.status();
  std::string encoded(argon2_encodedlen(cost.passes, cost.memory_kib, cost.lanes, kSaltBytes,
                                        kArgon2HashBytes, Argon2_id),
                      '\0');
  const int rc = argon2id_hash_encoded(cost.passes, cost.memory_kib, cost.lanes, password.data(),
                                       password.size(), salt->data(), salt->size(),
                                       kArgon2HashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK)
    return Internal(fmt::format("Argon2id failed: {}", argon2_error_message(rc)));
  encoded.resize(std::char_traits<char>::length(encoded.c_str()));
  return encoded;
}

Result<std::string> HashPasswordLike(std::string_view password, std::string_view model) {
  if (model.starts_with(kArgon2Prefix)) {
    Result<PasswordCost> cost = ParseArgon2(model);
    if (!cost.ok()) return cost.status();
    return HashPassword(password, *cost);
  }
  Result<Pbkdf2Hash> parsed = ParsePbkdf2(model);
  if (!parsed.ok()) return parsed.status();
  const std::string hash = Pbkdf2(password, parsed->salt, parsed->iterations);
  if (hash.empty()) return Internal("PBKDF2 failed");
  return fmt::format("{}${}${}${}", kPbkdf2Scheme, parsed->iterations, Base64Encode(parsed->salt),
                     Base64Encode(hash));
}

Status CheckPasswordHash(std::string_view encoded) {
  if (encoded.starts_with(kArgon2Prefix)) return ParseArgon2(encoded).status();
  if (encoded.starts_with(kPbkdf2Scheme) && encoded.substr(kPbkdf2Scheme.size()).starts_with("$")) {
    return ParsePbkdf2(encoded).status();
  }
  return InvalidArgument(
      "password hash must be Argon2id ($argon2id$v=19$m=..,t=..,p=..$<salt>$<hash>, as "
      "`coolflow user add` or Debian's `argon2 <salt> -id -e` write it) or "
      "pbkdf2-sha256$<iterations>$<salt>$<hash>; the scheme is missing or unknown");
}

bool VerifyPassword(std::string_view password, std::string_view encoded) {
  if (!CheckPasswordHash(encoded).ok()) return false;
  if (encoded.starts_with(kArgon2Prefix)) {
    // libargon2 compares the recomputed hash in constant time. It needs a NUL-terminated copy.
    const std::string terminated(encoded);
    return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
  }
  Result<Pbkdf2Hash> parsed = ParsePbkdf2(encoded);
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
  return Base64UrlEncode(*raw);
}

std::string Base64UrlEncode(std::string_view data) {
  std::string text = Base64Encode(data);
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
