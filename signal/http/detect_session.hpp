#pragma once
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>

#include "common/endpoint.hpp"
#include "signal/http/server_state.hpp"

namespace iceway::signaling {

// Peeks at the first bytes: a TLS ClientHello goes to a TLS session, anything else to plain HTTP
// (Beast's advanced_server_flex "detect_session").
class DetectSession final : public std::enable_shared_from_this<DetectSession> {
 public:
  DetectSession(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<ServerState> state, Endpoint remote)
      : stream_(std::move(socket)), state_(std::move(state)), remote_(remote) {}

  void run();

 private:
  void on_run();
  void on_detect(boost::beast::error_code ec, bool is_tls);

  boost::beast::tcp_stream stream_;
  std::shared_ptr<ServerState> state_;
  Endpoint remote_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace iceway::signaling
