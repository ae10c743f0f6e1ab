// The Control Room's part of the hub's HTTP API (docs/control-room.md), beside hub_http.h:
//
//   GET    /api/room                 the layout: racks and ACs on the map, the ASHRAE bands
//   GET    /api/alerts               active alerts, silences, history (?history=N, ?from=&to=)
//   POST   /api/alerts/ack           {"fingerprint","comment"}; role operator
//   POST   /api/alerts/silence       {"matchers":{..},"duration":"2h","comment"}; role operator
//   DELETE /api/alerts/silences/{id} ends a silence; role operator
//   GET    /api/energy               the energy ledger of a day (?day=YYYY-MM-DD)
//   GET    /api/openapi.json         the API as OpenAPI 3 (public)
//   GET    /ws/live                  the live feed (live_feed.h)
//   GET    /                         the built UI (`ui_dir`), when given
//
// Thread safety: register before the server starts.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "hub/energy_ledger.h"
#include "hub/hub_runtime.h"
#include "hub/live_feed.h"
#include "web/http_server.h"

namespace coolflow::hub {

struct ControlRoomOptions {
  std::filesystem::path ui_dir;  // the built UI (ui/dist); empty: the API only
  EnergyOptions energy{};
};

Status RegisterControlRoom(web::HttpServer& server, HubRuntime& runtime, LiveFeed& feed,
                           const Clock& clock, ControlRoomOptions options = {});

// GET /api/room's body.
std::string RoomJson(const HubRuntime& runtime, const EnergyOptions& bands);

// Prometheus text of the room: each rack's inlet temperature and humidity, IT and AC power,
// the room means, each AC's commanded setpoint and power, boxes online, alerts by severity.
std::string RenderRoomMetrics(HubRuntime& runtime, TimeNs now);

// The OpenAPI 3 document of the hub's API (openapi.cc).
std::string_view OpenApiDocument();

}  // namespace coolflow::hub
