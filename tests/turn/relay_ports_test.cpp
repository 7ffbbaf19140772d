// RelayPorts (turn/io/relay_ports.hpp) with real sockets on loopback: the relay path finds a
// relay socket by its address through the port index, also after the port range changed
// under it (SIGHUP), and finds nothing once the socket is closed or given away.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "net/udp_socket.hpp"
#include "tests/net/loopback_udp.hpp"
#include "net/worker.hpp"
#include "turn/io/relay_ports.hpp"

namespace iceway::turn::io {
namespace {

using namespace std::chrono_literals;

// A port nothing on 127.0.0.1 holds right now (the kernel picked it and it was released).
std::uint16_t free_port() {
  auto bound = net::BoundUdpPort::bind(*Endpoint::parse("127.0.0.1:0"), {});
  EXPECT_TRUE(bound);
  return bound ? bound.value().local().port : 0;
}

// A peer on loopback: what arrived, and from which port.
using Peer = net::testing::LoopbackUdp;

std::shared_ptr<const Settings> range(std::uint16_t first, std::uint16_t last) {
  auto settings = std::make_shared<Settings>();
  settings->relay_ipv4 = IpAddress::v4(0x7F000001);
  settings->relay_port_min = first;
  settings->relay_port_max = last;
  return settings;
}

struct Fixture {
  Fixture() : port(free_port()) {
    ports.apply_settings(range(port, port));
    auto opened = ports.open(RelayPortRequest{});
    EXPECT_TRUE(opened);
    if (opened) relayed = opened.value().relayed;
    ports.activate(relayed, 7);
  }
  bool send(const std::string& text) { return ports.send(relayed, as_byte_span(text), peer.endpoint); }

  net::Worker worker{0};
  AllocationId received_for = 0;
  RelayPorts ports{worker, [this](AllocationId id, const net::Datagram&, const Endpoint&) { received_for = id; },
                   [](AllocationId, boost::asio::ip::tcp::socket, const Endpoint&) {}, [](ConnectionId, bool) {}};
  std::uint16_t port;
  Endpoint relayed;
  Peer peer;
};

TEST(RelayPorts, ARelaySocketInTheRangeSendsFromItsPortAndReceivesForItsAllocation) {
  Fixture f;
  ASSERT_EQ(f.relayed.port, f.port);
  ASSERT_TRUE(f.send("to-peer"));
  EXPECT_EQ(f.peer.receive_now_with_port(), "to-peer@" + std::to_string(f.port));

  f.peer.send("from-peer", f.relayed);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (f.received_for == 0 && std::chrono::steady_clock::now() < deadline) f.worker.context().run_one_for(100ms);
  EXPECT_EQ(f.received_for, 7u);
}

TEST(RelayPorts, ASocketOutsideANewRangeIsStillFoundAndBackInsideItToo) {
  Fixture f;
  const std::uint16_t elsewhere = f.port == 65535 ? f.port - 1 : f.port + 1;
  f.ports.apply_settings(range(elsewhere, elsewhere));  // SIGHUP: the socket's port left the range
  ASSERT_TRUE(f.send("outside"));
  EXPECT_EQ(f.peer.receive_now_with_port(), "outside@" + std::to_string(f.port));
  f.ports.apply_settings(range(f.port, f.port));
  ASSERT_TRUE(f.send("inside"));
  EXPECT_EQ(f.peer.receive_now_with_port(), "inside@" + std::to_string(f.port));
}

TEST(RelayPorts, AClosedSocketIsFoundNeitherInTheRangeNorAfterItChanged) {
  Fixture f;
  f.ports.close(f.relayed);
  EXPECT_FALSE(f.send("closed"));
  f.ports.apply_settings(range(f.port, f.port));
  EXPECT_FALSE(f.send("closed"));
  EXPECT_EQ(f.peer.receive_now_with_port(), "<none>");
  EXPECT_EQ(f.ports.size(), 0u);
}

// A peer's datagrams that arrived after the worker last read the relay socket go with it when
// its allocation ends: counted as data not relayed.
TEST(RelayPorts, DatagramsUnreadWhenARelayClosesAreCounted) {
  Fixture f;
  Counter discarded;
  f.ports.count_discarded_in(discarded);
  for (const char* text : {"late 1", "late 2", "late 3"}) f.peer.send(text, f.relayed);  // the worker does not run
  f.ports.close(f.relayed);
  EXPECT_EQ(discarded.value(), 3u);
  EXPECT_EQ(f.received_for, 0u);
  // Nothing more to count once it is gone.
  f.ports.close(f.relayed);
  EXPECT_EQ(discarded.value(), 3u);
}

TEST(RelayPorts, ASocketGivenAwayIsNoLongerThisWorkers) {
  Fixture f;
  auto port = f.ports.give_away(f.relayed);
  ASSERT_TRUE(port);
  EXPECT_FALSE(f.send("gone"));
  EXPECT_EQ(f.peer.receive_now_with_port(), "<none>");
  // Taken back (as another worker would), it is found again at the same address.
  ASSERT_TRUE(f.ports.take_over(std::move(*port), 9));
  ASSERT_TRUE(f.send("back"));
  EXPECT_EQ(f.peer.receive_now_with_port(), "back@" + std::to_string(f.port));
}

TEST(RelayPorts, AnAddressThatIsNotARelayAddressFindsNothing) {
  Fixture f;
  const Endpoint other{IpAddress::v4(0x7F000002), f.port};
  const std::string text = "wrong address";
  EXPECT_FALSE(f.ports.send(other, as_byte_span(text), f.peer.endpoint));
  EXPECT_EQ(f.peer.receive_now_with_port(), "<none>");
}

}  // namespace
}  // namespace iceway::turn::io
