// The store (store/store.h) over InfluxDB 1.x's HTTP API: readings are written as line
// protocol with POST /write in batches, and read back with InfluxQL over POST /query.
// docs/store-influxdb.md maps every store.h call onto InfluxQL and lists where InfluxDB's
// semantics differ.
//
//   InfluxDbOptions options;
//   options.url = "http://127.0.0.1:8086";
//   options.database = "senics";
//   options.password = ReadSecretFile(path);  // never in the url
//   auto store = OpenInfluxDbStore(options);
//
// Thread safety: the returned Store may be used from any thread concurrently (store.h).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace coolflow::store {

struct InfluxDbOptions {
  // Where InfluxDB's HTTP API answers: http:// or https://, host, optional port and path
  // prefix (a reverse proxy), no credentials, no query. A trailing '/' is dropped.
  std::string url = "http://127.0.0.1:8086";
  // The database every call reads and writes; required.
  std::string database;
  // HTTP basic authentication when username is not empty. The password is sent only in the
  // Authorization header: never in a URL, a log line or an error message.
  std::string username;
  std::string password;
  // Time allowed for one HTTP request (connect included).
  std::chrono::milliseconds timeout{10'000};
  // Readings per POST /write; a larger batch is split. 1..1'000'000.
  size_t max_batch_points = 5'000;
  // Extra attempts after a transient failure (connection refused or lost, timeout, HTTP 5xx),
  // waiting retry_backoff, then twice that, ... up to max_retry_backoff between attempts.
  int retries = 3;
  std::chrono::milliseconds retry_backoff{100};
  std::chrono::milliseconds max_retry_backoff{5'000};
  // Run CREATE DATABASE (which is a no-op when it exists) on open.
  bool create_database = false;
  // Whether the server stores unsigned integers (`7u`: InfluxDB >= 1.8). When false (1.6, as
  // Debian 12 ships it), a uint64 value up to INT64_MAX is stored as an integer and reads
  // back as int64; a larger one is refused.
  bool unsigned_integers = false;
};

// Checks the options (an error names the field at fault), pings /ping, and runs CREATE
// DATABASE when asked. Fails with InvalidArgument for bad options, Unavailable when InfluxDB
// does not answer after the retries, Unauthenticated / PermissionDenied when it refuses the
// credentials.
Result<std::unique_ptr<Store>> OpenInfluxDbStore(const InfluxDbOptions& options);

// Checks the options alone (no I/O): what OpenInfluxDbStore reports first.
Status ValidateInfluxDbOptions(const InfluxDbOptions& options);

}  // namespace coolflow::store
