// WebSocket endpoints through the server, with Beast's own WebSocket client: subscribe and
// broadcast, messages from the client, the slow client dropped without stalling the others,
// authentication before the upgrade, and Stop.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
// <utility> before Boost (GCC 12).
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "fmt/format.h"
#include "test_client.h"
#include "web/http_server.h"
#include "web/password.h"

namespace coolflow::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

// Counts events and lets the test wait for a number of them.
class Events {
 public:
  void Add(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(what);
    cv_.notify_all();
  }
  void WaitFor(const std::string& what, size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock,
             [&] { return std::count(seen_.begin(), seen_.end(), what) >= static_cast<long>(n); });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> seen_;
};

class Client {
 public:
  // Connects and upgrades; the handshake's error (and the server's answer) are kept.
  Client(uint16_t port, const std::string& path, const std::string& authorization = "")
      : ws_(ioc_) {
    tcp::resolver resolver(ioc_);
    asio::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.set_option(websocket::stream_base::decorator([authorization](websocket::request_type& r) {
      if (!authorization.empty()) r.set(beast::http::field::authorization, authorization);
    }));
    ws_.handshake(response_, "127.0.0.1", path, error_);
  }
  bool ok() const { return !error_; }
  std::string Read() {
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws_.read(buffer, ec);
    if (ec) return "<" + ec.message() + ">";
    return beast::buffers_to_string(buffer.data());
  }
  void Write(const std::string& text) { ws_.write(asio::buffer(text)); }
  websocket::stream<tcp::socket>& stream() { return ws_; }

 private:
  asio::io_context ioc_;
  websocket::stream<tcp::socket> ws_;
  websocket::response_type response_;
  beast::error_code error_;
};

class WebSocketTest : public ::testing::Test {
 protected:
  void Start(WebSocketOptions live, std::shared_ptr<Authenticator> auth = nullptr) {
    HttpServer::Options options;
    options.authenticator = std::move(auth);
    options.logger = log_.logger;
    server_ = std::make_unique<HttpServer>(options);
    live.on_open = [this](WebSocketClient&) { events_.Add("open"); };
    live.on_close = [this](WebSocketClient&) { events_.Add("close"); };
    live.on_message = [](WebSocketClient& client, std::string_view message) {
      if (message.starts_with("join ")) {
        client.Subscribe(std::string(message.substr(5)));
        client.Send("joined");
      } else {
        client.Send(fmt::format("echo {} from {}", message,
                                client.user() ? client.user()->name : "anonymous"));
      }
    };
    ASSERT_TRUE(server_->AddWebSocket("/ws/live", std::move(live)).ok());
    ASSERT_TRUE(server_->Start().ok());
  }
  uint16_t port() const { return server_->port(); }

