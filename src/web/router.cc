#include "web/router.h"

#include <algorithm>

#include "fmt/format.h"

namespace coolflow::web {

Status Router::Add(Route route) {
  if (route.path.empty() || route.path.front() != '/') {
    return InvalidArgument(fmt::format("route path \"{}\" must start with '/'", route.path));
  }
  if (route.prefix && route.path.back() != '/') {
    return InvalidArgument(fmt::format("route prefix \"{}\" must end with '/'", route.path));
  }
  std::vector<const Route*>* group = nullptr;
  if (route.prefix) {
    auto it = std::find_if(prefixes_.begin(), prefixes_.end(),
                           [&](const auto& p) { return p.first == route.path; });
    if (it == prefixes_.end()) {
      prefixes_.emplace_back(route.path, std::vector<const Route*>{});
      std::stable_sort(prefixes_.begin(), prefixes_.end(), [](const auto& a, const auto& b) {
        return a.first.size() > b.first.size();
      });
      it = std::find_if(prefixes_.begin(), prefixes_.end(),
                        [&](const auto& p) { return p.first == route.path; });
    }
    group = &it->second;
  } else {
    group = &exact_[route.path];
  }
  for (const Route* r : *group) {
    if (r->method == route.method) {
      return {StatusCode::kAlreadyExists,
              fmt::format("route {} {}{} is registered twice", MethodName(route.method), route.path,
                          route.prefix ? "*" : "")};
    }
  }
  if (route.label.empty()) {
    route.label =
        fmt::format("{} {}{}", MethodName(route.method), route.path, route.prefix ? "*" : "");
  }
  routes_.push_back(std::make_unique<Route>(std::move(route)));
  group->push_back(routes_.back().get());
  return Status::Ok();
}

std::vector<const Route*> Router::Candidates(std::string_view path) const {
  if (auto it = exact_.find(path); it != exact_.end()) return it->second;
  for (const auto& [prefix, group] : prefixes_) {
    if (path.starts_with(prefix)) return group;
  }
  return {};
}

RouteMatch Router::Find(std::string_view method, std::string_view path) const {
  RouteMatch match;
  const std::vector<const Route*> candidates = Candidates(path);
  if (candidates.empty()) return match;
  const std::string_view wanted = method == "HEAD" ? "GET" : method;
  for (const Route* r : candidates) {
    if (MethodName(r->method) == wanted) {
      match.kind = RouteMatch::Kind::kFound;
      match.route = r;
      return match;
    }
  }
  match.kind = RouteMatch::Kind::kMethodNotAllowed;
  std::vector<std::string_view> names;
  for (const Route* r : candidates) {
    names.push_back(MethodName(r->method));
    if (r->method == Method::kGet) names.push_back("HEAD");
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  match.allow = fmt::format("{}", fmt::join(names, ", "));
  return match;
}

}  // namespace coolflow::web
