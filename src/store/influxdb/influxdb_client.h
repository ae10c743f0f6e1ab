// The HTTP side of the InfluxDB adapter: POST /write, POST /query and GET /ping over libcurl,
// with basic authentication and retries of transient failures.
//
// Thread safety: every method may be called from any thread concurrently; curl handles are
// pooled under a mutex and one request uses one handle.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/thread_annotations.h"
#include "nlohmann/json.hpp"
#include "store/influxdb/influxdb_store.h"

namespace coolflow::store {

// What InfluxDB answered to one request.
struct InfluxAnswer {
  long status = 0;   // HTTP status
  std::string body;  // as sent ("" when curl could not read the headers)
  int attempts = 0;  // requests made, retries included
};

class InfluxDbClient {
 public:
  // `options` must have passed ValidateInfluxDbOptions.
  explicit InfluxDbClient(const InfluxDbOptions& options);
  ~InfluxDbClient();
  InfluxDbClient(const InfluxDbClient&) = delete;
  InfluxDbClient& operator=(const InfluxDbClient&) = delete;

  // GET /ping until it answers 204. `purpose` opens every error message ("open").
  Status Ping(std::string_view purpose);

  // POST /write?db=<database>&precision=n. Ok when InfluxDB answered 204 (durable); an
  // error carries InfluxDB's reason and an HTTP-derived code (see docs/store-influxdb.md).
  Status Write(std::string_view purpose, std::string_view line_protocol);

  // POST /query (epoch=ns) with `statements` (';'-separated) against the database (or none:
  // CREATE DATABASE). Returns the "results" array, one entry per statement, after checking
  // that no statement failed and no answer was truncated.
  Result<nlohmann::json> Query(std::string_view purpose, std::string_view statements,
                               bool with_database = true);

  const InfluxDbOptions& options() const { return options_; }

 private:
  struct Request {
    bool post = false;
    std::string path_and_query;
    std::string body;
    std::string content_type;
  };
  // One request, retried while the failure is transient. Fails only when no HTTP answer
  // came (or a 5xx persisted: then the last answer is turned into the error).
  Result<InfluxAnswer> Perform(std::string_view purpose, const Request& request);
  // One attempt. `transient` says whether a failure may pass when retried.
  Result<InfluxAnswer> Attempt(const Request& request, bool& transient);
  void* TakeHandle();
  void ReturnHandle(void* handle);
  std::string Escape(std::string_view text);

  InfluxDbOptions options_;
  Mutex mutex_;
  std::vector<void*> idle_handles_ COOLFLOW_GUARDED_BY(mutex_);  // CURL*
};

// "database not found" -> NotFound etc.: the status code for an HTTP answer that is not a
// success, with `message`.
Status StatusForHttp(long http_status, std::string message);

}  // namespace coolflow::store
