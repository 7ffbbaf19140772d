#pragma once
// A TurnServer driven with real bytes built by the stun codec, a fake relay port allocator,
// and time as a variable. Shared by the handler, dispatch and relay tests.
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "stun/attributes/address.hpp"
#include "stun/attributes/error_code.hpp"
#include "stun/attributes/text.hpp"
#include "stun/attributes/turn.hpp"
#include "stun/channel_data.hpp"
#include "stun/integrity.hpp"
#include "stun/message.hpp"
#include "stun/message_builder.hpp"
#include "tests/turn/printers.hpp"
#include "turn/server.hpp"

namespace iceway::turn::test {

inline const TimePoint kStart = TimePoint{} + std::chrono::hours(1000);
inline constexpr UnixSeconds kNowUnix = 1'700'000'000;
inline const IpAddress kRelayIpv4 = *IpAddress::parse("203.0.113.10");
inline const IpAddress kRelayIpv6 = *IpAddress::parse("2001:db8::10");
inline const Endpoint kServer = *Endpoint::parse("203.0.113.10:3478");
// Public peers (allowed by the default policy) and a private one (denied).
inline const Endpoint kPeer = *Endpoint::parse("93.184.216.34:7000");
inline const Endpoint kPeer2 = *Endpoint::parse("93.184.216.35:7001");
inline const Endpoint kPrivatePeer = *Endpoint::parse("10.0.0.1:7000");

inline FiveTuple client_tuple(std::uint16_t port = 40000, Transport transport = Transport::udp) {
  return FiveTuple{Endpoint{*IpAddress::parse("198.51.100.7"), port}, kServer, transport};
}

class FakePorts final : public RelayPortAllocator {
 public:
  // A held port that records its closing (its destruction) in FakePorts::closed.
  struct Held final : HeldPort {
    Held(Endpoint port_in, std::vector<Endpoint>& closed_in) : port(port_in), closed(&closed_in) {}
    ~Held() override {
      if (closed) closed->push_back(port);
    }
    Endpoint port;
    std::vector<Endpoint>* closed;
  };

  std::vector<RelayPortRequest> opened;
  std::vector<Endpoint> closed;
  std::vector<Endpoint> adopted;
  std::optional<RelayPortError> fail_with;
  std::optional<RelayPortError> fail_ipv6_with;  // only IPv6 sockets fail (a dual allocation's second)
  bool refuse_dont_fragment = false;
  bool no_pair = false;  // reserve_next finds no free pair
  bool no_tcp = false;   // makes no TCP relays (RFC 6062)
  std::uint16_t next_port = 50001;

  Result<OpenedRelay, RelayPortError> open(const RelayPortRequest& request) override {
    opened.push_back(request);
    if (fail_with) return failure(*fail_with);
    if (fail_ipv6_with && request.family == AddressFamily::ipv6) return failure(*fail_ipv6_with);
    if (request.dont_fragment && refuse_dont_fragment) return failure(RelayPortError::dont_fragment_unsupported);
    if (request.reserve_next && no_pair) return failure(RelayPortError::no_port);
    if (request.tcp && no_tcp) return failure(RelayPortError::transport_unsupported);
    if (request.even_port && next_port % 2 != 0) ++next_port;
    const IpAddress ip = request.family == AddressFamily::ipv4 ? kRelayIpv4 : kRelayIpv6;
    OpenedRelay result;
    result.relayed = Endpoint{ip, next_port++};
    if (request.reserve_next) {
      result.next = Endpoint{ip, next_port++};
      result.next_port = std::make_unique<Held>(result.next, closed);
    }
    return result;
  }
  Result<Endpoint, RelayPortError> adopt(const Endpoint& relayed, std::unique_ptr<HeldPort> port,
                                         const RelayPortRequest& request) override {
    auto* held = dynamic_cast<Held*>(port.get());
    EXPECT_NE(held, nullptr);
    if (held == nullptr) return failure(RelayPortError::no_port);
    EXPECT_EQ(held->port, relayed);
    held->closed = nullptr;  // it lives on as the relay socket: not closed
    if (fail_with) {
      closed.push_back(relayed);
      return failure(*fail_with);
    }
    if (request.dont_fragment && refuse_dont_fragment) {
      closed.push_back(relayed);
      return failure(RelayPortError::dont_fragment_unsupported);
    }
    adopted.push_back(relayed);
    return relayed;
  }
  void close(const Endpoint& relayed) override { closed.push_back(relayed); }
};

// Reservation tokens 1, 2, 3, ... (big-endian in the 8 bytes): distinct and predictable.
class CountingRandom final : public RandomSource {
 public:
  void fill(MutableByteSpan out) override {
    ++count_;
    std::fill(out.begin(), out.end(), std::byte{0});
    for (std::size_t i = 0; i < out.size() && i < 8; ++i) {
      out[out.size() - 1 - i] = static_cast<std::byte>((count_ >> (8 * i)) & 0xff);
    }
  }

