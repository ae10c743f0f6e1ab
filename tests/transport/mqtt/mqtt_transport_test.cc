// The MQTT transport against a real Mosquitto broker (tests/support/mosquitto_server.h) on
// a loopback port: delivery and acknowledgement, the retained online/offline status and the
// last will, broker restarts, passwords and TLS.
#include "transport/mqtt/mqtt_transport.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "support/mosquitto_server.h"
#include "support/server_process.h"
#include "transport/transport_recorder.h"

namespace coolflow::transport {
namespace {

using coolflow::testing::kTransportWait;
using coolflow::testing::MosquittoServer;
using coolflow::testing::WaitConnected;
using Recorder = coolflow::testing::TransportRecorder;
using std::chrono::milliseconds;

constexpr milliseconds kProbeInterval{50};
constexpr uint64_t kProbeTokens = 1'000'000;  // tokens of probe messages start here
constexpr const char* kPrefix = "coolflow-test/";
constexpr const char* kSecret = "hunter2-secret";

MqttOptions ClientOptions(const MosquittoServer& broker, const std::string& client_id) {
  MqttOptions options;
  options.port = broker.port();
  options.client_id = client_id;
  options.topic_prefix = kPrefix;
  options.reconnect_min_ms = 100;
  options.reconnect_max_ms = 400;
  return options;
}

std::unique_ptr<Transport> StartClient(const MqttOptions& options, Recorder& recorder) {
  return coolflow::testing::StartTransport(MakeMqttTransport(options), recorder);
}

bool HasPayload(const std::vector<Message>& messages, const std::string& topic,
                const std::string& payload) {
  for (const Message& m : messages) {
    if (m.topic == topic && m.payload == payload) return true;
  }
  return false;
}

// Publishes probes on `topic` until `subscriber` received one: its subscription is then in
// place on the broker. Returns false on timeout.
bool AwaitSubscription(Transport& publisher, Recorder& subscriber, const std::string& topic) {
  static uint64_t next_probe = kProbeTokens;
  const uint64_t first = next_probe;
  return subscriber.RetryUntil(
      [&] {
        (void)publisher.Publish({topic, "", fmt::format("probe {}", next_probe)}, next_probe++);
      },
      [&] {
        for (const Message& m : subscriber.received_locked()) {
          if (m.topic == topic && m.payload.starts_with("probe ")) {
            if (std::stoull(m.payload.substr(6)) >= first) return true;
          }
        }
        return false;
      },
      kProbeInterval);
}

std::vector<std::string> Payloads(const std::vector<Message>& messages, const std::string& topic,
                                  bool skip_probes = true) {
  std::vector<std::string> out;
  for (const Message& m : messages) {
    if (m.topic != topic || (skip_probes && m.payload.starts_with("probe "))) continue;
    out.push_back(m.payload);
  }
  return out;
}

TEST(MqttTransportTest, DeliversEveryMessageOnceAndInOrder) {
  auto broker = MosquittoServer::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  Recorder hub;
  MqttOptions hub_options = ClientOptions(**broker, "hub");
  hub_options.clean_session = true;
  auto subscriber = StartClient(hub_options, hub);
  ASSERT_NE(subscriber, nullptr);
  ASSERT_TRUE(subscriber->Subscribe("temp").ok());

  Recorder agent;
  MqttOptions agent_options = ClientOptions(**broker, "box-1");
  agent_options.max_inflight = 50;
  auto publisher = StartClient(agent_options, agent);
  ASSERT_NE(publisher, nullptr);
  ASSERT_TRUE(WaitConnected(agent)) << (*broker)->LogTail();
  ASSERT_TRUE(AwaitSubscription(*publisher, hub, "temp")) << (*broker)->LogTail();

  constexpr uint64_t kCount = 1'000;
  for (uint64_t token = 0; token < kCount; ++token) {
    const Message message{"temp", "box-1", fmt::format("0,box-1,40.0,{}", token)};
    Status published = publisher->Publish(message, token);
    while (published.code() == StatusCode::kResourceExhausted) {
      ASSERT_TRUE(agent.WaitFor([&] { return publisher->in_flight() < 50; }));
      published = publisher->Publish(message, token);
    }
    ASSERT_TRUE(published.ok()) << published.ToString();
  }
  ASSERT_TRUE(agent.WaitFor([&] {
    for (uint64_t token = 0; token < kCount; ++token) {
      if (!agent.delivered_locked(token)) return false;
    }
    return true;
  }));
  ASSERT_TRUE(
      hub.WaitFor([&] { return Payloads(hub.received_locked(), "temp").size() >= kCount; }));
  EXPECT_EQ(publisher->in_flight(), 0u);

  for (const auto& [token, outcomes] : agent.delivered()) {
    ASSERT_EQ(outcomes.size(), 1u) << "token " << token << " reported more than once";
    EXPECT_TRUE(outcomes[0].ok()) << outcomes[0].ToString();
  }
  const std::vector<std::string> payloads = Payloads(hub.received(), "temp");
  ASSERT_EQ(payloads.size(), kCount);
  for (uint64_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(payloads[i], fmt::format("0,box-1,40.0,{}", i));
  }
  for (const Message& m : hub.received()) {
    EXPECT_EQ(m.topic, "temp");  // the prefix is removed
    EXPECT_EQ(m.key, "");        // MQTT carries no key
  }
  publisher->Close(1'000);
  subscriber->Close(1'000);
}

TEST(MqttTransportTest, RefusesMessagesWhileDisconnectedOrOverTheWindow) {
  auto broker = MosquittoServer::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  MqttOptions options = ClientOptions(**broker, "box-window");
  options.max_inflight = 3;
  auto transport = MakeMqttTransport(options);
  ASSERT_TRUE(transport.ok()) << transport.status().ToString();
  Transport& agent = **transport;
  EXPECT_EQ(agent.Publish({"temp", "", "x"}, 1).code(), StatusCode::kUnavailable);  // not started

  // A broker that is away: the transport keeps trying and says why.
  (*broker)->Stop();
  Recorder recorder;
  ASSERT_TRUE(agent.Start(recorder.callbacks()).ok());
  EXPECT_EQ(agent.Start(recorder.callbacks()).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(recorder.WaitFor([&] { return !recorder.connection_locked().empty(); }));
  const Status down = recorder.connection().front();
  EXPECT_EQ(down.code(), StatusCode::kUnavailable);
  EXPECT_NE(down.message().find(fmt::format("127.0.0.1:{}", (*broker)->port())), std::string::npos)
      << down.ToString();
  EXPECT_NE(down.message().find("cannot connect"), std::string::npos) << down.ToString();
  EXPECT_FALSE(agent.connected());
  EXPECT_EQ(agent.Publish({"temp", "", "x"}, 1).code(), StatusCode::kUnavailable);

  ASSERT_TRUE((*broker)->Restart().ok());
  ASSERT_TRUE(WaitConnected(recorder)) << (*broker)->LogTail();
  EXPECT_TRUE(agent.connected());

  // A frozen broker acknowledges nothing: the window fills up and further messages are refused.
  (*broker)->Signal(SIGSTOP);
  for (uint64_t token = 1; token <= 3; ++token) {
    ASSERT_TRUE(agent.Publish({"temp", "", "x"}, token).ok());
  }
  EXPECT_EQ(agent.in_flight(), 3u);
  EXPECT_EQ(agent.Publish({"temp", "", "x"}, 4).code(), StatusCode::kResourceExhausted);
  // Bad messages are refused before they reach the window.
  EXPECT_EQ(agent.Publish({"", "", "x"}, 5).code(), StatusCode::kInvalidArgument);
  (*broker)->Signal(SIGCONT);
  ASSERT_TRUE(recorder.WaitFor([&] { return recorder.delivered_count_locked() == 3; }));
  EXPECT_EQ(agent.in_flight(), 0u);
  EXPECT_EQ(agent.Publish({"temp/+", "", "x"}, 6).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(agent.Subscribe("a/#/b").code(), StatusCode::kInvalidArgument);
  agent.Close(1'000);
  EXPECT_EQ(agent.Publish({"temp", "", "x"}, 7).code(), StatusCode::kUnavailable);
  const auto delivered = recorder.delivered();
  EXPECT_EQ(delivered.size(), 3u);
  for (const auto& [token, outcomes] : delivered) {
    ASSERT_EQ(outcomes.size(), 1u);
    EXPECT_TRUE(outcomes[0].ok()) << token << ": " << outcomes[0].ToString();
  }
}

TEST(MqttTransportTest, StatusIsOnlineWhileConnectedAndOfflineAfterClose) {
  auto broker = MosquittoServer::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  Recorder observer;
  MqttOptions observer_options = ClientOptions(**broker, "observer");
  observer_options.clean_session = true;
  auto watcher = StartClient(observer_options, observer);
  ASSERT_NE(watcher, nullptr);
  ASSERT_TRUE(watcher->Subscribe("status/#").ok());
  ASSERT_TRUE(WaitConnected(observer));

  Recorder recorder;
  MqttOptions options = ClientOptions(**broker, "box-status");
  options.status_topic = "status/box-status";
  auto agent = StartClient(options, recorder);
  ASSERT_NE(agent, nullptr);
  // Retained: seen whether the observer's subscription came before or after the publish.
  ASSERT_TRUE(observer.WaitFor([&] {
    return HasPayload(observer.received_locked(), "status/box-status", "online");
  })) << (*broker)->LogTail();
  agent->Close(2'000);
  ASSERT_TRUE(observer.WaitFor([&] {
    const auto payloads = Payloads(observer.received_locked(), "status/box-status");
    return !payloads.empty() && payloads.back() == "offline";
  })) << (*broker)->LogTail();

  // A client that comes later finds the retained status.
  Recorder late;
  auto late_watcher = StartClient(observer_options, late);
  ASSERT_NE(late_watcher, nullptr);
  ASSERT_TRUE(late_watcher->Subscribe("status/box-status").ok());
  ASSERT_TRUE(late.WaitFor(
      [&] { return HasPayload(late.received_locked(), "status/box-status", "offline"); }));
}

// The last will needs a connection that dies without DISCONNECT: a child process runs a
// transport and is killed with SIGKILL. The child is forked before this process starts any
// thread, so it can safely start its own.
TEST(MqttTransportTest, LastWillSaysOfflineWhenTheClientDies) {
  auto broker = MosquittoServer::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  MqttOptions options = ClientOptions(**broker, "box-will");
  options.status_topic = "status/box-will";

  int ready_pipe[2];
  ASSERT_EQ(::pipe(ready_pipe), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::close(ready_pipe[0]);
    std::mutex mu;
    std::condition_variable cv;
    bool up = false;
    Callbacks callbacks;
    callbacks.delivered = [](uint64_t, const Status&) {};
    callbacks.connection = [&](const Status& state) {
      std::lock_guard lock(mu);
      up = up || state.ok();
      cv.notify_all();
    };
    auto transport = MakeMqttTransport(options);
    if (!transport.ok() || !(*transport)->Start(callbacks).ok()) ::_exit(1);
    {
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, kTransportWait, [&] { return up; })) ::_exit(2);
    }
    const char byte = 'u';
    if (::write(ready_pipe[1], &byte, 1) != 1) ::_exit(3);
    for (;;)
      ::pause();  // until SIGKILL
  }
  ::close(ready_pipe[1]);
  pollfd ready{ready_pipe[0], POLLIN, 0};
  const bool child_up = ::poll(&ready, 1, static_cast<int>(kTransportWait.count())) == 1;
  char byte = 0;
  const bool read_ok = child_up && ::read(ready_pipe[0], &byte, 1) == 1;
  ::close(ready_pipe[0]);
  if (!read_ok) {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    FAIL() << "the child transport did not connect; broker log:\n" << (*broker)->LogTail();
  }

  Recorder observer;
  MqttOptions observer_options = ClientOptions(**broker, "observer");
  observer_options.clean_session = true;
  auto watcher = StartClient(observer_options, observer);
  ASSERT_NE(watcher, nullptr);
  ASSERT_TRUE(watcher->Subscribe("status/box-will").ok());
  ASSERT_TRUE(observer.WaitFor(
      [&] { return HasPayload(observer.received_locked(), "status/box-will", "online"); }));

  ::kill(child, SIGKILL);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  ASSERT_TRUE(observer.WaitFor([&] {
    const auto payloads = Payloads(observer.received_locked(), "status/box-will");
    return !payloads.empty() && payloads.back() == "offline";
  })) << (*broker)->LogTail();
}

TEST(MqttTransportTest, ReconnectsAfterABrokerRestartAndSubscribesAgain) {
  auto broker = MosquittoServer::Start();  // no persistence: a restart forgets every session
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  Recorder agent;
  MqttOptions agent_options = ClientOptions(**broker, "box-restart");
  agent_options.status_topic = "status/box-restart";
  auto box = StartClient(agent_options, agent);
  ASSERT_NE(box, nullptr);
  ASSERT_TRUE(box->Subscribe("command/box-restart").ok());

  Recorder hub;
  MqttOptions hub_options = ClientOptions(**broker, "hub");
  hub_options.clean_session = true;
  auto controller = StartClient(hub_options, hub);
  ASSERT_NE(controller, nullptr);
  ASSERT_TRUE(WaitConnected(hub));
  ASSERT_TRUE(AwaitSubscription(*controller, agent, "command/box-restart"));

  (*broker)->Stop();
  ASSERT_TRUE(agent.WaitFor([&] { return !agent.last_connection_ok_locked(); }));
  const Status lost = agent.connection().back();
  EXPECT_EQ(lost.code(), StatusCode::kUnavailable);
  EXPECT_NE(lost.message().find("connection lost"), std::string::npos) << lost.ToString();
  EXPECT_FALSE(box->connected());
  EXPECT_EQ(box->Publish({"temp", "", "during the outage"}, 1).code(), StatusCode::kUnavailable);

  ASSERT_TRUE((*broker)->Restart().ok());
  ASSERT_TRUE(WaitConnected(agent)) << (*broker)->LogTail();
  ASSERT_TRUE(WaitConnected(hub)) << (*broker)->LogTail();
  // The restarted broker knows no subscription: commands arrive only because the transport
  // subscribed again on its own.
  ASSERT_TRUE(AwaitSubscription(*controller, agent, "command/box-restart")) << (*broker)->LogTail();
  ASSERT_TRUE(box->Publish({"temp", "", "after the outage"}, 2).ok());
  ASSERT_TRUE(agent.WaitFor([&] { return agent.delivered_locked(2); }));
  EXPECT_TRUE(agent.delivered()[2].front().ok());
  EXPECT_FALSE(agent.delivered().count(1));  // refused, so never reported
  box->Close(1'000);
  controller->Close(1'000);
}

TEST(MqttTransportTest, MessagesInFlightSurviveABrokerRestart) {
  auto broker = MosquittoServer::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  Recorder agent;
  auto box = StartClient(ClientOptions(**broker, "box-inflight"), agent);
  ASSERT_NE(box, nullptr);
  ASSERT_TRUE(WaitConnected(agent));

  (*broker)->Signal(SIGSTOP);  // takes the messages into its socket, acknowledges nothing
  for (uint64_t token = 1; token <= 5; ++token) {
    ASSERT_TRUE(box->Publish({"temp", "", fmt::format("m{}", token)}, token).ok());
  }
  EXPECT_EQ(box->in_flight(), 5u);
  (*broker)->Stop();
  ASSERT_TRUE(agent.WaitFor([&] { return !agent.last_connection_ok_locked(); }));
  EXPECT_EQ(box->in_flight(), 5u);  // still waiting, not given up
  ASSERT_TRUE((*broker)->Restart().ok());
  // libmosquitto sends them again after the CONNACK; each is reported once.
  ASSERT_TRUE(agent.WaitFor([&] { return agent.delivered_count_locked() == 5; }))
      << (*broker)->LogTail();
  for (const auto& [token, outcomes] : agent.delivered()) {
    ASSERT_EQ(outcomes.size(), 1u) << token;
    EXPECT_TRUE(outcomes[0].ok()) << outcomes[0].ToString();
  }
  EXPECT_EQ(box->in_flight(), 0u);
  box->Close(1'000);
}

// A received message is acknowledged only once `settle` returned: a broker that goes away
// while the subscriber settles still holds the message and sends it again to the session.
TEST(MqttTransportTest, AcknowledgesReceivedMessagesOnlyAfterTheyAreSettled) {
  MosquittoServer::Options broker_options;
  broker_options.persistence = true;
  auto broker = MosquittoServer::Start(broker_options);
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();

  std::mutex mu;
  std::condition_variable cv;
  bool settling = false;
  bool release = false;
  int settles = 0;
  Recorder hub;
  Callbacks callbacks = hub.callbacks();
  callbacks.settle = [&] {
    std::unique_lock lock(mu);
    ++settles;
    settling = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    cv.notify_all();
  };
  MqttOptions hub_options = ClientOptions(**broker, "hub-settle");
  hub_options.clean_session = false;
  auto made = MakeMqttTransport(hub_options);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  std::unique_ptr<Transport> subscriber = std::move(*made);
  ASSERT_TRUE(subscriber->Start(callbacks).ok());
  ASSERT_TRUE(subscriber->Subscribe("temp").ok());
  ASSERT_TRUE(WaitConnected(hub));

  Recorder agent;
  auto box = StartClient(ClientOptions(**broker, "box-settle"), agent);
  ASSERT_NE(box, nullptr);
  ASSERT_TRUE(WaitConnected(agent));
  // The first message that arrives blocks the subscriber in settle: the probes until the
  // subscription holds, then the reading.
  ASSERT_TRUE(box->Publish({"temp", "", "reading 1"}, 1).ok());
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kTransportWait, [&] { return settling; }));
  }
  const size_t first = hub.received().size();
  ASSERT_GE(first, 1u);
  // The broker saves its sessions on SIGTERM: the message it sent is still unacknowledged.
  (*broker)->Signal(SIGTERM);
  ASSERT_TRUE((*broker)->WaitExited()) << (*broker)->LogTail();
  ASSERT_TRUE((*broker)->Restart().ok()) << (*broker)->LogTail();
  {
    std::lock_guard lock(mu);
    release = true;
    cv.notify_all();
  }
  // The session gets it again after the reconnect.
  ASSERT_TRUE(hub.WaitFor([&] {
    size_t copies = 0;
    for (const Message& m : hub.received_locked())
      copies += m.payload == "reading 1" ? 1u : 0u;
    return copies >= 2;
  })) << (*broker)->LogTail();
  {
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, kTransportWait, [&] { return settles >= 2; }));
  }
  box->Close(1'000);
  subscriber->Close(1'000);
}

TEST(MqttTransportTest, CloseReportsMessagesStillInFlightAsCancelled) {
  auto broker = MosquittoServer::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  Recorder agent;
  auto box = StartClient(ClientOptions(**broker, "box-close"), agent);
  ASSERT_NE(box, nullptr);
  ASSERT_TRUE(WaitConnected(agent));
  (*broker)->Signal(SIGSTOP);
  for (uint64_t token = 1; token <= 3; ++token) {
    ASSERT_TRUE(box->Publish({"temp", "", "x"}, token).ok());
  }
  box->Close(200);
  // Reported before Close returned, each once, and nothing after.
  const auto delivered = agent.delivered();
  ASSERT_EQ(delivered.size(), 3u);
  for (const auto& [token, outcomes] : delivered) {
    ASSERT_EQ(outcomes.size(), 1u);
    EXPECT_EQ(outcomes[0].code(), StatusCode::kCancelled) << outcomes[0].ToString();
  }
  EXPECT_EQ(box->in_flight(), 0u);
  (*broker)->Signal(SIGCONT);
  box.reset();
  EXPECT_EQ(agent.delivered().size(), 3u);
}

TEST(MqttTransportTest, AcceptsTheRightPasswordAndRefusesAWrongOne) {
  MosquittoServer::Options broker_options;
  broker_options.users = {{"box-1", kSecret}};
  auto broker = MosquittoServer::Start(broker_options);
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();

  Recorder good;
  MqttOptions options = ClientOptions(**broker, "box-1");
  options.username = "box-1";
  options.password = kSecret;
  auto box = StartClient(options, good);
  ASSERT_NE(box, nullptr);
  ASSERT_TRUE(WaitConnected(good)) << (*broker)->LogTail();
  ASSERT_TRUE(box->Publish({"temp", "box-1", "x"}, 1).ok());
  ASSERT_TRUE(good.WaitFor([&] { return good.delivered_locked(1); }));
  box->Close(1'000);

  for (const std::string& password : {std::string("wrong-") + kSecret, std::string()}) {
    Recorder bad;
    options.client_id = "box-1-bad";
    options.password = password;
    auto refused = StartClient(options, bad);
    ASSERT_NE(refused, nullptr);
    ASSERT_TRUE(bad.WaitFor([&] { return !bad.connection_locked().empty(); }));
    const Status state = bad.connection().front();
    EXPECT_TRUE(state.code() == StatusCode::kUnauthenticated ||
                state.code() == StatusCode::kPermissionDenied)
        << state.ToString();
    EXPECT_NE(state.message().find("refused"), std::string::npos) << state.ToString();
    EXPECT_EQ(state.message().find(kSecret), std::string::npos) << state.ToString();
    EXPECT_FALSE(refused->connected());
    refused->Close(0);
    for (const Status& s : bad.connection()) {
      EXPECT_FALSE(s.ok());
      EXPECT_EQ(s.message().find(kSecret), std::string::npos) << s.ToString();
    }
  }
}

TEST(MqttTransportTest, SpeaksTlsAndRefusesABrokerItCannotVerify) {
  MosquittoServer::Options broker_options;
  broker_options.tls = true;
  auto broker = MosquittoServer::Start(broker_options);
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();

  Recorder good;
  MqttOptions options = ClientOptions(**broker, "box-tls");
  options.tls.enabled = true;
  options.tls.ca_file = (*broker)->ca_file().string();
  auto box = StartClient(options, good);
  ASSERT_NE(box, nullptr);
  ASSERT_TRUE(WaitConnected(good)) << (*broker)->LogTail();
  ASSERT_TRUE(box->Publish({"temp", "box-tls", "x"}, 1).ok());
  ASSERT_TRUE(good.WaitFor([&] { return good.delivered_locked(1); }));
  box->Close(1'000);

  Recorder bad;
  options.client_id = "box-tls-untrusting";
  options.tls.ca_file = (*broker)->untrusted_ca_file().string();
  auto refused = StartClient(options, bad);
  ASSERT_NE(refused, nullptr);
  ASSERT_TRUE(bad.WaitFor([&] { return !bad.connection_locked().empty(); }));
  const Status state = bad.connection().front();
  EXPECT_EQ(state.code(), StatusCode::kUnavailable);
  EXPECT_NE(state.message().find("certificate verify failed"), std::string::npos)
      << state.ToString();
  EXPECT_FALSE(refused->connected());
  refused->Close(0);
}

TEST(MqttOptionsTest, RejectsBadOptionsNamingTheField) {
  const MqttOptions good = [] {
    MqttOptions options;
    options.client_id = "box-1";
    options.username = "box-1";
    options.password = kSecret;
    return options;
  }();
  EXPECT_TRUE(ValidateMqttOptions(good).ok());

  struct Case {
    std::string field;
    MqttOptions options;
  };
  std::vector<Case> cases;
  auto add = [&](std::string field, auto change) {
    MqttOptions options = good;
    change(options);
    cases.push_back({std::move(field), std::move(options)});
  };
  add("mqtt.host", [](MqttOptions& o) { o.host.clear(); });
  add("mqtt.port", [](MqttOptions& o) { o.port = 0; });
  add("mqtt.port", [](MqttOptions& o) { o.port = 70'000; });
  add("mqtt.client_id", [](MqttOptions& o) { o.client_id.clear(); });
  add("mqtt.client_id", [](MqttOptions& o) { o.client_id = "bad\xff"; });
  add("mqtt.password", [](MqttOptions& o) { o.username.clear(); });
  add("mqtt.keepalive_s", [](MqttOptions& o) { o.keepalive_s = 2; });
  add("mqtt.max_inflight", [](MqttOptions& o) { o.max_inflight = 0; });
  add("mqtt.reconnect_min_ms", [](MqttOptions& o) { o.reconnect_min_ms = 0; });
  add("mqtt.reconnect_max_ms", [](MqttOptions& o) { o.reconnect_max_ms = 10; });
  add("mqtt.topic_prefix", [](MqttOptions& o) { o.topic_prefix = "site/+/"; });
  add("mqtt.status_topic", [](MqttOptions& o) { o.status_topic = "status/#"; });
  add("mqtt.tls", [](MqttOptions& o) { o.tls.ca_file = "/etc/hostname"; });
  add("mqtt.tls.ca_file", [](MqttOptions& o) {
    o.tls.enabled = true;
    o.tls.ca_file = "/nonexistent/ca.crt";
  });
  add("mqtt.tls", [](MqttOptions& o) {
    o.tls.enabled = true;
    o.tls.cert_file = "/etc/hostname";
  });
  for (const Case& c : cases) {
    const Status status = ValidateMqttOptions(c.options);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_TRUE(status.message().starts_with(c.field)) << c.field << ": " << status.ToString();
    EXPECT_EQ(status.message().find(kSecret), std::string::npos) << status.ToString();
    auto transport = MakeMqttTransport(c.options);
    EXPECT_FALSE(transport.ok()) << c.field;
  }
  // Anonymous with a clean session needs no client id.
  MqttOptions anonymous;
  anonymous.clean_session = true;
  EXPECT_TRUE(ValidateMqttOptions(anonymous).ok());
}

TEST(MqttFixtureTest, RestartsOnTheSamePort) {
  auto broker = MosquittoServer::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  const uint16_t port = (*broker)->port();
  EXPECT_TRUE(coolflow::testing::CanConnect(port));
  (*broker)->Stop();
  EXPECT_FALSE((*broker)->running());
  EXPECT_FALSE(coolflow::testing::CanConnect(port));
  ASSERT_TRUE((*broker)->Restart().ok()) << (*broker)->LogTail();
  EXPECT_EQ((*broker)->port(), port);
  EXPECT_TRUE(coolflow::testing::CanConnect(port));
  const std::filesystem::path dir = (*broker)->dir();
  broker->reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace coolflow::transport
