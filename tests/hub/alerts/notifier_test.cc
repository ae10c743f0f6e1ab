// The notifiers against real peers on loopback: aiosmtpd with STARTTLS and AUTH, and a
// python3 http.server; and a webhook peer that is down.
#include "hub/alerts/notifier.h"

#include <gtest/gtest.h>

#include <chrono>

#include "alerts_test_util.h"
#include "fmt/format.h"
#include "hub/alerts/alert_engine.h"
#include "nlohmann/json.hpp"
#include "sink_servers.h"

namespace coolflow::hub::alerts {
namespace {

using namespace testing;
using namespace std::chrono_literals;

constexpr auto kWait = 60s;

Notification SampleNotification() {
  Notification n;
  n.group = "rack r01";
  n.time = kT0;
  Alert a;
  a.rule = "temperature_high";
  a.severity = Severity::kWarning;
  a.labels = {{"box", "pi-1"}, {"rack", "r01"}};
  a.annotations = {{"summary", "pi-1 rack r01: temperature 26.5 C is above 25 C"}};
  a.value = 26.5;
  a.state = AlertState::kFiring;
  a.active_since = kT0 - kMinute;
  a.fired_at = kT0;
  n.alerts.push_back(a);
  return n;
}

TEST(EmailNotifierTest, DeliversThroughStarttlsAndAuth) {
  auto sink = coolflow::testing::SmtpSink::Start();
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  EmailSettings settings;
  settings.url = (*sink)->url();
  settings.from = "coolflow@example.org";
  settings.to = {"ops@example.org", "oncall@example.org"};
  settings.username = "coolflow";
  settings.password_file = (*sink)->password_file().string();
  settings.ca_file = (*sink)->ca_file().string();
  auto notifier = MakeEmailNotifier(settings);
  ASSERT_TRUE(notifier.ok()) << notifier.status().message();
  Status s = (*notifier)->Send(SampleNotification());
  ASSERT_TRUE(s.ok()) << s.message();

  const std::vector<std::string> messages = (*sink)->Messages();
  ASSERT_EQ(messages.size(), 1u);
  const std::string& m = messages[0];
  EXPECT_NE(m.find("Subject: [coolflow] FIRING 1: rack r01: pi-1 rack r01: temperature 26.5 C is "
                   "above 25 C\r\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("From: coolflow@example.org\r\n"), std::string::npos);
  EXPECT_NE(m.find("FIRING warning temperature_high {box=\"pi-1\",rack=\"r01\"}"),
            std::string::npos)
      << m;
  const nlohmann::json envelope = nlohmann::json::parse((*sink)->Envelopes().at(0));
  EXPECT_EQ(envelope["tls"], true);
  EXPECT_EQ(envelope["authenticated"], true);
  EXPECT_EQ(envelope["mail_from"], "coolflow@example.org");
  EXPECT_EQ(envelope["rcpt_tos"], (nlohmann::json{"ops@example.org", "oncall@example.org"}));
}

TEST(EmailNotifierTest, NonAsciiSubjectIsEncoded) {
  auto sink = coolflow::testing::SmtpSink::Start();
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  EmailSettings settings;
  settings.url = (*sink)->url();
  settings.from = "coolflow@example.org";
  settings.to = {"ops@example.org"};
  settings.username = "coolflow";
  settings.password_file = (*sink)->password_file().string();
  settings.ca_file = (*sink)->ca_file().string();
  auto notifier = MakeEmailNotifier(settings);
  ASSERT_TRUE(notifier.ok());
  Notification n = SampleNotification();
  n.alerts[0].annotations["summary"] = "26.5 °C";
  ASSERT_TRUE((*notifier)->Send(n).ok());
  const std::string m = (*sink)->Messages().at(0);
  EXPECT_NE(m.find("Subject: =?UTF-8?B?"), std::string::npos) << m;
  EXPECT_NE(m.find("26.5 °C"), std::string::npos) << "the body is UTF-8";
}

TEST(EmailNotifierTest, AWrongPasswordFailsWithoutShowingIt) {
  auto sink = coolflow::testing::SmtpSink::Start();
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  const auto wrong = (*sink)->dir() / "wrong.pass";
  const std::string wrong_password = "wrong-" + (*sink)->password();
  ASSERT_TRUE(coolflow::testing::WriteFile(wrong, wrong_password + "\n").ok());
  EmailSettings settings;
  settings.url = (*sink)->url();
  settings.from = "coolflow@example.org";
  settings.to = {"ops@example.org"};
  settings.username = "coolflow";
  settings.password_file = wrong.string();
  settings.ca_file = (*sink)->ca_file().string();
  auto notifier = MakeEmailNotifier(settings);
  ASSERT_TRUE(notifier.ok());
  Status s = (*notifier)->Send(SampleNotification());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().find(wrong_password), std::string::npos) << s.message();
  EXPECT_TRUE((*sink)->Messages().empty());
}

TEST(EmailNotifierTest, RefusesAnUntrustedCertificate) {
  // An untrusted certificate: STARTTLS fails verification and nothing is sent in the clear.
  auto sink = coolflow::testing::SmtpSink::Start();
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  EmailSettings settings;
  settings.url = (*sink)->url();
  settings.from = "coolflow@example.org";
  settings.to = {"ops@example.org"};
  settings.username = "coolflow";
  settings.password_file = (*sink)->password_file().string();
  auto notifier = MakeEmailNotifier(settings);  // no ca_file: the system's anchors
  ASSERT_TRUE(notifier.ok());
  Status s = (*notifier)->Send(SampleNotification());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().find((*sink)->password()), std::string::npos) << s.message();
  EXPECT_TRUE((*sink)->Messages().empty());
}

TEST(EmailNotifierTest, EndToEndFromARule) {
  auto sink = coolflow::testing::SmtpSink::Start();
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  const std::string yaml =
      fmt::format(R"(
default_rules: false
rules:
  - name: hot
    expr: temperature > 25
    annotations: {{summary: "{{{{box}}}} is hot: {{{{value}}}} C"}}
notifiers:
  - kind: email
    url: {}
    from: coolflow@example.org
    to: ops@example.org
    username: coolflow
    password_file: {}
    ca_file: {}
)",
                  (*sink)->url(), (*sink)->password_file().string(), (*sink)->ca_file().string());
  auto config = ParseAlertsConfig(yaml, "alerts.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  live::LiveState state(Immediate());
  auto engine = AlertEngine::Create(std::move(*config), state);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  Feed(state, {Temp("pi-7", "r02", 0, 27.25)}, kT0);
  (*engine)->Evaluate(kT0);
  ASSERT_TRUE((*engine)->WaitForNotifiers(kWait));
  const auto messages = (*sink)->Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("Subject: [coolflow] FIRING 1: rack r02: pi-7 is hot: 27.25 C\r\n"),
            std::string::npos)
      << messages[0];
  EXPECT_EQ((*engine)->notifier_stats().at(0).sent, 1u);
}

TEST(WebhookNotifierTest, PostsTheNotificationAsJson) {
  auto sink = coolflow::testing::HttpSink::Start();
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  WebhookSettings settings;
  settings.url = (*sink)->url("/alerts");
  settings.headers = {{"X-Room", "lab"}};
  auto notifier = MakeWebhookNotifier(settings);
  ASSERT_TRUE(notifier.ok());
  ASSERT_TRUE((*notifier)->Send(SampleNotification()).ok());
  const auto requests = (*sink)->Requests();
  ASSERT_EQ(requests.size(), 1u);
  const nlohmann::json r = nlohmann::json::parse(requests[0]);
  EXPECT_EQ(r["path"], "/alerts");
  EXPECT_EQ(r["headers"]["Content-Type"], "application/json");
  EXPECT_EQ(r["headers"]["X-Room"], "lab");
  const nlohmann::json body = nlohmann::json::parse(r["body"].get<std::string>());
  EXPECT_EQ(body["group"], "rack r01");
  EXPECT_EQ(body["firing"], 1);
  EXPECT_EQ(body["alerts"][0]["rule"], "temperature_high");
  EXPECT_EQ(body["alerts"][0]["labels"]["box"], "pi-1");
  EXPECT_EQ(body["alerts"][0]["value"], 26.5);
  EXPECT_EQ(body["alerts"][0]["state"], "firing");
}

TEST(WebhookNotifierTest, AnErrorStatusIsAFailure) {
  auto sink = coolflow::testing::HttpSink::Start();
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  ASSERT_TRUE((*sink)->AnswerWith(503).ok());
  WebhookSettings settings;
  settings.url = (*sink)->url();
  auto notifier = MakeWebhookNotifier(settings);
  ASSERT_TRUE(notifier.ok());
  Status s = (*notifier)->Send(SampleNotification());
  EXPECT_EQ(s.message(), fmt::format("webhook {}: HTTP status 503", (*sink)->url()));
}

// The engine with a webhook whose peer fails: retries are counted, evaluation goes on, and
// delivery resumes when the peer recovers.
TEST(WebhookNotifierTest, APeerThatFailsThenRecovers) {
  auto sink = coolflow::testing::HttpSink::Start();
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  ASSERT_TRUE((*sink)->AnswerWith(500).ok());
  const std::string yaml = fmt::format(R"(
default_rules: false
rules: [{{name: hot, expr: temperature > 25}}]
notifiers: [{{kind: webhook, url: "{}", retries: 2, retry_backoff: 1ms}}]
)",
                                       (*sink)->url());
  auto config = ParseAlertsConfig(yaml, "alerts.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  live::LiveState state(Immediate());
  auto engine = AlertEngine::Create(std::move(*config), state);
  ASSERT_TRUE(engine.ok());
  Feed(state, {Temp("pi-1", "r01", 0, 26)}, kT0);
  EXPECT_EQ((*engine)->Evaluate(kT0).size(), 1u);
  ASSERT_TRUE((*engine)->WaitForNotifiers(kWait));
  NotifierStats stats = (*engine)->notifier_stats().at(0);
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_EQ(stats.retried, 2u);
  EXPECT_EQ(stats.sent, 0u);
  EXPECT_EQ((*sink)->Requests().size(), 3u);
  EXPECT_NE(stats.last_error.find("HTTP status 500"), std::string::npos);

  ASSERT_TRUE((*sink)->AnswerWith(200).ok());
  Feed(state, {Temp("pi-2", "r02", 0, 26)}, kT0 + 10 * kSecond);
  EXPECT_EQ((*engine)->Evaluate(kT0 + 10 * kSecond).size(), 1u);
  ASSERT_TRUE((*engine)->WaitForNotifiers(kWait));
  stats = (*engine)->notifier_stats().at(0);
  EXPECT_EQ(stats.sent, 1u);
  EXPECT_EQ(stats.last_error, "");
}

TEST(WebhookNotifierTest, APeerThatIsDownNeverHoldsUpEvaluation) {
  auto port = coolflow::testing::FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  const std::string yaml = fmt::format(R"(
default_rules: false
rules: [{{name: hot, expr: temperature > 25}}]
notifiers: [{{kind: webhook, url: "http://127.0.0.1:{}/hook", retries: 1, retry_backoff: 1ms,
              timeout: 2s}}]
queue_size: 2
)",
                                       *port);
  auto config = ParseAlertsConfig(yaml, "alerts.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  live::LiveState state(Immediate());
  auto engine = AlertEngine::Create(std::move(*config), state);
  ASSERT_TRUE(engine.ok());
  // Ten racks start firing one after another: every evaluation returns at once, whatever the
  // notifier thread is doing; what the queue cannot hold is dropped and counted.
  std::vector<reading::Reading> batch;
  for (int k = 0; k < 10; ++k) {
    const TimeNs t = kT0 + k * 10 * kSecond;
    batch.push_back(Temp("pi-" + std::to_string(k), "r" + std::to_string(k), 0, 26));
    Feed(state, batch, t);
    EXPECT_EQ((*engine)->Evaluate(t).size(), 1u);
  }
  ASSERT_TRUE((*engine)->WaitForNotifiers(kWait));
  const NotifierStats stats = (*engine)->notifier_stats().at(0);
  EXPECT_EQ(stats.sent, 0u);
  EXPECT_EQ(stats.failed + stats.dropped, 10u);
  EXPECT_GE(stats.failed, 1u);
  EXPECT_NE(stats.last_error.find("webhook http://127.0.0.1:"), std::string::npos)
      << stats.last_error;
  EXPECT_EQ((*engine)->Active().size(), 10u);
}

TEST(WebhookNotifierTest, APeerThatVanishes) {
  auto sink = coolflow::testing::HttpSink::Start();
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  WebhookSettings settings;
  settings.url = (*sink)->url();
  settings.timeout = 5 * kNanosPerSecond;
  auto notifier = MakeWebhookNotifier(settings);
  ASSERT_TRUE(notifier.ok());
  ASSERT_TRUE((*notifier)->Send(SampleNotification()).ok());
  (*sink)->Kill();
  Status s = (*notifier)->Send(SampleNotification());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("Couldn't connect"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace coolflow::hub::alerts
