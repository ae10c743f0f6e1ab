#include "web/users.h"

#include <set>

#include "common/files.h"
#include "common/yaml_reader.h"
#include "fmt/format.h"
#include "web/password.h"

namespace coolflow::web {
namespace {

using yaml::Item;
using yaml::Table;

constexpr size_t kMaxNameLength = 64;

struct UsersFile {
  std::vector<UserRecord> users;
};

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status ReadName(yaml::Reader& r, const Item& item, std::string& out) {
  if (Status s = r.Read(item, out); !s.ok()) return s;
  if (!ValidName(out)) {
    return r.Error(item, fmt::format("names are 1..{} of A-Z a-z 0-9 . _ @ -", kMaxNameLength));
  }
  return Status::Ok();
}

const Table<TokenRecord>& TokenTable() {
  static const Table<TokenRecord> table = {
      {"name", [](yaml::Reader& r, const Item& item,
                  TokenRecord& out) { return ReadName(r, item, out.name); }},
      {"sha256",
       [](yaml::Reader& r, const Item& item, TokenRecord& out) {
         if (Status s = r.Read(item, out.sha256_hex); !s.ok()) return s;
         const bool hex = out.sha256_hex.find_first_not_of("0123456789abcdef") == std::string::npos;
         if (out.sha256_hex.size() != 64 || !hex) {
           return r.Error(item, "must be 64 lower-case hex digits (the token's SHA-256)");
         }
         return Status::Ok();
       }},
      yaml::Refused<TokenRecord>(
          "token", "tokens are never stored; write their sha256 (coolflow user add prints it)"),
  };
  return table;
}

const Table<UserRecord>& UserTable() {
  static const Table<UserRecord> table = {
      {"name", [](yaml::Reader& r, const Item& item,
                  UserRecord& out) { return ReadName(r, item, out.name); }},
      {"role",
       [](yaml::Reader& r, const Item& item, UserRecord& out) {
         size_t i = 0;
         if (Status s = r.ReadChoice(item, {"viewer", "operator", "admin"}, "role", i); !s.ok()) {
           return s;
         }
         out.role = i == 0 ? Role::kViewer : i == 1 ? Role::kOperator : Role::kAdmin;
         return Status::Ok();
       }},
      {"password_hash",
       [](yaml::Reader& r, const Item& item, UserRecord& out) {
         if (Status s = r.Read(item, out.password_hash); !s.ok()) return s;
         if (Status s = CheckPasswordHash(out.password_hash); !s.ok()) {
           return r.Error(item, s.message());
         }
         return Status::Ok();
       }},
      yaml::Refused<UserRecord>("password",
                                "passwords are never stored; write password_hash (coolflow user "
                                "add makes one)"),
      {"tokens",
       [](yaml::Reader& r, const Item& item, UserRecord& out) {
         return r.ForEachElement(item, [&](const Item& element) -> Status {
           TokenRecord token;
           std::vector<std::string> keys;
           if (Status s = r.ParseMapping(element, TokenTable(), token, &keys); !s.ok()) return s;
           if (Status s = r.Require(element, keys, "name"); !s.ok()) return s;
           if (Status s = r.Require(element, keys, "sha256"); !s.ok()) return s;
           for (const TokenRecord& t : out.tokens) {
             if (t.name == token.name) return r.Error(element, "duplicate token name");
           }
           out.tokens.push_back(std::move(token));
           return Status::Ok();
         });
       }},
  };
  return table;
}

const Table<UsersFile>& FileTable() {
  static const Table<UsersFile> table = {
      {"users",
       [](yaml::Reader& r, const Item& item, UsersFile& out) {
         std::set<std::string> names;
         std::set<std::string> token_hashes;
         return r.ForEachElement(item, [&](const Item& element) -> Status {
           UserRecord user;
           std::vector<std::string> keys;
           if (Status s = r.ParseMapping(element, UserTable(), user, &keys); !s.ok()) return s;
           if (Status s = r.Require(element, keys, "name"); !s.ok()) return s;
           if (Status s = r.Require(element, keys, "role"); !s.ok()) return s;
           if (!names.insert(user.name).second) {
             return r.Error(element, fmt::format("user \"{}\" is listed twice", user.name));
           }
           if (user.password_hash.empty() && user.tokens.empty()) {
             return r.Error(element, "needs a password_hash, tokens, or both");
           }
           for (const TokenRecord& t : user.tokens) {
             if (!token_hashes.insert(t.sha256_hex).second) {
               return r.Error(element,
                              fmt::format("token \"{}\" has the hash of another token", t.name));
             }
           }
           out.users.push_back(std::move(user));
           return Status::Ok();
         });
       }},
  };
  return table;
}

}  // namespace

Result<std::vector<UserRecord>> ParseUsers(std::string_view text, std::string_view source) {
  yaml::Reader reader(source);
  Result<Item> root = reader.LoadDocument(text, "a users file");
  if (!root.ok()) return root.status();
  UsersFile file;
  std::vector<std::string> keys;
  if (Status s = reader.ParseMapping(*root, FileTable(), file, &keys); !s.ok()) return s;
  if (Status s = reader.Require(*root, keys, "users"); !s.ok()) return s;
  return std::move(file.users);
}

Result<std::vector<UserRecord>> LoadUsers(const std::string& path) {
  Result<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return ParseUsers(*text, path);
}

std::string FormatUsers(const std::vector<UserRecord>& users) {
  std::string out = "users:\n";
  for (const UserRecord& u : users) {
    out += fmt::format("  - name: {}\n    role: {}\n", u.name, RoleName(u.role));
    if (!u.password_hash.empty())
      out += fmt::format("    password_hash: \"{}\"\n", u.password_hash);
    if (!u.tokens.empty()) {
      out += "    tokens:\n";
      for (const TokenRecord& t : u.tokens) {
        out += fmt::format("      - name: {}\n        sha256: {}\n", t.name, t.sha256_hex);
      }
    }
  }
  return out;
}

}  // namespace coolflow::web
