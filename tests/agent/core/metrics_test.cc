#include "agent/metrics/metrics.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "agent/metrics/metrics_server.h"

namespace coolflow::agent::metrics {
namespace {

TEST(Metrics, RendersTheExpositionFormat) {
  Registry registry;
  CounterFamily& errors =
      registry.Counter("x_errors_total", "Errors by source", {"input", "source"});
  GaugeFamily& depth = registry.Gauge("x_depth", "Depth");
  errors.Add({"snmp", "srv-\"3\""});
  errors.Add({"snmp", "srv-\"3\""}, 2);
  errors.Add({"sysfs", "/sys/x"});
  depth.Set({}, 0.5);
  EXPECT_EQ(registry.Render(),
            "# HELP x_errors_total Errors by source\n"
            "# TYPE x_errors_total counter\n"
            "x_errors_total{input=\"snmp\",source=\"srv-\\\"3\\\"\"} 3\n"
            "x_errors_total{input=\"sysfs\",source=\"/sys/x\"} 1\n"
            "# HELP x_depth Depth\n"
            "# TYPE x_depth gauge\n"
            "x_depth 0.5\n");
}

TEST(Metrics, AnUnlabelledFamilyShowsZeroBeforeUse) {
  Registry registry;
  registry.Counter("x_total", "X");
  EXPECT_EQ(registry.Render(), "# HELP x_total X\n# TYPE x_total counter\nx_total 0\n");
}

// Sends `request` raw and returns everything the server answered.
std::string Exchange(uint16_t port, const std::string& request, bool half_close = true) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return "connect failed";
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  if (half_close) ::shutdown(fd, SHUT_WR);
  std::string answer;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0)
    answer.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  return answer;
}

TEST(MetricsServer, ServesMetricsAndRefusesTheRest) {
  std::vector<int> bad;
  MetricsServer::Options options;
  options.read_timeout_ms = 500;
  auto server = MetricsServer::Start(
      options, [] { return std::string("x_total 1\n"); },
      [&](int status, const std::string&) { bad.push_back(status); });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const uint16_t port = (*server)->port();
  ASSERT_NE(port, 0);

  const std::string ok = Exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(ok.starts_with("HTTP/1.1 200 OK\r\n")) << ok;
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_TRUE(ok.ends_with("\r\n\r\nx_total 1\n")) << ok;
  EXPECT_TRUE(Exchange(port, "GET /healthz HTTP/1.0\r\n\r\n").ends_with("ok\n"));
  const std::string head = Exchange(port, "HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;

  EXPECT_TRUE(Exchange(port, "GET /nope HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
  EXPECT_TRUE(Exchange(port, "POST /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
  EXPECT_TRUE(Exchange(port, "hello\r\n\r\n").starts_with("HTTP/1.1 400"));
  EXPECT_TRUE(Exchange(port, "GET /metrics HTTP/1.1\r\n", false).starts_with("HTTP/1.1 408"));
  EXPECT_TRUE(Exchange(port, "GET /metrics HTTP/1.1\r\n").starts_with("HTTP/1.1 400"));
  EXPECT_TRUE(Exchange(port, "GET /" + std::string(9000, 'a')).starts_with("HTTP/1.1 431"));
  // The server still answers after all that.
  EXPECT_TRUE(Exchange(port, "GET /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200"));
  (*server)->Stop();
  EXPECT_EQ(bad, (std::vector<int>{404, 405, 400, 408, 400, 431}));
}

}  // namespace
}  // namespace coolflow::agent::metrics
