// Secrets at rest: password hashes (Argon2id, and PBKDF2-HMAC-SHA256 for older files), API
// tokens (kept only as their SHA-256), random session ids, and the constant-time comparison
// every check uses.
//
// A password hash is one of, as users.yaml stores it:
//   $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>
//       the PHC string format libargon2 writes (Debian's `argon2` command, Python's
//       argon2-cffi and most other tools write the same); salt and hash in base64 without
//       padding. What HashPassword makes.
//   pbkdf2-sha256$<iterations>$<salt>$<hash>
//       salt (at least 8 bytes) and hash (32 bytes) in standard base64 with padding; verified
//       for files written before Argon2id, never made any more.
//
// Thread safety: every function is safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coolflow::web {

// What one Argon2id check costs. The default is OWASP's 2023 recommendation (19 MiB, 2 passes,
// one lane): about 30 ms of one core and 19 MiB of memory per check, affordable on a
// Raspberry Pi and expensive for anyone guessing offline. The authenticator remembers a
// password it has verified (see authenticator.h), so a client sending Basic credentials with
// every request pays it once.
struct PasswordCost {
  uint32_t memory_kib = 19 * 1024;
  uint32_t passes = 2;
  uint32_t lanes = 1;
};
inline constexpr PasswordCost kDefaultPasswordCost{};
// The cheapest cost HashPassword accepts; for tests, never for real users.
inline constexpr PasswordCost kTestPasswordCost{.memory_kib = 64, .passes = 1, .lanes = 1};

// Bounds on what a hash may demand, so a users file cannot make every login cost gigabytes.
inline constexpr uint32_t kMaxArgon2MemoryKib = 1024 * 1024;
inline constexpr uint32_t kMaxArgon2Passes = 64;
inline constexpr uint32_t kMaxArgon2Lanes = 16;
inline constexpr int kMinPbkdf2Iterations = 1'000;
inline constexpr int kMaxPbkdf2Iterations = 100'000'000;

// A new Argon2id hash of `password` with a fresh random 16-byte salt. InvalidArgument when
// `cost` is outside the bounds above (memory at least 8 KiB per lane, and at least 64 KiB);
// Internal when libargon2 or the random source fails.
Result<std::string> HashPassword(std::string_view password,
                                 PasswordCost cost = kDefaultPasswordCost);

// A new hash of `password` of the same kind and cost as `model` (a well-formed hash): what a
// check against an unknown user spends, so timing does not tell which names exist.
Result<std::string> HashPasswordLike(std::string_view password, std::string_view model);

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
// Base64url (RFC 4648 section 5) without padding: safe in cookies, headers and URLs.
std::string Base64UrlEncode(std::string_view data);

}  // namespace coolflow::web
