#include "web/static_files.h"

#include <array>
#include <fstream>
#include <system_error>
#include <utility>

#include "fmt/format.h"

namespace coolflow::web {
namespace fs = std::filesystem;
namespace {

bool Inside(const fs::path& root, const fs::path& p) {
  auto r = root.begin();
  auto q = p.begin();
  for (; r != root.end(); ++r, ++q) {
    if (q == p.end() || *r != *q) return false;
  }
  return true;
}

std::string ETagOf(const fs::path& file, uintmax_t size) {
  std::error_code ec;
  const auto mtime = fs::last_write_time(file, ec);
  const auto ticks = ec ? 0 : mtime.time_since_epoch().count();
  return fmt::format("\"{:x}-{:x}\"", size, static_cast<uint64_t>(ticks));
}

bool EtagMatches(std::string_view header, std::string_view etag) {
  // If-None-Match: "a", W/"b", *
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
  }
  return false;
}

}  // namespace

Result<StaticFiles> StaticFiles::Open(const fs::path& root, StaticOptions options) {
  std::error_code ec;
  fs::path canonical = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canonical, ec)) {
    return NotFound(fmt::format("static files: {} is not a directory", root.string()));
  }
  return StaticFiles(std::move(canonical), options);
}

std::string_view StaticFiles::ContentType(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".csv", "text/csv; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".yaml", "text/yaml; charset=utf-8"},
  }};
  const size_t dot = file_name.rfind('.');
  if (dot != std::string_view::npos) {
    const std::string_view ext = file_name.substr(dot);
    for (const auto& [e, type] : kTypes) {
      if (EqualsIgnoreCase(e, ext)) return type;
    }
  }
  return "application/octet-stream";
}

Result<fs::path> StaticFiles::Resolve(std::string_view relative) const {
  fs::path p = root_;
  while (!relative.empty()) {
    const size_t slash = relative.find('/');
    const std::string_view segment = relative.substr(0, slash);
    relative = slash == std::string_view::npos ? std::string_view() : relative.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") return InvalidArgument("\"..\" is not allowed in a file path");
    if (segment.find('\\') != std::string_view::npos ||
        segment.find('\0') != std::string_view::npos) {
      return InvalidArgument("backslash or NUL in a file path");
    }
    p /= std::string(segment);
  }
  std::error_code ec;
  fs::path canonical = fs::canonical(p, ec);
  if (ec) return NotFound("no such file");
  if (!Inside(root_, canonical)) return NotFound("no such file");  // a symlink out of the root
  if (fs::is_directory(canonical, ec)) {
    canonical /= "index.html";
    fs::path index = fs::canonical(canonical, ec);
    if (ec || !Inside(root_, index)) return NotFound("no such file");
    canonical = std::move(index);
  }
  if (!fs::is_regular_file(canonical, ec)) return NotFound("no such file");
  return canonical;
}

Response StaticFiles::Serve(const Request& request, std::string_view relative) const {
  Result<fs::path> file = Resolve(relative);
  if (!file.ok() && file.status().code() == StatusCode::kInvalidArgument) {
    return Response::Error(400, file.status().message());
  }
  if (!file.ok()) {
    const size_t slash = relative.rfind('/');
    const std::string_view last =
        slash == std::string_view::npos ? relative : relative.substr(slash + 1);
    const std::optional<std::string_view> accept = request.Header("Accept");
    const bool browser = accept && accept->find("text/html") != std::string_view::npos;
    if (options_.spa_fallback && browser && last.find('.') == std::string_view::npos) {
      file = Resolve("index.html");
    }
    if (!file.ok()) return Response::Error(404, "no such file");
  }
  return ServeFile(request, *file);
}

Response StaticFiles::ServeFile(const Request& request, const fs::path& file) const {
  std::error_code ec;
  const uintmax_t size = fs::file_size(file, ec);
  if (ec) return Response::Error(404, "no such file");
  if (size > options_.max_file_bytes) return Response::Error(500, "file too large to serve");
  Response r;
  const std::string etag = ETagOf(file, size);
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.content_type = std::string(ContentType(file.filename().string()));
  if (const auto inm = request.Header("If-None-Match"); inm && EtagMatches(*inm, etag)) {
    r.status = 304;
    return r;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Response::Error(404, "no such file");
  r.body.resize(size);
  in.read(r.body.data(), static_cast<std::streamsize>(size));
  r.body.resize(static_cast<size_t>(in.gcount()));
  return r;
}

}  // namespace coolflow::web
