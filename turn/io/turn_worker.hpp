#pragma once
// Everything one worker thread does for STUN and TURN: its listener sockets (UDP with
// SO_REUSEPORT, TCP, TLS), its client connections, and the answers to what arrives on them.
// One TurnWorker per net::Worker; it is touched only from that worker's thread (other
// threads post to the worker's context), so nothing here takes a lock.
//
// What arrives goes through stun::classify_request, so drops, 400s and 420s are decided in
// one place before any method handler runs.
#include <array>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "net/tcp_acceptor.hpp"
#include "net/udp_socket.hpp"
#include "net/worker.hpp"
#include "stun/message.hpp"
#include "turn/io/client_connection.hpp"
#include "turn/settings.hpp"

namespace iceway::turn::io {

class TurnWorker final : public net::DatagramHandler, public FrameHandler {
 public:
  TurnWorker(net::Worker& worker, std::shared_ptr<const Settings> settings);
  ~TurnWorker();

  // Opens this worker's share of a listener. Call before the worker thread starts, or on it.
  std::error_code listen_udp(const Endpoint& local);
  // TLS when `tls` is set; it may be replaced later with set_tls_context().
  std::error_code listen_tcp(const Endpoint& local, std::shared_ptr<boost::asio::ssl::context> tls);
  std::vector<Endpoint> udp_endpoints() const;
  std::vector<Endpoint> tcp_endpoints() const;

  // On the worker's thread: new settings after a reload, a new TLS context for new
  // connections (live ones keep theirs).
  void apply_settings(std::shared_ptr<const Settings> settings);
  void set_tls_context(std::shared_ptr<boost::asio::ssl::context> tls);
  // Drain: stop accepting TCP/TLS connections (UDP keeps answering live clients).
  void stop_accepting();
  // Shutdown: close every socket and connection.
  void close_all();

  // net::DatagramHandler
  void on_datagram(ByteSpan data, const Endpoint& from, net::UdpSocket& socket) override;
  // FrameHandler
  void on_frame(ByteSpan frame, ClientConnection& connection) override;
  void on_closed(ClientConnection& connection) override;

 private:
  // Where an answer goes: back out of the UDP socket it came in on, or down the connection.
  struct Reply {
    net::UdpSocket* udp = nullptr;
    Endpoint to;
    ClientConnection* stream = nullptr;
    void send(ByteSpan bytes) const;
  };

  void handle_message(ByteSpan bytes, const FiveTuple& tuple, const Reply& reply);
  void accept(boost::asio::ip::tcp::socket socket, bool tls);

  net::Worker& worker_;
  std::shared_ptr<const Settings> settings_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::vector<std::shared_ptr<net::UdpSocket>> udp_sockets_;
  struct Acceptor {
    std::shared_ptr<net::TcpAcceptor> acceptor;
    bool tls = false;
  };
  std::vector<Acceptor> acceptors_;
  std::unordered_map<ClientConnection*, std::shared_ptr<ClientConnection>> connections_;
  // Answers are built here and sent before the next message is read: no allocation per
  // request. Sized for the largest answer we build (an error with UNKNOWN-ATTRIBUTES).
  std::array<std::byte, 1500> answer_buffer_{};
};

}  // namespace iceway::turn::io
