// The edge agent's binary, for the Raspberry Pi: the agent alone, with its C++ runtime
// linked in (apps/CMakeLists.txt). `coolflow agent ...` runs this.
#include "agent/agent_main.h"

int main(int argc, char** argv) {
  return coolflow::agent::AgentMain(argc, argv);
}
