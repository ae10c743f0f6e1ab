// The hub's API as an OpenAPI 3.1 document, served at /api/openapi.json. Each operation's
// x-min-role is the role its route requires; openapi_test checks the routes and this agree.
#include "hub/control_room_http.h"

namespace coolflow::hub {

std::string_view OpenApiDocument() {
  static constexpr std::string_view kDocument = R"json({
 "openapi": "3.1.0",
 "info": {
  "title": "coolflow hub",
  "version": "1",
  "description": "The hub's API: the Control Room, the store, InfluxDB-compatible ingest. Roles: viewer < operator < admin (x-min-role on each operation). A browser session sends X-CSRF-Token on changing requests. docs/control-room.md, docs/hub.md, docs/web.md."
 },
 "security": [
  {
   "session": []
  },
  {
   "bearer": []
  }
 ],
 "components": {
  "securitySchemes": {
   "session": {
    "type": "apiKey",
    "in": "cookie",
    "name": "coolflow_session"
   },
   "bearer": {
    "type": "http",
    "scheme": "bearer"
   }
  },
  "schemas": {
   "Error": {
    "type": "object",
    "required": [
     "error"
    ],
    "properties": {
     "error": {
      "type": "string"
     }
    }
   },
   "Session": {
    "type": "object",
    "properties": {
     "user": {
      "type": "string"
     },
     "role": {
      "type": "string",
      "enum": [
       "viewer",
       "operator",
       "admin"
      ]
     },
     "csrf_token": {
      "type": "string"
     }
    }
   },
   "Room": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "controlled": {
      "type": "boolean"
     },
     "racks": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "id": {
         "type": "string"
        },
        "x": {
         "type": "number"
        },
        "y": {
         "type": "number"
        }
       }
      }
     },
     "acs": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "id": {
         "type": "string"
        },
        "x": {
         "type": "number"
        },
        "y": {
         "type": "number"
        },
        "rated_capacity_w": {
         "type": [
          "number",
          "null"
         ]
        }
       }
      }
     },
     "bounds": {
      "type": "object",
      "properties": {
       "width_m": {
        "type": "number"
       },
       "depth_m": {
        "type": "number"
       }
      }
     },
     "ashrae": {
      "type": "object",
      "properties": {
       "recommended_c": {
        "type": "array",
        "items": {
         "type": "number"
        }
       },
       "allowable_c": {
        "type": "array",
        "items": {
         "type": "number"
        }
       }
      }
     },
     "inlet_target_c": {
      "type": [
       "number",
       "null"
      ]
     },
     "inlet_limit_c": {
      "type": [
       "number",
       "null"
      ]
     },
     "setpoint_c": {
      "type": [
       "object",
       "null"
      ],
      "properties": {
       "min": {
        "type": "number"
       },
       "max": {
        "type": "number"
       },
       "step": {
        "type": "number"
       }
      }
     }
    }
   },
   "Live": {
    "type": "object",
    "properties": {
     "time": {
      "type": "string",
      "format": "date-time"
     },
     "now": {
      "type": "string",
      "format": "date-time"
     },
     "boxes": {
      "type": "array",
      "items": {
       "type": "object"
      }
     },
     "means": {
      "type": "object"
     },
     "series": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "key": {
         "type": "string"
        },
        "box": {
         "type": "string"
        },
        "rack": {
         "type": "string"
        },
        "measurement": {
         "type": "string"
        },
        "metric": {
         "type": "string"
        },
        "unit": {
         "type": "string"
        },
        "labels": {
         "type": "object"
        },
        "value": {
         "type": [
          "number",
          "null"
         ]
        },
        "time": {
         "type": "string"
        },
        "age_s": {
         "type": "number"
        },
        "interval_s": {
         "type": "number"
        },
        "rate_per_min": {
         "type": [
          "number",
          "null"
         ]
        },
        "stale": {
         "type": "boolean"
        }
       }
      }
     },
     "groups": {
      "type": "array",
      "items": {
       "type": "object"
      }
     },
     "counters": {
      "type": "object"
     }
    }
   },
   "SeriesPoints": {
    "type": "object",
    "properties": {
     "points": {
      "type": "integer"
     },
     "series": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "measurement": {
         "type": "string"
        },
        "tags": {
         "type": "object"
        },
        "field": {
         "type": "string"
        },
        "points": {
         "type": "array",
         "items": {
          "type": "array"
         }
        }
       }
      }
     }
    }
   },
   "Buckets": {
    "type": "object",
    "properties": {
     "step_ms": {
      "type": "integer"
     },
     "series": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "group": {
         "type": "object"
        },
        "measurement": {
         "type": "string"
        },
        "tags": {
         "type": "object"
        },
        "field": {
         "type": "string"
        },
        "buckets": {
         "type": "array",
         "items": {
          "type": "array",
          "description": "[start_ms, value, points]"
         }
        }
       }
      }
     }
    }
   },
   "Alert": {
    "type": "object",
    "properties": {
     "fingerprint": {
      "type": "string"
     },
     "rule": {
      "type": "string"
     },
     "severity": {
      "type": "string",
      "enum": [
       "info",
       "warning",
       "critical"
      ]
     },
     "state": {
      "type": "string",
      "enum": [
       "pending",
       "firing",
       "resolved"
      ]
     },
     "labels": {
      "type": "object"
     },
     "annotations": {
      "type": "object"
     },
     "value": {
      "type": [
       "number",
       "null"
      ]
     },
     "active_since": {
      "type": "string"
     },
     "fired_at": {
      "type": "string"
     },
     "resolved_at": {
      "type": "string"
     },
     "inhibited": {
      "type": "boolean"
     },
     "silenced": {
      "type": "boolean"
     },
     "acknowledged": {
      "type": [
       "object",
       "null"
      ],
      "properties": {
       "by": {
        "type": "string"
       },
       "at": {
        "type": "string"
       },
       "comment": {
        "type": "string"
       }
      }
     }
    }
   },
   "Silence": {
    "type": "object",
    "properties": {
     "id": {
      "type": "integer"
     },
     "matchers": {
      "type": "object"
     },
     "starts": {
      "type": "string"
     },
     "ends": {
      "type": "string"
     },
     "created_by": {
      "type": "string"
     },
     "comment": {
      "type": "string"
     }
    }
   },
   "Alerts": {
    "type": "object",
    "properties": {
     "active": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Alert"
      }
     },
     "silences": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Silence"
      }
     },
     "history": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Alert"
      }
     },
     "seq": {
      "type": "integer"
     }
    }
   },
   "Control": {
    "type": "object",
    "properties": {
     "policy": {
      "type": "string"
     },
     "commanded": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "ac": {
         "type": "string"
        },
        "power": {
         "type": "boolean"
        },
        "setpoint_c": {
         "type": "number"
        }
       }
      }
     },
     "conditions": {
      "type": "array",
      "items": {
       "type": "object"
      }
     },
     "decisions": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "time": {
         "type": "string"
        },
        "policy": {
         "type": "string"
        },
        "mode": {
         "type": "string"
        },
        "reason": {
         "type": "string"
        },
        "decided": {
         "type": "object"
        },
        "proposed": {
         "type": "object"
        },
        "sent": {
         "type": "array",
         "items": {
          "type": "string"
         }
        },
        "inputs": {
         "type": "object"
        },
        "model": {
         "type": "object"
        }
       }
      }
     }
    }
   },
   "Energy": {
    "type": "object",
    "properties": {
     "day": {
      "type": "string"
     },
     "from": {
      "type": "string"
     },
     "to": {
      "type": "string"
     },
     "hours_covered": {
      "type": "number"
     },
     "cooling_kwh": {
      "type": [
       "number",
       "null"
      ]
     },
     "it_kwh": {
      "type": [
       "number",
       "null"
      ]
     },
     "pue": {
      "type": [
       "number",
       "null"
      ]
     },
     "baseline_cooling_kwh": {
      "type": [
       "number",
       "null"
      ]
     },
     "saved_kwh": {
      "type": [
       "number",
       "null"
      ]
     },
     "saved_percent": {
      "type": [
       "number",
       "null"
      ]
     },
     "baseline": {
      "type": "string"
     },
     "minutes_outside_recommended": {
      "type": "number"
     },
     "minutes_outside_allowable": {
      "type": "number"
     },
     "hours": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "start": {
         "type": "string"
        },
        "cooling_kwh": {
         "type": "number"
        },
        "it_kwh": {
         "type": "number"
        }
       }
      }
     }
    }
   }
  }
 },
 "paths": {
  "/api/room": {
   "get": {
    "summary": "The room's layout: racks and ACs on the map, ASHRAE bands, setpoint range",
    "x-min-role": "viewer",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Room"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "tags": [
     "room"
    ]
   }
  },
  "/api/live": {
   "get": {
    "summary": "The live state: boxes, the latest value of every series, room means, rolling windows",
    "x-min-role": "viewer",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Live"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "measurement",
      "in": "query",
      "required": false,
      "description": "only this measurement",
      "schema": {
       "type": "string"
      }
     }
    ],
    "tags": [
     "room"
    ]
   }
  },
  "/api/store/last": {
   "get": {
    "summary": "The newest stored point of every series the selector matches",
    "x-min-role": "viewer",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SeriesPoints"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "measurement",
      "in": "query",
      "required": true,
      "description": "the measurement",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "field",
      "in": "query",
      "required": false,
      "description": "one field (default: every field)",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "tag",
      "in": "query",
      "required": false,
      "description": "key:value, repeatable",
      "schema": {
       "type": "string"
      }
     }
    ],
    "tags": [
     "store"
    ]
   }
  },
  "/api/store/range": {
   "get": {
    "summary": "The stored points of those series in [from, to)",
    "x-min-role": "viewer",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SeriesPoints"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "measurement",
      "in": "query",
      "required": true,
      "description": "the measurement",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "field",
      "in": "query",
      "required": false,
      "description": "one field (default: every field)",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "tag",
      "in": "query",
      "required": false,
      "description": "key:value, repeatable",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "from",
      "in": "query",
      "required": false,
      "description": "RFC 3339, epoch ns, now, or -24h (default: an hour ago)",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "to",
      "in": "query",
      "required": false,
      "description": "as from (default: a minute from now)",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "description": "most points (default 100000; past it 413)",
      "schema": {
       "type": "integer"
      }
     }
    ],
    "tags": [
     "store"
    ]
   }
  },
  "/api/store/aggregate": {
   "get": {
    "summary": "Time buckets of those series, from the rollups",
    "x-min-role": "viewer",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Buckets"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "measurement",
      "in": "query",
      "required": true,
      "description": "the measurement",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "field",
      "in": "query",
      "required": false,
      "description": "one field (default: every field)",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "tag",
      "in": "query",
      "required": false,
      "description": "key:value, repeatable",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "from",
      "in": "query",
      "required": false,
      "description": "RFC 3339, epoch ns, now, or -24h (default: an hour ago)",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "to",
      "in": "query",
      "required": false,
      "description": "as from (default: a minute from now)",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "step",
      "in": "query",
      "required": true,
      "description": "bucket width: 10s, 5m, 1h",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "fn",
      "in": "query",
      "required": false,
      "description": "mean (default), min, max, count, last, sum",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "group_by",
      "in": "query",
      "required": false,
      "description": "tag keys, comma-separated",
      "schema": {
       "type": "string"
      }
     }
    ],
    "tags": [
     "store"
    ]
   }
  },
  "/api/alerts": {
   "get": {
    "summary": "Active alerts, silences and history",
    "x-min-role": "viewer",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Alerts"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "history",
      "in": "query",
      "required": false,
      "description": "history events (default 50, at most 1000)",
      "schema": {
       "type": "integer"
      }
     },
     {
      "name": "from",
      "in": "query",
      "required": false,
      "description": "history from (RFC 3339, -24h)",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "to",
      "in": "query",
      "required": false,
      "description": "history to",
      "schema": {
       "type": "string"
      }
     }
    ],
    "tags": [
     "alerts"
    ]
   }
  },
  "/api/alerts/ack": {
   "post": {
    "summary": "Acknowledge an active alert until it resolves",
    "x-min-role": "operator",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "ok": {
           "type": "boolean"
          }
         }
        }
       }
      }
     },
     "404": {
      "description": "no active alert with that fingerprint"
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "required": [
         "fingerprint"
        ],
        "properties": {
         "fingerprint": {
          "type": "string"
         },
         "comment": {
          "type": "string",
          "maxLength": 1000
         }
        }
       }
      }
     }
    },
    "tags": [
     "alerts"
    ]
   }
  },
  "/api/alerts/silence": {
   "post": {
    "summary": "Silence the alerts matching labels for a while",
    "x-min-role": "operator",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "id": {
           "type": "integer"
          }
         }
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "required": [
         "matchers",
         "duration"
        ],
        "properties": {
         "matchers": {
          "type": "object",
          "additionalProperties": {
           "type": "string"
          },
          "minProperties": 1
         },
         "duration": {
          "type": "string",
          "description": "1m to 30d, e.g. 2h"
         },
         "comment": {
          "type": "string",
          "maxLength": 1000
         }
        }
       }
      }
     }
    },
    "tags": [
     "alerts"
    ]
   }
  },
  "/api/alerts/silences/{id}": {
   "delete": {
    "summary": "End a silence now",
    "x-min-role": "operator",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "ok": {
           "type": "boolean"
          }
         }
        }
       }
      }
     },
     "404": {
      "description": "no such silence in force"
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "integer"
      }
     }
    ],
    "tags": [
     "alerts"
    ]
   }
  },
  "/api/control": {
   "get": {
    "summary": "The controller: policy, commanded ACs, conditions, decisions with reasons",
    "x-min-role": "viewer",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Control"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "decisions",
      "in": "query",
      "required": false,
      "description": "decisions (default 20, at most 1000)",
      "schema": {
       "type": "integer"
      }
     }
    ],
    "tags": [
     "control"
    ]
   }
  },
  "/api/control/policy": {
   "post": {
    "summary": "Choose the cooling policy",
    "x-min-role": "operator",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "ok": {
           "type": "boolean"
          }
         }
        }
       }
      }
     },
     "409": {
      "description": "the hub controls no room"
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "required": [
         "policy"
        ],
        "properties": {
         "policy": {
          "type": "string",
          "examples": [
           "manual",
           "optimal",
           "hysteresis:23:25",
           "fixed:22"
          ]
         }
        }
       }
      }
     }
    },
    "tags": [
     "control"
    ]
   }
  },
  "/api/control/ac": {
   "post": {
    "summary": "Set an AC's setpoint or nudge it (the manual policy)",
    "x-min-role": "operator",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "ok": {
           "type": "boolean"
          }
         }
        }
       }
      }
     },
     "404": {
      "description": "no such AC"
     },
     "409": {
      "description": "the hub controls no room"
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "required": [
         "ac"
        ],
        "properties": {
         "ac": {
          "type": "string"
         },
         "setpoint_c": {
          "type": "number",
          "minimum": 18,
          "maximum": 30
         },
         "power": {
          "type": "boolean"
         },
         "direction": {
          "type": "integer",
          "enum": [
           -1,
           1
          ]
         }
        }
       }
      }
     }
    },
    "tags": [
     "control"
    ]
   }
  },
  "/api/energy": {
   "get": {
    "summary": "The energy ledger of a day",
    "x-min-role": "viewer",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Energy"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "day",
      "in": "query",
      "required": false,
      "description": "YYYY-MM-DD (default: today, local time)",
      "schema": {
       "type": "string"
      }
     }
    ],
    "tags": [
     "room"
    ]
   }
  },
  "/ws/live": {
   "get": {
    "summary": "WebSocket: hello, then delta, alert and control messages (docs/control-room.md)",
    "x-min-role": "viewer",
    "responses": {
     "101": {
      "description": "switching protocols"
     },
     "426": {
      "description": "not a WebSocket upgrade"
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "after",
      "in": "query",
      "required": false,
      "description": "resume: the last alert seq seen",
      "schema": {
       "type": "integer"
      }
     }
    ],
    "tags": [
     "room"
    ]
   }
  },
  "/api/openapi.json": {
   "get": {
    "summary": "This document",
    "x-min-role": "anonymous",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "security": [],
    "tags": [
     "meta"
    ]
   }
  },
  "/metrics": {
   "get": {
    "summary": "Prometheus text: the hub, its brokers, the web server, the room",
    "x-min-role": "anonymous",
    "responses": {
     "200": {
      "description": "Prometheus text exposition 0.0.4",
      "content": {
       "text/plain": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "security": [],
    "tags": [
     "meta"
    ]
   }
  },
  "/healthz": {
   "get": {
    "summary": "ok, or 503 with why",
    "x-min-role": "anonymous",
    "responses": {
     "200": {
      "description": "ok",
      "content": {
       "text/plain": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "security": [],
    "tags": [
     "meta"
    ]
   }
  },
  "/write": {
   "post": {
    "summary": "InfluxDB 1.x line protocol (gzip allowed)",
    "x-min-role": "operator",
    "responses": {
     "204": {
      "description": "stored durably"
     },
     "400": {
      "description": "a malformed line (the others are stored)"
     },
     "413": {
      "description": "body too large"
     },
     "503": {
      "description": "overloaded: retry"
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "db",
      "in": "query",
      "required": false,
      "description": "ignored",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "precision",
      "in": "query",
      "required": false,
      "description": "ns (default), u, ms, s, m, h",
      "schema": {
       "type": "string"
      }
     }
    ],
    "tags": [
     "ingest"
    ]
   }
  },
  "/ping": {
   "get": {
    "summary": "204, as InfluxDB answers",
    "x-min-role": "anonymous",
    "responses": {
     "204": {
      "description": "up"
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "security": [],
    "tags": [
     "ingest"
    ]
   },
   "post": {
    "summary": "204, as InfluxDB answers",
    "x-min-role": "anonymous",
    "responses": {
     "204": {
      "description": "up"
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "security": [],
    "tags": [
     "ingest"
    ]
   }
  },
  "/query": {
   "post": {
    "summary": "CREATE DATABASE only (Telegraf sends it first)",
    "x-min-role": "operator",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "q",
      "in": "query",
      "required": false,
      "description": "the InfluxQL statement",
      "schema": {
       "type": "string"
      }
     }
    ],
    "tags": [
     "ingest"
    ]
   }
  },
  "/api/login": {
   "post": {
    "summary": "Log in: a session cookie and its CSRF token",
    "x-min-role": "anonymous",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Session"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "required": [
         "user",
         "password"
        ],
        "properties": {
         "user": {
          "type": "string"
         },
         "password": {
          "type": "string",
          "format": "password"
         }
        }
       }
      }
     }
    },
    "security": [],
    "tags": [
     "auth"
    ]
   }
  },
  "/api/logout": {
   "post": {
    "summary": "End the session",
    "x-min-role": "anonymous",
    "responses": {
     "204": {
      "description": "logged out"
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "security": [],
    "tags": [
     "auth"
    ]
   }
  },
  "/api/session": {
   "get": {
    "summary": "Who the request authenticates as",
    "x-min-role": "viewer",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Session"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "tags": [
     "auth"
    ]
   }
  },
  "/api/audit": {
   "get": {
    "summary": "The audit log: who changed what",
    "x-min-role": "admin",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     },
     "default": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "description": "entries",
      "schema": {
       "type": "integer"
      }
     }
    ],
    "tags": [
     "auth"
    ]
   }
  }
 }
})json";
  return kDocument;
}

}  // namespace coolflow::hub
