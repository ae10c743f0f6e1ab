// A real InfluxDB 1.x server for tests: `influxd` (Debian package influxdb) started on
// free loopback ports in a fresh temporary directory, with small HTTP helpers over libcurl.
//
//   auto server = InfluxDbServer::Start();
//   ASSERT_TRUE(server.ok()) << server.status().ToString();
//   ASSERT_TRUE((*server)->CreateDatabase("db").ok());
//   auto written = (*server)->Write("db", "m f=1 1\n", Precision::kSeconds);
//   auto rows = (*server)->Query("db", "SELECT * FROM m");
//
// Thread safety: one InfluxDbServer is used by one thread at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"
#include "nlohmann/json.hpp"
#include "support/server_process.h"

namespace coolflow::testing {

// What an HTTP endpoint answered.
struct HttpResponse {
  long status = 0;   // HTTP status code, e.g. 204
  std::string body;  // the response body as sent
};

class InfluxDbServer {
 public:
  struct Options {
    // Program to run; a bare name is looked up on PATH.
    std::string influxd = "influxd";
    // How long to wait for `GET /ping` to answer 204 after the process starts.
    std::chrono::milliseconds startup_timeout{30'000};
  };

  // Starts influxd with a generated config: meta/data/wal in a new temporary directory,
  // HTTP and RPC bound to free 127.0.0.1 ports, reporting, the monitor store, the query
  // log and the HTTP log off, logging at warn; INFLUXDB_* environment variables are not
  // passed on. Returns once `GET /ping` answers 204. Fails with NotFound when influxd is
  // not installed (./x deps installs it), Unavailable when it keeps exiting at startup,
  // DeadlineExceeded when it does not answer in time; the message carries its log's tail.
  // influxd gets SIGKILL if the calling thread exits first, so a crashed test leaves no
  // server behind: start it from a thread that outlives the InfluxDbServer.
  static Result<std::unique_ptr<InfluxDbServer>> Start(const Options& options);
  static Result<std::unique_ptr<InfluxDbServer>> Start() { return Start(Options{}); }

  // Kills influxd, waits for it and removes the temporary directory.
  ~InfluxDbServer();

  InfluxDbServer(const InfluxDbServer&) = delete;
  InfluxDbServer& operator=(const InfluxDbServer&) = delete;

  uint16_t http_port() const { return http_port_; }
  // "http://127.0.0.1:<port>", no trailing slash.
  const std::string& url() const { return url_; }
  // The temporary directory holding the config, meta/, data/, wal/ and influxd.log.
  const std::filesystem::path& dir() const { return dir_; }

  // POST /query with q, db (omitted when empty) and epoch=ns, so times come back as
  // integer nanoseconds. Returns the parsed JSON body. Fails when the request fails, the
  // status is not 200, the body is not JSON, or the body or any statement carries an
  // "error".
  Result<nlohmann::json> Query(std::string_view db, std::string_view q);

  // POST /write?db=<db>&precision=<p> with `body` as sent. Returns InfluxDB's answer
  // whatever its status (204 written; 400 refused or partially written, the reason in the
  // body); fails only when no HTTP answer came. Precision is sent in InfluxDB 1.x's
  // spelling (n, u, ms, s): 1.x reads `us` as nanoseconds.
  Result<HttpResponse> Write(std::string_view db, std::string_view body,
                             Precision precision = Precision::kNanoseconds);

  // CREATE DATABASE / DROP DATABASE with the name quoted as an identifier.
  Status CreateDatabase(std::string_view name);
  Status DropDatabase(std::string_view name);

  // Plain requests against the server; `path_and_query` starts with '/'. Fail only when
  // no HTTP answer came. An answer whose headers curl cannot read (InfluxDB puts a refused
  // line, NUL bytes and all, in a header) comes back with its status and an empty body.
  Result<HttpResponse> Get(std::string_view path_and_query);
  Result<HttpResponse> Post(std::string_view path_and_query, std::string_view body,
                            std::string_view content_type);

 private:
  InfluxDbServer() = default;
  Status Launch(const std::string& program, std::chrono::milliseconds timeout);
  Result<HttpResponse> Perform(bool post, std::string_view path_and_query, std::string_view body,
                               std::string_view content_type, long timeout_ms);
  void Stop();
  std::string LogTail() const;

  std::filesystem::path dir_;
  uint16_t http_port_ = 0;
  std::string url_;
  std::unique_ptr<ServerProcess> process_;
  // CURL*, kept opaque so users of this header need not include curl.
  std::unique_ptr<void, void (*)(void*)> curl_{nullptr, nullptr};
};

// InfluxQL identifier quoting: "name" with `"` and `\` escaped.
std::string QuoteIdentifier(std::string_view name);

}  // namespace coolflow::testing
