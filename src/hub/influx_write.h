// InfluxDB 1.x's write API as the hub speaks it, so Telegraf and every InfluxDB client can
// write to the hub (docs/hub.md "HTTP /write"): the query of POST /write, a gzip body, and
// the answers InfluxDB gives.
//
//   POST /write?db=coolflow&precision=s      body: line protocol (Content-Encoding: gzip ok)
//   204                                       every point stored durably
//   400 {"error":"partial write: line 2, column 31 ...: missing field value dropped=1"}
//   400 {"error":"unable to parse: line 1 ..."}   nothing in the body could be stored
//   500 {"error":"..."}                       the store failed: nothing of it was stored
//   503 {"error":"..."}                       the hub's queue is full: retry later
//
// The database and retention policy are accepted and not used: the hub has one store.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "hub/pipeline.h"

namespace coolflow::hub {

struct WriteQuery {
  std::string database;
  std::string retention_policy;
  Precision precision = Precision::kNanoseconds;
};

// Reads db (required), rp and precision (n, ns, u, ms, s, m, h; default ns). InvalidArgument
// "database is required", "invalid precision ..."; Unauthenticated when the query carries
// credentials (u, p): secrets are never taken from a URL.
Result<WriteQuery> ParseWriteQuery(const std::vector<std::pair<std::string, std::string>>& query);

// Inflates a gzip body; InvalidArgument when it is not gzip, OutOfRange when it inflates past
// `max_bytes` (a compression bomb).
Result<std::string> Gunzip(std::string_view body, size_t max_bytes);

// The HTTP status and error message (empty for 204) for a write whose input ended with
// `outcome` and `report`.
struct WriteAnswer {
  int status = 204;
  std::string error;
};
WriteAnswer AnswerWrite(const Status& outcome, const InputReport& report);

}  // namespace coolflow::hub
