#include "hub/influx_write.h"

#include <zlib.h>

#include <array>

#include "fmt/format.h"

namespace coolflow::hub {

Result<WriteQuery> ParseWriteQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  WriteQuery out;
  bool have_db = false;
  for (const auto& [key, value] : query) {
    if (key == "u" || key == "p") {
      return Status(StatusCode::kUnauthenticated,
                    "credentials in the query string are refused: send them in an "
                    "Authorization header (Basic or Token)");
    }
    if (key == "db") {
      out.database = value;
      have_db = true;
    } else if (key == "rp") {
      out.retention_policy = value;
    } else if (key == "precision") {
      auto precision = ParsePrecision(value);
      if (!precision.ok())
        return InvalidArgument("invalid precision: " + precision.status().message());
      out.precision = *precision;
    }
    // consistency and anything else: accepted and ignored, as InfluxDB does.
  }
  if (!have_db || out.database.empty()) return InvalidArgument("database is required");
  return out;
}

Result<std::string> Gunzip(std::string_view body, size_t max_bytes) {
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return Internal("gzip: inflateInit2 failed");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  std::string out;
  std::array<char, 64 * 1024> chunk{};
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk.data());
    stream.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      const std::string why = stream.msg != nullptr ? stream.msg : fmt::format("zlib error {}", rc);
      inflateEnd(&stream);
      return InvalidArgument(fmt::format("the body is not valid gzip: {}", why));
    }
    out.append(chunk.data(), chunk.size() - stream.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&stream);
      return OutOfRange(fmt::format("the gzip body inflates past {} bytes", max_bytes));
    }
    if (rc == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
      inflateEnd(&stream);
      return InvalidArgument("the body is not valid gzip: it ends before the stream does");
    }
  }
  inflateEnd(&stream);
  return out;
}

WriteAnswer AnswerWrite(const Status& outcome, const InputReport& report) {
  if (!outcome.ok()) return {500, outcome.message()};
  if (report.refused == 0) return {204, ""};
  const std::string first = report.errors.empty() ? "refused" : report.errors.front();
  if (report.stored == 0) return {400, "unable to parse: " + first};
  return {400, fmt::format("partial write: {} dropped={}", first, report.refused)};
}

}  // namespace coolflow::hub
