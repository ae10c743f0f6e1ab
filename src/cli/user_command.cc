// `coolflow user ...`: the users file of the hub's and the workflow engine's web servers
// (docs/web.md, "users.yaml"). Passwords are read from standard input, never from the command
// line (where `ps` and the shell history would show them), and stored only as Argon2id
// hashes; an API token is shown once and stored only as its SHA-256.
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/cli.h"
#include "common/files.h"
#include "common/posix_io.h"
#include "fmt/format.h"
#include "web/password.h"
#include "web/users.h"

namespace coolflow::cli {
namespace {

struct UserOptions {
  std::string file = "users.yaml";
  std::string name;
  std::string role = "viewer";
  std::string token_name;
  bool replace = false;
};

// The users in `path`; none when it does not exist yet.
Result<std::vector<web::UserRecord>> ReadUsers(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::vector<web::UserRecord>{};
  return web::LoadUsers(path);
}

// Replaces `path` with `users`, atomically (a crash leaves the old file or the new one, never
// half of one), readable by its owner only. The text is parsed back first, so a file this
// writes always loads.
Status WriteUsers(const std::string& path, const std::vector<web::UserRecord>& users) {
  const std::string text = web::FormatUsers(users);
  if (Result<std::vector<web::UserRecord>> back = web::ParseUsers(text, path); !back.ok()) {
    return back.status();
  }
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IOError(fmt::format("{}: cannot create: {}", temp, std::strerror(errno)));
  const IoOutcome wrote = WriteAllAt(fd, 0, text);
  const int error = wrote.error != 0 ? wrote.error : (::fsync(fd) != 0 ? errno : 0);
  ::close(fd);
  if (error != 0 || ::rename(temp.c_str(), path.c_str()) != 0) {
    const int why = error != 0 ? error : errno;
    ::unlink(temp.c_str());
    return IOError(fmt::format("{}: cannot write: {}", path, std::strerror(why)));
  }
  return Status::Ok();
}

// One line of standard input; on a terminal, asked for with `prompt` and not echoed.
Result<std::string> ReadSecretLine(const char* prompt) {
  const bool terminal = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (terminal) {
    std::fprintf(stderr, "%s", prompt);
    std::fflush(stderr);
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (terminal) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
  }
  if (!got) return InvalidArgument("no password on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Result<std::string> ReadNewPassword() {
  Result<std::string> password = ReadSecretLine("password: ");
  if (!password.ok()) return password;
  if (password->size() < 8) return InvalidArgument("the password must have at least 8 characters");
  if (::isatty(STDIN_FILENO) == 1) {
    Result<std::string> again = ReadSecretLine("again: ");
    if (!again.ok()) return again;
    if (!web::ConstantTimeEquals(*again, *password)) {
      return InvalidArgument("the two passwords differ");
    }
  }
  return password;
}

web::UserRecord* Find(std::vector<web::UserRecord>& users, std::string_view name) {
  for (web::UserRecord& u : users) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

// Runs `body` and turns a failed Status into the exit code 2 with its message.
template <typename Body>
void Run(Body body) {
  if (Status s = body(); !s.ok()) {
    std::cerr << "coolflow user: " << s.message() << "\n";
    throw CLI::RuntimeError(2);
  }
}

Status Add(const UserOptions& o) {
  const std::optional<web::Role> role = web::ParseUserRole(o.role);
  if (!role)
    return InvalidArgument(fmt::format("--role: \"{}\" is not viewer, operator or admin", o.role));
  Result<std::vector<web::UserRecord>> users = ReadUsers(o.file);
  if (!users.ok()) return users.status();
  web::UserRecord* existing = Find(*users, o.name);
  if (existing != nullptr && !o.replace) {
    return AlreadyExists(fmt::format(
        "{}: user \"{}\" exists; --replace sets a new password and role", o.file, o.name));
  }
  Result<std::string> password = ReadNewPassword();
  if (!password.ok()) return password.status();
  Result<std::string> hash = web::HashPassword(*password);
  if (!hash.ok()) return hash.status();
  if (existing != nullptr) {
    existing->role = *role;
    existing->password_hash = std::move(*hash);
  } else {
    users->push_back(web::UserRecord{o.name, *role, std::move(*hash), {}});
  }
  if (Status s = WriteUsers(o.file, *users); !s.ok()) return s;
  std::cerr << fmt::format("{}: {} user \"{}\" ({})\n", o.file, existing ? "updated" : "added",
                           o.name, o.role);
  return Status::Ok();
}

Status AddToken(const UserOptions& o) {
  Result<std::vector<web::UserRecord>> users = ReadUsers(o.file);
  if (!users.ok()) return users.status();
  web::UserRecord* user = Find(*users, o.name);
  if (user == nullptr) {
    const std::optional<web::Role> role = web::ParseUserRole(o.role);
    if (!role)
      return InvalidArgument(
          fmt::format("--role: \"{}\" is not viewer, operator or admin", o.role));
    users->push_back(web::UserRecord{o.name, *role, "", {}});
    user = &users->back();
  }
  for (const web::TokenRecord& t : user->tokens) {
    if (t.name == o.token_name) {
      return AlreadyExists(fmt::format("{}: user \"{}\" already has a token named \"{}\"", o.file,
                                       o.name, o.token_name));
    }
  }
  Result<web::ApiToken> token = web::NewApiToken();
  if (!token.ok()) return token.status();
  user->tokens.push_back(web::TokenRecord{o.token_name, token->sha256_hex});
  if (Status s = WriteUsers(o.file, *users); !s.ok()) return s;
  // The only time the token is shown: on standard output, so it can be piped into a secret.
  std::cout << token->token << "\n";
  std::cerr << fmt::format("{}: token \"{}\" of user \"{}\"; it is shown only this once\n", o.file,
                           o.token_name, o.name);
  return Status::Ok();
}

Status Remove(const UserOptions& o) {
  Result<std::vector<web::UserRecord>> users = ReadUsers(o.file);
  if (!users.ok()) return users.status();
  const size_t before = users->size();
  std::erase_if(*users, [&](const web::UserRecord& u) { return u.name == o.name; });
  if (users->size() == before) return NotFound(fmt::format("{}: no user \"{}\"", o.file, o.name));
  if (users->empty()) {
    return InvalidArgument(
        fmt::format("{}: \"{}\" is the last user; a users file needs one (delete the file instead)",
                    o.file, o.name));
  }
  return WriteUsers(o.file, *users);
}

Status List(const UserOptions& o) {
  Result<std::vector<web::UserRecord>> users = web::LoadUsers(o.file);
  if (!users.ok()) return users.status();
  for (const web::UserRecord& u : *users) {
    std::string tokens;
    for (const web::TokenRecord& t : u.tokens)
      tokens += (tokens.empty() ? "" : ",") + t.name;
    std::cout << fmt::format("{:<24} {:<9} {:<9} {}\n", u.name, web::RoleName(u.role),
                             u.password_hash.empty() ? "-" : "password",
                             tokens.empty() ? "-" : tokens);
  }
  return Status::Ok();
}

}  // namespace

void AddUserCommands(CLI::App& app) {
  auto o = std::make_shared<UserOptions>();
  auto* user = app.add_subcommand(
      "user", "Manage users.yaml, the users of the hub's and workflow engine's web servers");
  user->require_subcommand(1);
  auto file = [&](CLI::App* sub) {
    sub->add_option("--users", o->file, "the users file (created when missing)")
        ->capture_default_str();
  };

  auto* add = user->add_subcommand(
      "add", "Add a user (or --replace one) with a password read from standard input");
  file(add);
  add->add_option("name", o->name, "the user's name")->required();
  add->add_option("--role", o->role, "viewer, operator or admin")->capture_default_str();
  add->add_flag("--replace", o->replace, "set a new password and role for an existing user");
  add->callback([o] { Run([&] { return Add(*o); }); });

  auto* token = user->add_subcommand(
      "token", "Give a user (created with --role when missing) a new API token, printed once");
  file(token);
  token->add_option("name", o->name, "the user's name")->required();
  token->add_option("--token-name", o->token_name, "what the token is for (e.g. rack-writer)")
      ->required();
  token->add_option("--role", o->role, "the role of a user created for the token")
      ->capture_default_str();
  token->callback([o] { Run([&] { return AddToken(*o); }); });

  auto* remove = user->add_subcommand("remove", "Remove a user and its tokens");
  file(remove);
  remove->add_option("name", o->name, "the user's name")->required();
  remove->callback([o] { Run([&] { return Remove(*o); }); });

  auto* list = user->add_subcommand("list", "List users, roles and token names (no secrets)");
  file(list);
  list->callback([o] { Run([&] { return List(*o); }); });
}

}  // namespace coolflow::cli
