// Files from one directory (a built web UI), served read-only.
//
// A request path is resolved inside the root: segments "..", "." and empty ones are refused
// or skipped before the file system is asked, a backslash or NUL is refused, and the resolved
// file's canonical path (symlinks followed) must still lie inside the root's, so neither
// "../" nor a symlink can reach outside it. A directory serves its index.html. With
// `spa_fallback`, a path that names nothing, has no file extension in its last segment and
// comes from a browser (Accept includes text/html) gets the root's index.html, so a
// single-page app's client-side routes load; anything else missing is 404.
//
// Responses carry a Content-Type from the extension, an ETag (size and modification time)
// and "Cache-Control: no-cache" (revalidate each time); If-None-Match with the current ETag
// gets 304 without a body.
//
// Thread safety: Serve may be called from any thread (it only reads the file system).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"
#include "web/request.h"
#include "web/response.h"

namespace coolflow::web {

struct StaticOptions {
  bool spa_fallback = true;
  size_t max_file_bytes = 64 << 20;  // larger files answer 500 (a UI asset is never this big)
};

class StaticFiles {
 public:
  // NotFound when `root` is not a directory.
  static Result<StaticFiles> Open(const std::filesystem::path& root, StaticOptions options = {});

  // Answers `request` for the file at `relative` (the request path after the route prefix,
  // decoded). HEAD is the caller's business (it drops the body).
  Response Serve(const Request& request, std::string_view relative) const;

  // The Content-Type for a file name ("app.js" -> "text/javascript; charset=utf-8").
  static std::string_view ContentType(std::string_view file_name);

  const std::filesystem::path& root() const { return root_; }

 private:
  StaticFiles(std::filesystem::path root, StaticOptions options)
      : root_(std::move(root)), options_(options) {}
  // The canonical path of the file `relative` names, or an error status (404 / 400 reason).
  Result<std::filesystem::path> Resolve(std::string_view relative) const;
  Response ServeFile(const Request& request, const std::filesystem::path& file) const;

  std::filesystem::path root_;  // canonical
  StaticOptions options_;
};

}  // namespace coolflow::web
