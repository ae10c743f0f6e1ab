// Makes a whole agent from its config: the transport (MQTT or Kafka) and the spool the
// config names, then the Agent. What `coolflow agent` runs; tests use it too.
#pragma once

#include <memory>

#include "agent/agent.h"
#include "agent/agent_config.h"
#include "common/clock.h"

namespace coolflow::agent {

// Reads secrets (the MQTT password file) and builds everything. Errors name the config
// field or entry at fault.
Result<std::unique_ptr<Agent>> BuildAgent(const AgentConfig& config, const Clock& clock);

}  // namespace coolflow::agent
