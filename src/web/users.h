// users.yaml: who may use the hub's and the workflow engine's web servers, and as what.
//
//   users:
//     - name: alice
//       role: admin            # viewer | operator | admin
//       password_hash: "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>"
//     - name: telegraf
//       role: operator
//       tokens:                # API tokens, stored only as their SHA-256
//         - name: rack-writer
//           sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//
// A user has a password hash, tokens, or both. Names are unique ([A-Za-z0-9._@-], at most 64
// characters) and so is every token hash. Plain passwords or tokens are refused. Errors read
// "<file>:<line>:<column>: <field>: <why>" and never quote a hash.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "web/role.h"

namespace coolflow::web {

struct TokenRecord {
  std::string name{};        // what the token is for ("rack-writer"); unique per user
  std::string sha256_hex{};  // 64 lower-case hex digits
};

struct UserRecord {
  std::string name{};
  Role role = Role::kViewer;
  std::string password_hash{};  // empty: this user logs in with tokens only
  std::vector<TokenRecord> tokens{};
};

// Parses users.yaml text; `source` names it in errors.
Result<std::vector<UserRecord>> ParseUsers(std::string_view text, std::string_view source);
// Reads and parses the file at `path`.
Result<std::vector<UserRecord>> LoadUsers(const std::string& path);

// The users as users.yaml text (for `coolflow user add`, which adds one and writes the file).
std::string FormatUsers(const std::vector<UserRecord>& users);

}  // namespace coolflow::web
