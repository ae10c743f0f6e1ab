// Secrets at rest: password hashes (PBKDF2-HMAC-SHA256), API tokens (kept only as their
// SHA-256), random session ids, and the constant-time comparison every check uses.
//
// A password hash reads "pbkdf2-sha256$<iterations>$<salt>$<hash>", salt (16 bytes) and hash
// (32 bytes) in standard base64 with padding, as users.yaml stores it.
//
// Thread safety: every function is safe to call from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coolflow::web {

// OWASP's 2023 advice for PBKDF2-HMAC-SHA256. About 0.3 s of one core per check, which is
// why the authenticator remembers a password it has verified (see authenticator.h).
inline constexpr int kDefaultPbkdf2Iterations = 600'000;
// The fewest iterations a hash may carry (tests use this to stay fast).
inline constexpr int kMinPbkdf2Iterations = 1'000;
inline constexpr int kMaxPbkdf2Iterations = 100'000'000;

// A new hash of `password` with a fresh random salt. InvalidArgument when `iterations` is
// outside [kMinPbkdf2Iterations, kMaxPbkdf2Iterations]; Internal when OpenSSL fails.
Result<std::string> HashPassword(std::string_view password,
                                 int iterations = kDefaultPbkdf2Iterations);

// InvalidArgument saying what is wrong when `encoded` is not a well-formed hash.
Status CheckPasswordHash(std::string_view encoded);

// True when `password` matches `encoded` (compared in constant time); false for a malformed
// hash too.
bool VerifyPassword(std::string_view password, std::string_view encoded);

struct ApiToken {
  std::string token;       // "cf_" + 43 base64url characters (32 random bytes): shown once
  std::string sha256_hex;  // what users.yaml stores
};
// A new random API token and its hash. Internal when the random source fails.
Result<ApiToken> NewApiToken();

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// HMAC-SHA256 of `data` under `key`, raw 32 bytes.
std::string HmacSha256(std::string_view key, std::string_view data);
// `bytes` random bytes from OpenSSL's CSPRNG, base64url without padding. Internal on failure.
Result<std::string> RandomToken(size_t bytes);
// Raw random bytes. Internal on failure.
Result<std::string> RandomBytes(size_t bytes);

// True when a == b; the time taken depends on the lengths only, never on the contents.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Standard base64 with padding, and its decoding (InvalidArgument on bad input).
std::string Base64Encode(std::string_view data);
Result<std::string> Base64Decode(std::string_view text);

}  // namespace coolflow::web
