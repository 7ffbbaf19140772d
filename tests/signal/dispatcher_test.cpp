// The limits every protocol shares, applied by the Dispatcher (SPEC §6 "Limits"), and the
// connection lifecycle the I/O layer drives.
#include "signal/dispatcher.hpp"

#include <gtest/gtest.h>

#include "signal/protocols/peerjs.hpp"
#include "test_support.hpp"

namespace iceway::signaling {
namespace {

using std::chrono::milliseconds;
using testing::address;
using testing::close_for;
using testing::frames_for;
using testing::Harness;
using testing::only_frame;

struct ProtocolCase {
  const char* name;
  Protocol protocol;
  const char* target;
};

// One connected client of each protocol, each able to send a harmless valid message.
const ProtocolCase kProtocols[] = {
    {"native", Protocol::native, "/ws?id=alice"},
    {"peerjs", Protocol::peerjs, "/peerjs/peerjs?key=peerjs&id=alice&token=t"},
    {"relay", Protocol::relay, "/relay?name=alice"},
    {"yjs", Protocol::yjs, "/yjs"},
};

// The target with "alice" replaced by another name (y-webrtc has no names).
std::string with_name(std::string target, std::string_view name) {
  if (auto at = target.find("alice"); at != std::string::npos) target.replace(at, 5, name);
  return target;
}

std::size_t invalid_index(Protocol protocol) {
  switch (protocol) {
    case Protocol::native: return native_type::invalid;
    case Protocol::peerjs: return peerjs_type::invalid;
    case Protocol::relay: return relay_type::invalid;
    case Protocol::yjs: return yjs_type::invalid;
    case Protocol::socketio: break;  // not a Dispatcher protocol (signal/http/socketio_mount.hpp)
    case Protocol::profile: return profile_type::invalid;
  }
  return 0;
}

std::string harmless(Protocol protocol) {
  return protocol == Protocol::peerjs ? R"({"type":"HEARTBEAT"})" : R"({"type":"ping"})";
}

Json expect_error_frame(const Outbox& out, ConnectionId id, Protocol protocol, std::string_view code) {
  Json frame = only_frame(out, id);
  if (protocol == Protocol::peerjs) {
    EXPECT_EQ(frame["type"], "ERROR") << frame;
    EXPECT_TRUE(frame["payload"]["msg"].is_string()) << frame;
  } else {
    EXPECT_EQ(frame["type"], "error") << frame;
    EXPECT_EQ(frame["code"], code) << frame;
  }
  return frame;
}

TEST(DispatcherLimits, RateLimitedPerConnection) {
  for (const auto& c : kProtocols) {
    SCOPED_TRACE(c.name);
    Settings settings;
    settings.messages_per_second = 2;
    settings.message_burst = 3;
    Harness h(settings);
    h.open(1, c.protocol, c.target);
    h.open(2, c.protocol, with_name(c.target, "bobby"));
    for (int i = 0; i < 3; ++i) {
      auto out = h.send(1, harmless(c.protocol));
      EXPECT_TRUE(out.closes.empty());
    }
    auto limited = h.send(1, harmless(c.protocol));
    expect_error_frame(limited, 1, c.protocol, "rate-limited");
    EXPECT_EQ(h.counters().error_count(ErrorCode::rate_limited), 1u);
    // Another connection has its own bucket.
    EXPECT_TRUE(close_for(h.send(2, harmless(c.protocol)), 2) == std::nullopt);
    if (c.protocol == Protocol::peerjs) {
      // PeerJS has no soft refusal: ERROR, and the client disconnects from the server.
      EXPECT_TRUE(close_for(limited, 1));
      continue;
    }
    EXPECT_FALSE(close_for(limited, 1));
    // Half a second at 2/s refills one token.
    h.now += milliseconds(499);
    expect_error_frame(h.send(1, harmless(c.protocol)), 1, c.protocol, "rate-limited");
    h.now += milliseconds(501);
    EXPECT_EQ(only_frame(h.send(1, harmless(c.protocol)), 1)["type"], "pong");
  }
}

TEST(DispatcherLimits, FrameSize) {
  for (const auto& c : kProtocols) {
    SCOPED_TRACE(c.name);
    Settings settings;
    settings.max_frame_bytes = 64;
    Harness h(settings);
    h.open(1, c.protocol, c.target);
    const std::string padding(64 - harmless(c.protocol).size() + 1, ' ');
    const std::string at_limit = harmless(c.protocol) + std::string(padding.size() - 1, ' ');
    ASSERT_EQ(at_limit.size(), 64u);
    auto ok = h.send(1, at_limit);
    EXPECT_TRUE(ok.closes.empty());
    auto too_large = h.send(1, harmless(c.protocol) + padding);
    Json frame = expect_error_frame(too_large, 1, c.protocol, "too-large");
    if (c.protocol == Protocol::peerjs) {
      EXPECT_EQ(frame["payload"]["msg"], "Message too large");
      EXPECT_TRUE(close_for(too_large, 1));
    } else {
      EXPECT_FALSE(close_for(too_large, 1));
    }
    EXPECT_EQ(h.counters().error_count(ErrorCode::too_large), 1u);
  }
}

TEST(DispatcherLimits, JsonDepth) {
  for (const auto& c : kProtocols) {
    SCOPED_TRACE(c.name);
    Settings settings;
    settings.max_json_depth = 3;
    Harness h(settings);
    h.open(1, c.protocol, c.target);
    EXPECT_TRUE(h.send(1, R"({"type":"x","a":{"b":{}}})").closes.empty());  // depth 3 is fine
    expect_error_frame(h.send(1, R"({"type":"x","a":{"b":{"c":[]}}})"), 1, c.protocol, "too-large");
    EXPECT_EQ(h.counters().error_count(ErrorCode::too_large), 1u);
  }
}

TEST(DispatcherLimits, MalformedJsonAndNonObjects) {
  for (const auto& c : kProtocols) {
    SCOPED_TRACE(c.name);
    Harness h;
    h.open(1, c.protocol, c.target);
    for (const char* text : {"{", "[1,2]", "\"text\"", "", "{\"a\":1}}"}) {
      SCOPED_TRACE(text);
      auto out = h.send(1, text);
      if (c.protocol == Protocol::peerjs) {
        // The reference drops what it cannot parse, silently; the client never sends such frames.
        EXPECT_TRUE(out.empty());
      } else {
        expect_error_frame(out, 1, c.protocol, "bad-request");
        EXPECT_TRUE(out.closes.empty());
      }
    }
    EXPECT_EQ(h.counters().error_count(ErrorCode::bad_request), 5u);
    EXPECT_EQ(h.counters().message_count(c.protocol, invalid_index(c.protocol)), 5u);
  }
}

TEST(DispatcherLimits, ConnectionsPerAddress) {
  for (const auto& c : kProtocols) {
    SCOPED_TRACE(c.name);
    Settings settings;
    settings.max_connections_per_ip = 1;
    Harness h(settings);
    h.open(1, c.protocol, c.target, address("198.51.100.7"));
    auto refused = h.open(2, c.protocol, "/refused", address("198.51.100.7"));
    Json frame = expect_error_frame(refused, 2, c.protocol, "too-many-connections");
    if (c.protocol == Protocol::peerjs) {
      EXPECT_EQ(frame["payload"]["msg"], peerjs_text::kConnectionLimitExceeded);
    }
    ASSERT_TRUE(close_for(refused, 2));
    EXPECT_EQ(close_for(refused, 2)->code, close_code::try_again_later);
    EXPECT_EQ(h.counters().error_count(ErrorCode::too_many_connections), 1u);
    EXPECT_FALSE(h.registry().find(2));
    // The refused socket's own closed() later is harmless; the first connection is untouched.
    EXPECT_TRUE(h.close(2).empty());
    EXPECT_TRUE(h.registry().find(1));
    // Another address is not affected.
    EXPECT_FALSE(close_for(h.open(3, c.protocol, with_name(c.target, "carol"), address("198.51.100.8")), 3));
    EXPECT_TRUE(h.registry().find(3));
  }
}

TEST(DispatcherLifecycle, EventsForUnknownConnectionsAreIgnored) {
  Harness h;
  EXPECT_TRUE(h.send(42, R"({"type":"ping"})").empty());
  EXPECT_TRUE(h.close(42).empty());
}

TEST(DispatcherLifecycle, DuplicateConnectionIdIsClosed) {
  Harness h;
  h.open(1, Protocol::native, "/ws?id=alice");
  auto out = h.open(1, Protocol::native, "/ws?id=bob");
  EXPECT_TRUE(close_for(out, 1));
  EXPECT_EQ(h.registry().holder(Protocol::native, "alice"), ConnectionId{1});
}

TEST(DispatcherLifecycle, CloseAllClosesEveryoneWithoutChatter) {
  Harness h;
  h.open(1, Protocol::native, "/ws?id=alice");
  h.open(2, Protocol::native, "/ws?id=bob");
  h.open(3, Protocol::peerjs, "/peerjs/peerjs?key=peerjs&id=p&token=t");
  h.open(4, Protocol::yjs, "/yjs");
  h.send(1, R"({"type":"join","room":"r"})");
  h.send(2, R"({"type":"join","room":"r"})");
  auto out = h.dispatcher().close_all(close_code::going_away, "server shutting down", h.now);
  EXPECT_TRUE(out.deliveries.empty());
  ASSERT_EQ(out.closes.size(), 4u);
  for (const auto& close : out.closes) EXPECT_EQ(close.code, close_code::going_away);
  EXPECT_EQ(h.registry().connection_count(), 0u);
  for (Protocol protocol : kAllProtocols) {
    EXPECT_EQ(h.counters().connections_active[index(protocol)].value(), 0);
  }
  EXPECT_EQ(h.counters().rooms_active.value(), 0);
}

TEST(DispatcherLifecycle, SettingsUpdateAppliesToExistingConnections) {
  Harness h;
  h.open(1, Protocol::native, "/ws?id=alice");
  Settings tighter = h.settings();
  tighter.message_burst = 1;
  tighter.max_frame_bytes = 30;
  h.dispatcher().update_settings(tighter);
  EXPECT_EQ(h.dispatcher().settings().max_frame_bytes, 30u);
  EXPECT_EQ(only_frame(h.send(1, R"({"type":"ping"})"), 1)["type"], "pong");
  EXPECT_EQ(only_frame(h.send(1, R"({"type":"ping"})"), 1)["code"], "rate-limited");
}

TEST(DispatcherNamespaces, SameNameInEveryProtocolIsFourDifferentPeers) {
  Harness h;
  h.open(1, Protocol::native, "/ws?id=alice");
  h.open(2, Protocol::peerjs, "/peerjs/peerjs?key=peerjs&id=alice&token=t");
  h.open(3, Protocol::relay, "/relay?name=alice");
  h.open(4, Protocol::native, "/ws?id=bob");
  h.open(5, Protocol::relay, "/relay?name=bob");
  auto native = h.send(4, R"({"type":"signal","to":"alice","data":1})");
  EXPECT_EQ(frames_for(native, 1).size(), 1u);
  EXPECT_TRUE(frames_for(native, 2).empty());
  EXPECT_TRUE(frames_for(native, 3).empty());
  auto relay = h.send(5, R"({"type":"offer","to":"alice"})");
  EXPECT_EQ(frames_for(relay, 3).size(), 1u);
  EXPECT_TRUE(frames_for(relay, 1).empty());
}

}  // namespace
}  // namespace iceway::signaling
