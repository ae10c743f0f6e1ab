// `coolflow agent` as an operator meets it: a bad config exits 2 naming file, line and
// field; --check builds everything without running.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "run_coolflow.h"

namespace coolflow {
namespace {

using testing::CommandRun;
using testing::Coolflow;

std::string WriteConfig(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(AgentCommand, BadConfigExitsTwoWithFileLineAndField) {
  const std::string path =
      WriteConfig("bad-agent.yaml", "box: pi-1\ninputs:\n  - kind: host\n    intervall: 5s\n");
  CommandRun r = Coolflow("agent --config " + path, "");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "coolflow agent: " + path +
                       ":4:5: inputs[0].intervall: unknown key; did you mean \"interval\"?\n");
}

TEST(AgentCommand, MissingConfigExitsTwo) {
  CommandRun r = Coolflow("agent --config /nonexistent/agent.yaml", "");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "coolflow agent: /nonexistent/agent.yaml: no such file\n");
}

TEST(AgentCommand, CheckBuildsTheShippedExample) {
  // The shipped example with its relative scenario path made absolute and a spool of its own.
  std::string text = testing::Slurp(std::string(COOLFLOW_SOURCE_DIR) + "/configs/agent-sim.yaml");
  auto replace = [&](const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  };
  replace("../scenarios/", std::string(COOLFLOW_SOURCE_DIR) + "/scenarios/");
  replace("/tmp/coolflow-agent-sim/spool", ::testing::TempDir() + "/agent-check-spool");
  const std::string path = WriteConfig("agent-sim.yaml", text);
  CommandRun r = Coolflow("agent --check --config " + path, "");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("agent-sim.yaml: ok (1 inputs, 2 devices)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace coolflow
