// Who may do what: the roles of users.yaml, ordered, so a route names the least role it
// needs and every higher role passes.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace coolflow::web {

enum class Role {
  kAnonymous = 0,  // no credentials: only public routes (the login page, static UI files)
  kViewer = 1,     // reads: dashboards, history, metrics
  kOperator = 2,   // changes the room: AC setpoints, writes readings
  kAdmin = 3,      // changes coolflow: users, deployments
};

// "anonymous", "viewer", "operator", "admin".
std::string_view RoleName(Role role);
// The role named `name` (viewer, operator or admin; "anonymous" is not a user's role).
std::optional<Role> ParseUserRole(std::string_view name);
// True when `have` is `need` or above.
inline bool RoleAtLeast(Role have, Role need) {
  return static_cast<int>(have) >= static_cast<int>(need);
}

// The user a request was authenticated as.
struct User {
  std::string name{};
  Role role = Role::kAnonymous;
};

}  // namespace coolflow::web