 private:
  std::uint64_t count_ = 0;
};

// A decoded answer, holding its own copy of the bytes.
struct Answer {
  std::vector<std::byte> bytes;
  HandleResult result;

  bool empty() const { return bytes.empty(); }
  stun::MessageView view() const { return stun::MessageView::parse(bytes).value(); }
  stun::Class message_class() const { return view().message_class(); }
  std::optional<std::uint16_t> error_code() const {
    auto code = view().get<stun::ErrorCodeAttribute>();
    if (!code || !code.value()) return std::nullopt;
    return code.value()->code;
  }
  template <class T>
  std::optional<T> get() const {
    auto value = view().get<T>();
    if (!value) return std::nullopt;
    return value.value();
  }
  std::string nonce() const {
    auto value = get<stun::Nonce>();
    return value ? std::string(value->value) : std::string();
  }
};

struct User {
  std::string username;
  std::string password;
  std::string realm = "iceway";
  LongTermKey key() const { return stun::long_term_key(username, realm, password); }
};

using Attributes = std::function<void(stun::MessageBuilder&)>;

inline stun::TransactionId transaction(std::uint8_t n) {
  stun::TransactionId id;
  id.bytes.fill(std::byte{0xA5});
  id.bytes[11] = std::byte{n};
  return id;
}

inline void udp(stun::MessageBuilder& builder) { builder.add(stun::RequestedTransport{}); }

class TurnServerTest : public ::testing::Test {
 protected:
  TurnServerTest() {
    settings.realm = "iceway";
    settings.software = "iceway-test";
    settings.relay_ipv4 = kRelayIpv4;
    settings.secrets = {"s3cret"};
    settings.users = {StaticUser{"static", "static-pass"}};
    rebuild();
  }

  void rebuild() { server = std::make_unique<TurnServer>(shared_state(), quota, ports); }

  // The shared state `settings` describe (a SIGHUP hands it to TurnServer::reconfigure).
  SharedTurnState shared_state() {
    auto shared_settings = std::make_shared<const Settings>(settings);
    SharedTurnState shared;
    shared.settings = shared_settings;
    shared.credentials = std::make_shared<const turn::Credentials>(turn::Credentials::from(settings));
    shared.policy = std::make_shared<const PeerPolicy>(PeerPolicy::create(PeerPolicyConfig::from(settings)).value());
    if (!nonces) {
      std::array<std::byte, NonceIssuer::kKeySize> key{};
      key.fill(std::byte{42});
      nonces = std::make_shared<const NonceIssuer>(key, settings.nonce_lifetime);
    }
    shared.nonces = nonces;
    // One limiter for the fixture's life, as the process keeps one across reloads.
    const SourceBudget budget{static_cast<double>(settings.unauthenticated_bytes_per_second),
                              static_cast<double>(settings.unauthenticated_burst_bytes), settings.ipv6_prefix};
    if (limiter) limiter->set_budget(budget);
    else limiter = std::make_shared<SourceRateLimiter>(budget);
    shared.unauthenticated = limiter;
    shared.reservations = reservations;
    return shared;
  }

  // A REST-API user valid for an hour.
  User alice() const {
    const auto credential =
        turn::Credentials::from(settings).make_credential("alice", Seconds(3600), kNowUnix).value();
    return {credential.username, credential.password};
  }
  User bob() const {
    const auto credential = turn::Credentials::from(settings).make_credential("bob", Seconds(3600), kNowUnix).value();
    return {credential.username, credential.password};
  }

  static std::vector<std::byte> build(stun::Method method, stun::Class message_class, const stun::TransactionId& id,
                                      const Attributes& attributes, const User* credentials = nullptr,
                                      const std::string& nonce = "") {
    std::array<std::byte, 2048> buffer;
    stun::MessageBuilder builder(buffer);
    builder.start({method, message_class}, id);
    if (attributes) attributes(builder);
    if (credentials) {
      builder.add(stun::Username{credentials->username})
          .add(stun::Realm{credentials->realm})
          .add(stun::Nonce{nonce});
      const LongTermKey key = credentials->key();
      builder.add_message_integrity(key);
    }
    builder.add_fingerprint();
    const auto bytes = builder.finish();
    EXPECT_TRUE(bytes) << bytes.error().to_string();
    return {bytes.value().begin(), bytes.value().end()};
  }

  Answer deliver(const std::vector<std::byte>& bytes, const FiveTuple& tuple) {
    Answer answer;
    answer.result = server->on_client_message(bytes, tuple, now, now_unix(), out);
    answer.bytes.assign(answer.result.response.begin(), answer.result.response.end());
    return answer;
  }

  // A fresh nonce for `tuple`, the way a client gets one: an unauthenticated request.
  std::string challenge(const FiveTuple& tuple) {
    const Answer answer = deliver(build(stun::Method::allocate, stun::Class::request, transaction(200), udp), tuple);
    EXPECT_EQ(answer.error_code(), 401);
    return answer.nonce();
  }

