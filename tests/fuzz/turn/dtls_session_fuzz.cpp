// TURN over DTLS in front of the STUN codec: turn/dtls_session.hpp's stateless front door
// (the ClientHello check, DTLSv1_listen and the cookie), a session's record layer, and what a
// session delivers, parsed as STUN or ChannelData as the worker's core would.
//
// Input: a mode byte, then datagrams, each a 2-byte big-endian length and its bytes.
//   mode even: the datagrams come from a new address. A ClientHello carrying a 20-byte cookie
//     gets the cookie made for that address patched in, so the fuzzer gets past the cookie
//     (an HMAC it cannot guess) into OpenSSL's ClientHello processing and the handshake.
//   mode odd: a real handshake with OpenSSL's DTLS client first, then the datagrams arrive at
//     the established session (records of epoch 0 and 1, alerts, garbage), interleaved with
//     records the client really encrypted around the fuzzer's bytes as plaintext.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "stun/channel_data.hpp"
#include "stun/message.hpp"
#include "tests/turn/dtls_test_support.hpp"
#include "turn/dtls_session.hpp"

namespace {

using namespace iceway;

const Endpoint kClient{*IpAddress::parse("192.0.2.1"), 5000};
const TimePoint kNow{std::chrono::hours(24)};

struct Sink final : turn::DtlsOutput {
  std::vector<std::byte> sent;
  std::size_t delivered = 0;
  void send_datagram(ByteSpan bytes) override {
    if (bytes.size() > turn::DtlsSession::kMtu + 16 * 1024) __builtin_trap();  // one record at most past the MTU
    sent.insert(sent.end(), bytes.begin(), bytes.end());
  }
  void deliver(ByteSpan plaintext) override {
    ++delivered;
    // What the worker does with it: STUN or ChannelData, each parsed by its codec.
    if (stun::looks_like_stun(plaintext)) (void)stun::MessageView::parse(plaintext);
    else if (stun::looks_like_channel_data(plaintext)) (void)stun::parse_channel_data(plaintext);
  }
};

// A ClientHello's cookie is after the record header (13), the handshake header (12), the
// version (2), the random (32) and the session id (1 + its length).
void patch_cookie(std::vector<std::byte>& datagram, const turn::DtlsCookies& cookies) {
  if (!turn::looks_like_client_hello(datagram)) return;
  std::size_t at = 13 + 12 + 2 + 32;
  if (at >= datagram.size()) return;
  at += 1 + std::to_integer<std::size_t>(datagram[at]);
  if (at >= datagram.size() || std::to_integer<std::size_t>(datagram[at]) != turn::DtlsCookies::kSize) return;
  if (at + 1 + turn::DtlsCookies::kSize > datagram.size()) return;
  const auto cookie = cookies.make(kClient, kNow);
  std::memcpy(datagram.data() + at + 1, cookie.data(), cookie.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto context = turn::testing::make_dtls_server_context();
  static const turn::DtlsCookies cookies(turn::DtlsCookies::Key{});
  if (size < 1) return 0;
  const bool established = data[0] % 2 == 1;
  std::vector<std::vector<std::byte>> datagrams;
  for (std::size_t at = 1; at + 2 <= size && datagrams.size() < 16;) {
    const std::size_t length = std::min<std::size_t>((std::size_t{data[at]} << 8) | data[at + 1], size - at - 2);
    const auto* begin = reinterpret_cast<const std::byte*>(data + at + 2);
    datagrams.emplace_back(begin, begin + length);
    at += 2 + length;
  }

  Sink sink;
  std::unique_ptr<turn::DtlsSession> session;
  turn::testing::MemoryDtlsClient client;
  if (established) {
    // The cookie exchange and the handshake, as the unit tests run them.
    client.handshake();
    turn::DtlsSession::listen(context.get(), cookies, client.take_datagram(), kClient, kNow, sink);
    client.give(sink.sent);
    sink.sent.clear();
    client.handshake();
    session = turn::DtlsSession::listen(context.get(), cookies, client.take_datagram(), kClient, kNow, sink);
    for (int round = 0; session && round < 10 && !session->handshake_done(); ++round) {
      client.give(sink.sent);
      sink.sent.clear();
      client.handshake();
      session->on_datagram(client.take_datagram(), kNow, sink);
    }
    if (!session || !session->handshake_done()) __builtin_trap();  // the real handshake must work
  }
  for (auto& datagram : datagrams) {
    if (!session) {
      patch_cookie(datagram, cookies);
      session = turn::DtlsSession::listen(context.get(), cookies, datagram, kClient, kNow, sink);
      continue;
    }
    if (session->on_datagram(datagram, kNow, sink) == turn::DtlsStatus::closed) break;
    if (established) {
      // The same bytes as the plaintext of a real record: they must come out as they went in.
      const std::size_t before = sink.delivered;
      if (!datagram.empty() && datagram.size() <= turn::DtlsSession::kMaxPlaintext && client.write(datagram)) {
        session->on_datagram(client.take_datagram(), kNow, sink);
        if (sink.delivered != before + 1) __builtin_trap();
      }
    }
    (void)session->write(datagram, sink);
  }
  if (session) session->shutdown(sink);
  return 0;
}