  testing::LogCapture log_;
  Events events_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(WebSocketTest, BroadcastReachesEverySubscriber) {
  Start({.min_role = Role::kAnonymous, .channels = {"live"}});
  Client a(port(), "/ws/live");
  Client b(port(), "/ws/live");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  events_.WaitFor("open", 2);
  EXPECT_EQ(server_->broadcaster().Subscribers("live"), 2u);
  EXPECT_EQ(server_->broadcaster().Publish("live", R"({"t":21.5})"), 2u);
  EXPECT_EQ(server_->broadcaster().Publish("elsewhere", "x"), 0u);
  EXPECT_EQ(a.Read(), R"({"t":21.5})");
  EXPECT_EQ(b.Read(), R"({"t":21.5})");
  EXPECT_EQ(server_->metrics().websocket_clients.load(), 2);
}

TEST_F(WebSocketTest, ReceivedMessagesReachTheCallbackWhichMaySubscribe) {
  Start({.min_role = Role::kAnonymous});
  Client a(port(), "/ws/live");
  ASSERT_TRUE(a.ok());
  a.Write("hello");
  EXPECT_EQ(a.Read(), "echo hello from anonymous");
  a.Write("join alerts");
  EXPECT_EQ(a.Read(), "joined");
  EXPECT_EQ(server_->broadcaster().Publish("alerts", "hot"), 1u);
  EXPECT_EQ(a.Read(), "hot");
  a.stream().close(websocket::close_code::normal);
  events_.WaitFor("close", 1);
  EXPECT_EQ(server_->broadcaster().Subscribers("alerts"), 0u);
  EXPECT_EQ(server_->metrics().websocket_messages_received.load(), 2u);
}

TEST_F(WebSocketTest, ASlowClientIsDroppedWithoutStallingTheOthers) {
  Start({.min_role = Role::kAnonymous,
         .channels = {"live"},
         .max_queue_messages = 8,
         .max_queue_bytes = 1 << 20});
  Client slow(port(), "/ws/live");  // never reads
  Client fast(port(), "/ws/live");
  ASSERT_TRUE(slow.ok());
  ASSERT_TRUE(fast.ok());
  events_.WaitFor("open", 2);
  const std::string message(128 << 10, 'm');
  int published = 0;
  // In step with the fast client: it reads each message before the next is published, so only
  // the slow one's queue grows, until the kernel's buffers are full and the queue too.
  while (server_->metrics().websocket_dropped.load() == 0 && published < 2000) {
    server_->broadcaster().Publish("live", message);
    ++published;
    ASSERT_EQ(fast.Read().size(), message.size());
  }
  EXPECT_EQ(server_->metrics().websocket_dropped.load(), 1u);
  events_.WaitFor("close", 1);
  EXPECT_EQ(server_->broadcaster().Subscribers("live"), 1u);
  // The fast client goes on.
  EXPECT_EQ(server_->broadcaster().Publish("live", "after"), 1u);
  EXPECT_EQ(fast.Read(), "after");
  EXPECT_EQ(server_->metrics().websocket_clients.load(), 1);
}

TEST_F(WebSocketTest, CredentialsAreCheckedBeforeTheUpgrade) {
  Result<ApiToken> token = NewApiToken();
  ASSERT_TRUE(token.ok());
  auto auth = std::make_shared<Authenticator>(
      std::vector<UserRecord>{{"victor", Role::kViewer, "", {{"ui", token->sha256_hex}}}});
  Start({.min_role = Role::kViewer, .channels = {"live"}}, auth);
  Client anonymous(port(), "/ws/live");
  EXPECT_FALSE(anonymous.ok());
  Client wrong(port(), "/ws/live", "Bearer cf_wrong");
  EXPECT_FALSE(wrong.ok());
  Client in_query(port(), "/ws/live?token=" + token->token);
  EXPECT_FALSE(in_query.ok());
  // What the refused clients were told, seen on the wire.
  const auto upgrade = [&](const std::string& target, const std::string& extra) {
    testing::RawConnection c(port());
    EXPECT_TRUE(c.Send("GET " + target +
                       " HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                       "Sec-WebSocket-Version: 13\r\n" +
                       extra + "\r\n"));
    return c.ReadReply();
  };
  const testing::HttpReply refused = upgrade("/ws/live", "");
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.body, R"({"error":"authentication required"})");
  EXPECT_EQ(upgrade("/ws/live", "Authorization: Bearer cf_wrong\r\n").status, 401);
  EXPECT_EQ(upgrade("/ws/live?token=x", "").status, 401);
  EXPECT_EQ(upgrade("/ws/live", "Authorization: Bearer " + token->token + "\r\n").status, 101);
  Client good(port(), "/ws/live", "Bearer " + token->token);
  ASSERT_TRUE(good.ok());
  good.Write("hi");
  EXPECT_EQ(good.Read(), "echo hi from victor");
  EXPECT_EQ(server_->metrics().auth_failures("missing"), 2u);
  EXPECT_EQ(server_->metrics().auth_failures("bad_credentials"), 2u);
}

TEST_F(WebSocketTest, APlainRequestOnAWebSocketPathIs426) {
  Start({.min_role = Role::kAnonymous});
  const testing::HttpReply r =
      testing::Curl({.url = fmt::format("http://127.0.0.1:{}/ws/live", port())});
  EXPECT_EQ(r.status, 426);
  EXPECT_EQ(r.Header("upgrade"), "websocket");
}

TEST_F(WebSocketTest, StopClosesClientsAsGoingAway) {
  Start({.min_role = Role::kAnonymous, .channels = {"live"}});
  Client a(port(), "/ws/live");
  ASSERT_TRUE(a.ok());
  events_.WaitFor("open", 1);
  std::thread stopper([this] { server_->Stop(); });
  EXPECT_TRUE(a.Read().starts_with("<"));  // closed, after answering the close frame
  stopper.join();
  EXPECT_EQ(a.stream().reason().code, websocket::close_code::going_away);
}

}  // namespace
}  // namespace coolflow::web