  // An authenticated request with a valid nonce.
  Answer request(stun::Method method, const stun::TransactionId& id, const Attributes& attributes,
                 const FiveTuple& tuple, const User& credentials) {
    const std::string nonce = challenge(tuple);
    return deliver(build(method, stun::Class::request, id, attributes, &credentials, nonce), tuple);
  }

  Answer allocate(const FiveTuple& tuple, const User& credentials, const Attributes& extra = {},
                  std::uint8_t id = 1) {
    return request(
        stun::Method::allocate, transaction(id),
        [&](stun::MessageBuilder& builder) {
          udp(builder);
          if (extra) extra(builder);
        },
        tuple, credentials);
  }

  // Allocates and returns the relayed address, failing the test otherwise.
  Endpoint allocated(const FiveTuple& tuple, const User& credentials) {
    const Answer answer = allocate(tuple, credentials);
    EXPECT_EQ(answer.message_class(), stun::Class::success) << answer.error_code().value_or(0);
    const auto relayed = answer.get<stun::XorRelayedAddress>();
    return relayed ? relayed->endpoint : Endpoint{};
  }

  Answer create_permission(const FiveTuple& tuple, const User& credentials,
                           std::vector<Endpoint> peers, std::uint8_t id = 30) {
    return request(
        stun::Method::create_permission, transaction(id),
        [&](stun::MessageBuilder& builder) {
          for (const auto& peer : peers) builder.add(stun::XorPeerAddress{peer});
        },
        tuple, credentials);
  }

  Answer channel_bind(const FiveTuple& tuple, const User& credentials, std::uint16_t number,
                      const Endpoint& peer, std::uint8_t id = 40) {
    return request(
        stun::Method::channel_bind, transaction(id),
        [&](stun::MessageBuilder& builder) { builder.add(stun::ChannelNumber{number}).add(stun::XorPeerAddress{peer}); },
        tuple, credentials);
  }

  // A Send indication to `peer` carrying `payload` (no credentials: indications have none).
  std::vector<std::byte> send_indication(const Endpoint& peer, std::string_view payload) {
    return build(stun::Method::send, stun::Class::indication, transaction(100), [&](stun::MessageBuilder& b) {
      b.add(stun::XorPeerAddress{peer}).add(stun::Data{as_byte_span(payload)});
    });
  }
  std::vector<std::byte> channel_data(std::uint16_t number, std::string_view payload) {
    std::array<std::byte, 256> buffer;
    const auto bytes = stun::encode_channel_data(buffer, number, as_byte_span(payload), stun::Framing::datagram).value();
    return {bytes.begin(), bytes.end()};
  }

  // The same Allocate (alice's, on `tuple`, with `extra`) delivered twice with another
  // client's request between them, which takes the only retransmit cache slot: the second
  // answer comes from the allocation itself (RFC 8656 §7.2's retransmission rule).
  std::pair<Answer, Answer> allocate_twice_past_the_cache(const FiveTuple& tuple, const Attributes& extra = {}) {
    settings.retransmit_cache_entries = 1;
    rebuild();
    const User user = alice();
    const std::string nonce = challenge(tuple);
    const auto bytes = build(
        stun::Method::allocate, stun::Class::request, transaction(7),
        [&](stun::MessageBuilder& b) {
          udp(b);
          if (extra) extra(b);
        },
        &user, nonce);
    Answer first = deliver(bytes, tuple);
    EXPECT_EQ(first.message_class(), stun::Class::success);
    allocate(client_tuple(tuple.client.port + 1), bob());
    now += Seconds(3);
    Answer second = deliver(bytes, tuple);
    EXPECT_FALSE(second.result.from_cache);
    return {std::move(first), std::move(second)};
  }

  Answer refresh(const FiveTuple& tuple, const User& credentials, std::optional<std::uint32_t> lifetime,
                 std::uint8_t id = 50) {
    return request(
        stun::Method::refresh, transaction(id),
        [&](stun::MessageBuilder& builder) {
          if (lifetime) builder.add(stun::Lifetime{*lifetime});
        },
        tuple, credentials);
  }

  Settings settings;
  Quota quota{QuotaLimits{100, 10, 20}};
  FakePorts ports;
  std::shared_ptr<const NonceIssuer> nonces;
  std::shared_ptr<SourceRateLimiter> limiter;
  // Kept across rebuild() and reloads, as the process keeps one; after quota and ports, whose
  // leases and held ports its reservations hold.
  std::shared_ptr<PortReservations> reservations =
      std::make_shared<PortReservations>(std::make_unique<CountingRandom>());
  std::unique_ptr<TurnServer> server;
  TimePoint now = kStart;
  // The wall clock moves with `now`: nonces expire by it.
  UnixSeconds now_unix() const { return kNowUnix + std::chrono::duration_cast<Seconds>(now - kStart).count(); }
  std::array<std::byte, 2048> out{};
};

}  // namespace iceway::turn::test
