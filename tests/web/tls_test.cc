// HTTPS and WSS (HttpServer::Options::tls) with a certificate made by `openssl req` for the
// test: requests and logins over TLS (the session cookie marked Secure), WebSocket messages
// over TLS, and refusals: plain HTTP on the TLS port, a client that does not trust the
// certificate, certificate files that do not load.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "fmt/format.h"
#include "test_client.h"
#include "web/http_server.h"
#include "web/password.h"

namespace coolflow::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
namespace websocket = boost::beast::websocket;
using testing::Curl;
using testing::HttpReply;
using testing::RawConnection;

constexpr char kPassword[] = "correct horse battery staple";

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() /
        fmt::format("web-tls-{}-{}", ::getpid(), ::testing::UnitTest::GetInstance()->random_seed());
    std::filesystem::create_directories(dir_);
    cert_ = (dir_ / "cert.pem").string();
    key_ = (dir_ / "key.pem").string();
    // A P-256 key (quick to make) for 127.0.0.1, valid for two days.
    const std::string command = fmt::format(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout {} "
        "-out {} -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
        ">{}/openssl.log 2>&1",
        key_, cert_, dir_.string());
    ASSERT_EQ(std::system(command.c_str()), 0) << "openssl req failed; see " << dir_;

    UserRecord alice{"alice", Role::kOperator, *HashPassword(kPassword, kTestPasswordCost), {}};
    AuthOptions auth;
    auth.secure_cookie = true;
    HttpServer::Options options;
    options.authenticator = std::make_shared<Authenticator>(std::vector<UserRecord>{alice}, auth);
    options.tls = HttpServer::TlsFiles{cert_, key_};
    server_ = std::make_unique<HttpServer>(options);
    ASSERT_TRUE(server_
                    ->HandleSync(Method::kGet, "/hello", {.min_role = Role::kAnonymous},
                                 [](const Request&) { return Response::Text("hello over TLS"); })
                    .ok());
    ASSERT_TRUE(
        server_->AddWebSocket("/ws", {.min_role = Role::kAnonymous, .channels = {"news"}}).ok());
    const Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }
  void TearDown() override {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string Url(const std::string& path) const {
    return fmt::format("https://127.0.0.1:{}{}", server_->port(), path);
  }

  std::filesystem::path dir_;
  std::string cert_, key_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(TlsTest, ServesHttpsAndMarksTheSessionCookieSecure) {
  HttpReply reply = Curl({.url = Url("/hello"), .ca_file = cert_});
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "hello over TLS");

  reply = Curl({.method = "POST",
                .url = Url("/api/login"),
                .body = fmt::format(R"({{"user":"alice","password":"{}"}})", kPassword),
                .ca_file = cert_});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.Header("set-cookie").find("; Secure"), std::string::npos)
      << reply.Header("set-cookie");
}

TEST_F(TlsTest, RefusesPlainHttpAndUntrustingClientsAndGoesOn) {
  {
    RawConnection plain(server_->port());
    ASSERT_TRUE(plain.connected());
    plain.Send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    EXPECT_EQ(plain.ReadReply().status, 0);  // closed: no HTTP answer on the TLS port
  }
  // The system's trust store does not hold the test's certificate.
  EXPECT_EQ(Curl({.url = Url("/hello")}).status, 0);
  for (int i = 0; i < 200 && server_->metrics().tls_handshake_failures.load() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server_->metrics().tls_handshake_failures.load(), 2u);
  EXPECT_NE(server_->RenderMetrics().find("coolflow_web_tls_handshake_failures_total 2"),
            std::string::npos);
  // Nothing else was lost.
  EXPECT_EQ(Curl({.url = Url("/hello"), .ca_file = cert_}).status, 200);
}

TEST_F(TlsTest, WebSocketOverTls) {
  asio::io_context ioc;
  ssl::context context(ssl::context::tls_client);
  context.load_verify_file(cert_);
  context.set_verify_mode(ssl::verify_peer);
  websocket::stream<beast::ssl_stream<asio::ip::tcp::socket>> ws(ioc, context);
  asio::ip::tcp::resolver resolver(ioc);
  asio::connect(beast::get_lowest_layer(ws),
                resolver.resolve("127.0.0.1", std::to_string(server_->port())));
  beast::error_code ec;
  ws.next_layer().handshake(ssl::stream_base::client, ec);
  ASSERT_FALSE(ec) << ec.message();
  ws.handshake("127.0.0.1", "/ws", ec);
  ASSERT_FALSE(ec) << ec.message();
  for (int i = 0; i < 500 && server_->broadcaster().Subscribers("news") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(server_->broadcaster().Publish("news", "rack r01 is warm"), 1u);
  beast::flat_buffer buffer;
  ws.read(buffer, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "rack r01 is warm");
  ws.close(websocket::close_code::normal, ec);
  EXPECT_FALSE(ec) << ec.message();
}

TEST_F(TlsTest, CertificateFilesThatDoNotLoadStopTheStart) {
  HttpServer::Options options;
  options.tls = HttpServer::TlsFiles{(dir_ / "missing.pem").string(), key_};
  HttpServer missing(options);
  Status s = missing.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cert_file"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("missing.pem"), std::string::npos) << s.message();

  options.tls = HttpServer::TlsFiles{cert_, cert_};  // a certificate is no private key
  HttpServer wrong_key(options);
  s = wrong_key.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("key_file"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace coolflow::web
