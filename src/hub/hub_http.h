// The hub's HTTP API on the shared web server (web/http_server.h), docs/hub.md "HTTP":
//
//   POST /write          InfluxDB 1.x line protocol (influx_write.h); role operator
//   GET  /ping           204, as InfluxDB answers it (clients check the server is up)
//   POST /query          `CREATE DATABASE ...` is accepted (Telegraf sends it first); any other
//                        InfluxQL is refused: read the store through the hub's own API
//   GET  /api/store/last   the newest point of every series a selector matches; role viewer
//   GET  /api/store/range  the points of those series in [from, to); role viewer
//                        selector: measurement=temp[&field=temperature][&tag=rack:r01]...;
//                        from/to: RFC 3339, epoch ns, now or -24h; limit: most points (default
//                        100,000; past it 413 "narrow the range")
//   GET  /api/store/aggregate  time buckets of those series: step=5m, fn=mean|min|max|count|
//                        last|sum, group_by=rack[,box]; at most 100,000 buckets (else 413)
//   GET  /metrics        Prometheus text: the hub, its brokers, the web server
//   GET  /healthz        "ok", or 503 with why (the store failed, no broker connected)
//
// Thread safety: register before the server starts.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "hub/hub.h"
#include "hub/hub_runtime.h"
#include "web/http_server.h"

namespace coolflow::hub {

struct HubHttpOptions {
  size_t max_write_bytes = 64ull << 20;  // a /write body, inflated; over it: 413
  // More Prometheus text for /metrics (the live state's, the alerts', the controller's).
  std::function<std::string()> extra_metrics;
};

Status RegisterHubRoutes(web::HttpServer& server, Hub& hub, const Clock& clock,
                         HubHttpOptions options = {});

// The room's API for the Control Room and operators:
//   GET  /api/live                the live state (live_json.h); ?measurement= narrows it
//   GET  /api/control             the controller: policy, what each AC was told, conditions,
//                                 the last decisions (?decisions=N, default 20)
//   POST /api/control/policy      {"policy":"manual"|"optimal"|"hysteresis:23:25"|"fixed:T"}
//   POST /api/control/ac          {"ac":"ac1","setpoint_c":22[,"power":true]} or
//                                 {"ac":"ac1","direction":1}: the manual policy's ▲/▼
// Reading needs role viewer; changing the room needs role operator. The alerts, the room's
// layout, the energy ledger and the live feed are control_room_http.h's.
Status RegisterRoomRoutes(web::HttpServer& server, HubRuntime& runtime, const Clock& clock);

}  // namespace coolflow::hub
