#include "hub/hub_main.h"

#include <signal.h>

#include <iostream>

#include "fmt/format.h"
#include "hub/control_room_http.h"
#include "hub/hub.h"
#include "hub/hub_config.h"
#include "hub/hub_http.h"
#include "hub/hub_runtime.h"
#include "hub/live_feed.h"
#include "spdlog/spdlog.h"
#include "web/authenticator.h"
#include "web/http_server.h"
#include "web/users.h"

namespace coolflow::hub {

int RunHub(const HubCommand& command) {
  auto config = LoadHubConfig(command.config);
  if (!config.ok()) {
    std::cerr << "coolflow hub: " << config.status().message() << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  // Block the stop signals in every thread the hub starts; this thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto runtime = HubRuntime::Create(*config, SystemClock::Instance());
  if (!runtime.ok()) {
    std::cerr << "coolflow hub: " << runtime.status().message() << "\n";
    const StatusCode code = runtime.status().code();
    return code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound ? 2 : 1;
  }
  Hub* hub = &(*runtime)->hub();
  std::unique_ptr<web::HttpServer> server;
  std::unique_ptr<LiveFeed> feed;
  if (config->http.port >= 0) {
    web::HttpServer::Options options;
    options.host = config->http.host;
    options.port = static_cast<uint16_t>(config->http.port);
    if (config->http.tls) {
      options.tls =
          web::HttpServer::TlsFiles{config->http.tls->cert_file, config->http.tls->key_file};
    }
    if (!config->http.users.empty()) {
      auto users = web::LoadUsers(config->http.users);
      if (!users.ok()) {
        std::cerr << "coolflow hub: " << users.status().message() << "\n";
        return 2;
      }
      web::AuthOptions auth_options;
      auth_options.allowed_origins = config->http.allowed_origins;
      auth_options.secure_cookie = config->http.tls.has_value();
      options.authenticator =
          std::make_shared<web::Authenticator>(std::move(*users), std::move(auth_options));
    }
    auto audit = web::AuditLog::Open({.file = config->http.audit_log});
    if (!audit.ok()) {
      std::cerr << "coolflow hub: http.audit_log: " << audit.status().message() << "\n";
      return 2;
    }
    options.audit = std::move(*audit);
    server = std::make_unique<web::HttpServer>(options);
    HubRuntime* rt = runtime->get();
    feed = std::make_unique<LiveFeed>(*server, *rt, SystemClock::Instance());
    HubHttpOptions http_options;
    http_options.extra_metrics = [rt, f = feed.get()] {
      return rt->RenderMetrics() + f->RenderMetrics() +
             RenderRoomMetrics(*rt, SystemClock::Instance().Now());
    };
    Status s = RegisterHubRoutes(*server, *hub, SystemClock::Instance(), http_options);
    if (s.ok()) s = RegisterRoomRoutes(*server, *rt, SystemClock::Instance());
    if (s.ok()) {
      s = RegisterControlRoom(*server, *rt, *feed, SystemClock::Instance(),
                              {.ui_dir = config->http.ui_dir});
    }
    if (!s.ok()) {
      std::cerr << "coolflow hub: " << s.message() << "\n";
      return 1;
    }
  }
  if (command.check) {
    std::cout << fmt::format("{}: ok ({} brokers, HTTP {}, cooling control {})\n", command.config,
                             hub->brokers().size(), server ? "on" : "off",
                             (*runtime)->has_controller() ? "on" : "off");
    return 0;
  }
  if (Status s = (*runtime)->Start(); !s.ok()) {
    std::cerr << "coolflow hub: " << s.message() << "\n";
    return 1;
  }
  if (server) {
    if (Status s = server->Start(); !s.ok()) {
      std::cerr << "coolflow hub: http: " << s.message() << "\n";
      (*runtime)->Stop();
      return 1;
    }
    feed->Start();
    std::cout << fmt::format("coolflow hub {}: {}://{}:{}/ ({}InfluxDB /write, /metrics)\n",
                             config->hub, config->http.tls ? "https" : "http", config->http.host,
                             server->port(), config->http.ui_dir.empty() ? "" : "Control Room, ")
              << std::flush;
  }
  std::cout << fmt::format("coolflow hub {}: running ({} brokers, cooling control {})\n",
                           config->hub, hub->brokers().size(),
                           (*runtime)->has_controller() ? "on" : "off")
            << std::flush;
  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("signal {}: stopping", signal);
  if (feed) feed->Stop();
  if (server) server->Stop();
  (*runtime)->Stop();
  return 0;
}

}  // namespace coolflow::hub
