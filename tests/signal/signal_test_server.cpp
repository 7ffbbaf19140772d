// A SignalServer on 127.0.0.1 for tests that drive it from another process (the Node test of
// sdk/iceway.js). Prints "port N" once listening; shuts down cleanly when stdin closes.
//   signal_test_server [PORT] [--token-secret S] [--allowed-origin O]...
// PORT 0 (the default) is any free port; a token secret makes tokens required.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "signal/http/signal_server.hpp"

namespace {

class StaticIceServers final : public iceway::signaling::IceServersProvider {
 public:
  nlohmann::json ice_servers(std::string_view peer_id, iceway::UnixSeconds unix_now) override {
    return nlohmann::json::array({{{"urls", "turn:127.0.0.1:3478"},
                                   {"username", std::to_string(unix_now + 600) + ":" + std::string(peer_id)},
                                   {"credential", "test"}}});
  }
  std::chrono::seconds ttl() const override { return std::chrono::seconds(600); }
};

}  // namespace

int main(int argc, char** argv) {
  namespace net = boost::asio;
  std::uint16_t port = 0;
  iceway::signaling::Settings settings;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--token-secret" && i + 1 < argc) {
      settings.token_secret = argv[++i];
      settings.require_token = true;
    } else if (argument == "--allowed-origin" && i + 1 < argc) {
      settings.allowed_origins.emplace_back(argv[++i]);
    } else {
      port = static_cast<std::uint16_t>(std::atoi(argv[i]));
    }
  }
  net::io_context context;
  auto guard = net::make_work_guard(context);
  StaticIceServers ice_servers;
  settings.development_mode = true;  // the SDK test checks the welcome's credentials, as `make run` gives them
  iceway::signaling::SignalServer server(context, settings, ice_servers);
  iceway::Endpoint listen = *iceway::Endpoint::parse("127.0.0.1:0");
  listen.port = port;
  const auto bound = server.start(listen);
  std::thread thread([&] { context.run(); });
  std::printf("port %u\n", static_cast<unsigned>(bound.port));
  std::fflush(stdout);

  for (std::string line; std::getline(std::cin, line);) {
  }

  server.stop_accepting();
  server.close_all();
  server.stop();
  guard.reset();
  // Bounded drain: sessions end within the close grace; then stop regardless.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!context.stopped() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  context.stop();
  thread.join();
  return 0;
}
