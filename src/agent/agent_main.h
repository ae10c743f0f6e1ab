// The agent's command line: `coolflow-agent --config agent.yaml [--check]`, which
// `coolflow agent ...` runs (docs/agent.md). The edge binary's whole main.
#pragma once

namespace coolflow::agent {

// Runs the agent until SIGINT or SIGTERM, then stops cleanly: inputs stop, what is in
// flight gets a moment to be acknowledged, the spool is synced. `--check` only reads the
// config and builds everything. Messages start with argv[0]'s name ("coolflow agent" when
// `coolflow agent` runs it). Returns the exit status: 0 success, 1 the agent could not run,
// 2 bad usage or configuration.
int AgentMain(int argc, char** argv);

}  // namespace coolflow::agent
