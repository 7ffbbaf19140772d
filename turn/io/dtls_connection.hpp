#pragma once
// A TURN client's DTLS session (turn/dtls_session.hpp) on the UDP side of a TLS port, served
// as a ClientConnection: the worker hands it the datagrams of its 5-tuple, it hands the worker
// each decrypted STUN message or ChannelData frame (one per record), and it encrypts what the
// worker sends back. To the TURN core it is a connection like a TLS one: its allocation ends
// with it, and it holds a slot of the stream caps (turn.max_stream_clients, per source, TLS
// handshakes in progress) from the cookie's return to its end.
//
// Deadlines are a TLS connection's (turn/stream_deadlines.hpp: the handshake, proving a real
// client, idleness, raised to the allocation's lifetime once it has one); a record is whole,
// so there is no frame deadline. DTLS's own retransmission of the server's handshake flight
// runs on the same timer.
//
// Threading: the owning worker's thread. Lifetime: shared_ptr, held by the worker's maps and
// by the pending timer; close() ends both.
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "net/udp_socket.hpp"
#include "turn/dtls_session.hpp"
#include "turn/io/client_connection.hpp"

namespace iceway::turn::io {

class DtlsConnection final : public ClientConnection,
                             private turn::DtlsOutput,
                             public std::enable_shared_from_this<DtlsConnection> {
 public:
  // `session` has answered the ClientHello that returned its cookie; `socket` is the listener
  // it came in on, and answers leave from the address the client sent to.
  DtlsConnection(boost::asio::io_context& context, std::unique_ptr<turn::DtlsSession> session,
                 std::shared_ptr<net::UdpSocket> socket, FiveTuple tuple, FrameHandler& handler, StreamAdmission admission);

  void start();
  // A datagram from this connection's client.
  void on_datagram(ByteSpan datagram);
  bool handshake_done() const { return session_->handshake_done(); }

  bool send(ByteSpan bytes) override;
  bool send(ByteSpan first, ByteSpan second) override;
  void close() override;
  void set_idle_timeout(std::chrono::seconds timeout) override;
  void prove() override;
  // RFC 6062 data connections are TCP or TLS only (ConnectionBind over DTLS is a 400).
  void become_pipe(boost::asio::ip::tcp::socket peer) override {
    boost::system::error_code ignored;
    peer.close(ignored);
    close();
  }
  std::optional<HandedOver> hand_over() override { return std::nullopt; }
  void pause_reading() override {}
  void resume_reading() override {}

 private:
  void send_datagram(ByteSpan bytes) override;
  void deliver(ByteSpan plaintext) override;
  void close(turn::StreamClose reason);
  void after_session_call(turn::DtlsStatus status);
  void schedule_timer();
  void on_timer();

  std::unique_ptr<turn::DtlsSession> session_;
  std::shared_ptr<net::UdpSocket> socket_;
  const IpAddress* source_ = nullptr;  // on a wildcard listener: the address the client sent to
  boost::asio::steady_timer timer_;
  FrameHandler* handler_;
  turn::StreamSlot slot_;
  turn::StreamSlot handshake_slot_;
  turn::StreamDeadlines deadlines_;
  TimePoint armed_for_{};
  bool timer_armed_ = false;
  bool closed_ = false;
};

}  // namespace iceway::turn::io
