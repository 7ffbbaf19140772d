// The Engine.IO server session with time as a variable (nothing sleeps): the handshake, the
// heartbeat to the millisecond, polling (held GETs, the outgoing buffer, overlapping
// requests), the upgrade to WebSocket and every way a session ends. The scenarios follow
// docs/engine.io-protocol/v4-test-suite of the socket.io repository, which iceway must pass.
#include "signal/socketio/engineio_session.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace iceway::signaling::socketio {
namespace {

using std::chrono::milliseconds;

// The conformance suite's server: pingInterval 300, pingTimeout 200, maxPayload 1e6.
EngineSettings suite_settings() {
  EngineSettings settings;
  settings.ping_interval = milliseconds(300);
  settings.ping_timeout = milliseconds(200);
  settings.max_payload = 1'000'000;
  return settings;
}

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);

struct Polling {
  EngineSession session;
  EngineOutput handshake;
};

Polling open_polling(const EngineSettings& settings = suite_settings()) {
  auto [session, output] = EngineSession::accept(settings, EngineTransport::polling, "SID", kStart);
  return Polling{std::move(session), std::move(output)};
}

EngineSession open_websocket(const EngineSettings& settings = suite_settings()) {
  return EngineSession::accept(settings, EngineTransport::websocket, "SID", kStart).session;
}

std::vector<std::string> frame_texts(const EngineOutput& out) {
  std::vector<std::string> texts;
  for (const auto& frame : out.frames) texts.push_back(frame.data);
  return texts;
}

EngineOutput send_text(EngineSession& session, std::string_view text, TimePoint now) {
  const EnginePacket message{EnginePacketType::message, Encoding::text, text};
  return session.send(std::span(&message, 1), now);
}

// Replays the client's messages back to it, as the suite's echo server does.
EngineOutput echo(EngineSession& session, const EngineOutput& received, TimePoint now) {
  return session.send(received.messages, now);
}

class FixedRandom final : public RandomSource {
 public:
  explicit FixedRandom(std::uint8_t first) : next_(first) {}
  void fill(std::span<std::byte> out) override {
    for (auto& b : out) b = std::byte(next_++);
  }

 private:
  std::uint8_t next_;
};

TEST(EngineIoSession, PollingHandshakeAnswersTheOpenPacket) {
  const Polling polling = open_polling();
  ASSERT_TRUE(polling.handshake.reply);
  EXPECT_EQ(polling.handshake.reply->status, 200);
  EXPECT_EQ(polling.handshake.reply->body,
            R"(0{"sid":"SID","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000})");
  EXPECT_TRUE(polling.handshake.frames.empty());
  EXPECT_EQ(polling.session.next_deadline(), kStart + milliseconds(300));
}

TEST(EngineIoSession, WebSocketHandshakeSendsTheOpenPacketWithNoUpgrades) {
  auto [session, output] = EngineSession::accept(suite_settings(), EngineTransport::websocket, "SID", kStart);
  EXPECT_FALSE(output.reply);
  EXPECT_EQ(frame_texts(output),
            std::vector<std::string>{R"(0{"sid":"SID","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000})"});
  EXPECT_EQ(session.transport(), EngineTransport::websocket);
}

TEST(EngineIoSession, SessionIdsAreTwentyUrlSafeCharactersFromTheRandomSource) {
  FixedRandom first(0), second(1);
  const std::string a = new_session_id(first);
  const std::string b = new_session_id(second);
  EXPECT_EQ(a.size(), 20u);
  EXPECT_EQ(a, "AAECAwQFBgcICQoLDA0O");  // base64url of bytes 0..14
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
}

TEST(EngineIoSession, PostedPacketsAreEchoedOnTheNextPoll) {
  // Suite: "sends and receives a payload containing several plain text packets" and "...plain
  // text and binary packets".
  for (const std::string_view body : {"4hello", "4test1\x1e" "4test2\x1e" "4test3", "4hello\x1e" "bAQIDBA=="}) {
    SCOPED_TRACE(body);
    Polling polling = open_polling();
    EngineSession& session = polling.session;
    const TimePoint now = kStart + milliseconds(10);
    const EngineOutput posted = session.on_post(body, now);
    ASSERT_TRUE(posted.reply);
    EXPECT_EQ(posted.reply->status, 200);
    EXPECT_EQ(posted.reply->body, "ok");
    EXPECT_FALSE(posted.held_poll_body);  // nothing was waiting
    echo(session, posted, now);
    const EngineOutput polled = session.on_poll_request(now);
    ASSERT_TRUE(polled.reply);
    EXPECT_EQ(polled.reply->status, 200);
    EXPECT_EQ(polled.reply->body, body);
    EXPECT_EQ(session.buffered_bytes(), 0u);
  }
}

TEST(EngineIoSession, APollWithNothingToSayIsHeldUntilThereIs) {
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  const EngineOutput polled = session.on_poll_request(kStart);
  EXPECT_FALSE(polled.reply);
  EXPECT_TRUE(session.poll_held());
  const EngineOutput sent = send_text(session, "x", kStart + milliseconds(5));
  EXPECT_EQ(sent.held_poll_body, "4x");
  EXPECT_FALSE(session.poll_held());
  // The next message waits for the next GET.
  EXPECT_FALSE(send_text(session, "y", kStart + milliseconds(6)).held_poll_body);
  EXPECT_EQ(session.on_poll_request(kStart + milliseconds(7)).reply->body, "4y");
}

TEST(EngineIoSession, BinaryMessagesAreBase64InPollsAndRawOnWebSockets) {
  const std::string raw("\x01\x02\x03\x04", 4);
  const EnginePacket binary{EnginePacketType::message, Encoding::binary, raw};
  Polling polling = open_polling();
  polling.session.send(std::span(&binary, 1), kStart);
  EXPECT_EQ(polling.session.on_poll_request(kStart).reply->body, "bAQIDBA==");

  EngineSession websocket = open_websocket();
  const EngineOutput received = websocket.on_websocket_frame(raw, true, kStart);
  ASSERT_EQ(received.messages.size(), 1u);
  EXPECT_EQ(received.messages[0].encoding, Encoding::binary);
  const EngineOutput sent = echo(websocket, received, kStart);
  ASSERT_EQ(sent.frames.size(), 1u);
  EXPECT_TRUE(sent.frames[0].binary);
  EXPECT_EQ(sent.frames[0].data, raw);
}

TEST(EngineIoSession, InvalidPostClosesTheSession) {
  // Suite: "closes the session upon invalid packet format".
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  session.on_poll_request(kStart);
  const EngineOutput posted = session.on_post("abc", kStart);
  EXPECT_EQ(posted.reply->status, 400);
  EXPECT_EQ(posted.reply->body, "unknown packet type (at byte 0)");
  EXPECT_EQ(posted.closed, CloseReason::parse_error);
  EXPECT_EQ(posted.held_poll_body, "1");
  EXPECT_EQ(session.on_poll_request(kStart).reply->status, 400);
  EXPECT_FALSE(session.next_deadline());
}

TEST(EngineIoSession, SecondConcurrentGetClosesTheSession) {
  // Suite: "closes the session upon duplicate poll requests": the first GET gets "1", the
  // second 400, and the sid is gone.
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  EXPECT_FALSE(session.on_poll_request(kStart).reply);
  const EngineOutput second = session.on_poll_request(kStart + milliseconds(5));
  ASSERT_TRUE(second.reply);
  EXPECT_EQ(second.reply->status, 400);
  EXPECT_EQ(second.held_poll_body, "1");
  EXPECT_EQ(second.closed, CloseReason::poll_overlap);
  EXPECT_TRUE(session.is_closed());
  EXPECT_EQ(session.on_poll_request(kStart + milliseconds(6)).reply->status, 400);
}

TEST(EngineIoSession, SecondConcurrentPostClosesTheSession) {
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  EXPECT_FALSE(session.on_post_started(kStart).reply);
  const EngineOutput second = session.on_post_started(kStart);
  EXPECT_EQ(second.reply->status, 400);
  EXPECT_EQ(second.closed, CloseReason::post_overlap);
  // The first POST's body, arriving after, finds the session gone.
  EXPECT_EQ(session.on_post("4x", kStart).reply->status, 400);
}

TEST(EngineIoSession, SequentialPostsAreFine) {
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(session.on_post_started(kStart).reply);
    EXPECT_EQ(session.on_post("4x", kStart).reply->status, 200);
  }
  EXPECT_FALSE(session.is_closed());
}

TEST(EngineIoSession, AbortedPollClosesTheSession) {
  // Suite: "closes the session upon cancelled polling request".
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  session.on_poll_request(kStart);
  const EngineOutput aborted = session.on_poll_aborted(kStart + milliseconds(5));
  EXPECT_EQ(aborted.closed, CloseReason::transport_closed);
  EXPECT_FALSE(aborted.held_poll_body);  // nobody left to answer
  EXPECT_EQ(session.on_poll_request(kStart + milliseconds(6)).reply->status, 400);
}

TEST(EngineIoSession, PollingHeartbeatRunsOnPingInterval) {
  // Suite: "sends ping/pong packets" (HTTP long-polling), three rounds.
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  TimePoint now = kStart;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    EXPECT_FALSE(session.on_poll_request(now).reply);
    const TimePoint due = now + milliseconds(300);
    EXPECT_EQ(session.next_deadline(), due);
    EXPECT_FALSE(session.on_timer(due - milliseconds(1)).held_poll_body);
    const EngineOutput pinged = session.on_timer(due);
    EXPECT_EQ(pinged.held_poll_body, "2");
    EXPECT_EQ(session.next_deadline(), due + milliseconds(200));
    now = due + milliseconds(20);
    const EngineOutput ponged = session.on_post("3", now);
    EXPECT_EQ(ponged.reply->status, 200);
    EXPECT_FALSE(ponged.closed);
    EXPECT_EQ(session.next_deadline(), now + milliseconds(300));
  }
}

TEST(EngineIoSession, NoPongClosesExactlyAtIntervalPlusTimeout) {
  // Suite: "closes the session upon ping timeout": a client that never answers is gone
  // pingInterval + pingTimeout = 500 ms after the handshake, not a millisecond later or earlier.
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  EXPECT_FALSE(session.on_timer(kStart + milliseconds(300)).closed);
  EXPECT_EQ(session.next_deadline(), kStart + milliseconds(500));
  EXPECT_FALSE(session.on_timer(kStart + milliseconds(499)).closed);
  EXPECT_FALSE(session.is_closed());
  const EngineOutput timed_out = session.on_timer(kStart + milliseconds(500));
  EXPECT_EQ(timed_out.closed, CloseReason::ping_timeout);
  EXPECT_FALSE(session.next_deadline());
}

TEST(EngineIoSession, ARequestAtTheDeadlineFindsTheSessionClosedEvenIfNoTimerFired) {
  // The I/O layer's timer may run late; a GET arriving at 500 ms must still get 400.
  Polling polling = open_polling();
  const EngineOutput polled = polling.session.on_poll_request(kStart + milliseconds(500));
  EXPECT_EQ(polled.reply->status, 400);
  EXPECT_EQ(polled.closed, CloseReason::ping_timeout);
}

TEST(EngineIoSession, ALateTimerDoesNotStretchThePongTimeout) {
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  session.on_timer(kStart + milliseconds(450));  // the ping was due at 300
  EXPECT_EQ(session.next_deadline(), kStart + milliseconds(500));
  EXPECT_EQ(session.on_timer(kStart + milliseconds(500)).closed, CloseReason::ping_timeout);
}

TEST(EngineIoSession, OnlyAnAnsweredPingMovesTheSchedule) {
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  session.on_post("3", kStart + milliseconds(100));  // unasked pong: ignored
  EXPECT_EQ(session.next_deadline(), kStart + milliseconds(300));
}

TEST(EngineIoSession, WebSocketHeartbeatAndTimeout) {
  // Suite (WebSocket): "sends ping/pong packets", then "closes the session upon ping timeout".
  EngineSession session = open_websocket();
  TimePoint now = kStart;
  for (int round = 0; round < 3; ++round) {
    now += milliseconds(300);
    EXPECT_EQ(frame_texts(session.on_timer(now)), std::vector<std::string>{"2"});
    now += milliseconds(199);
    EXPECT_FALSE(session.on_websocket_frame("3", false, now).closed);
  }
  now += milliseconds(300);
  session.on_timer(now);
  const EngineOutput timed_out = session.on_timer(now + milliseconds(200));
  EXPECT_EQ(timed_out.closed, CloseReason::ping_timeout);
  EXPECT_TRUE(timed_out.close_websocket);
}

TEST(EngineIoSession, WebSocketEchoAndInvalidFrame) {
  EngineSession session = open_websocket();
  const EngineOutput received = session.on_websocket_frame("4hello", false, kStart);
  ASSERT_EQ(received.messages.size(), 1u);
  EXPECT_EQ(received.messages[0].data, "hello");
  EXPECT_EQ(frame_texts(echo(session, received, kStart)), std::vector<std::string>{"4hello"});
  const EngineOutput invalid = session.on_websocket_frame("abc", false, kStart);
  EXPECT_EQ(invalid.closed, CloseReason::parse_error);
  EXPECT_TRUE(invalid.close_websocket);
}

TEST(EngineIoSession, ClientClose) {
  // Suite: "forcefully closes the session": POST "1" answers the held GET with a noop.
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  session.on_poll_request(kStart);
  const EngineOutput closed = session.on_post("1", kStart);
  EXPECT_EQ(closed.reply->status, 200);
  EXPECT_EQ(closed.held_poll_body, "6");
  EXPECT_EQ(closed.closed, CloseReason::client_close);
  EXPECT_EQ(session.on_poll_request(kStart).reply->status, 400);

  EngineSession websocket = open_websocket();
  const EngineOutput ws_closed = websocket.on_websocket_frame("1", false, kStart);
  EXPECT_EQ(ws_closed.closed, CloseReason::client_close);
  EXPECT_TRUE(ws_closed.close_websocket);
}

TEST(EngineIoSession, PacketsAClientNeverSendsAreProtocolErrors) {
  for (const std::string_view frame : {"2", "0", "5"}) {
    SCOPED_TRACE(frame);
    EngineSession session = open_websocket();
    EXPECT_EQ(session.on_websocket_frame(frame, false, kStart).closed, CloseReason::protocol_error);
  }
  EngineSession session = open_websocket();
  EXPECT_FALSE(session.on_websocket_frame("6", false, kStart).closed);  // noop is harmless
}

TEST(EngineIoSession, FullUpgradeFromPolling) {
  // Suite: "successfully upgrades from HTTP long-polling to WebSocket", with a GET held across
  // the probe and a message sent while upgrading.
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  TimePoint now = kStart + milliseconds(10);
  EXPECT_FALSE(session.on_poll_request(now).reply);
  EXPECT_FALSE(session.on_websocket_open(now).reply);
  EXPECT_TRUE(session.upgrading());

  const EngineOutput probed = session.on_websocket_frame("2probe", false, now);
  EXPECT_EQ(frame_texts(probed), std::vector<std::string>{"3probe"});
  EXPECT_EQ(probed.held_poll_body, "6");  // the held GET is released with a noop
  // A GET during the upgrade gets a noop at once instead of being held.
  const EngineOutput polled = session.on_poll_request(now);
  ASSERT_TRUE(polled.reply);
  EXPECT_EQ(polled.reply->body, "6");

  EXPECT_TRUE(send_text(session, "queued", now).frames.empty());  // still polling: buffered
  const EngineOutput upgraded = session.on_websocket_frame("5", false, now);
  EXPECT_EQ(session.transport(), EngineTransport::websocket);
  EXPECT_FALSE(session.upgrading());
  EXPECT_EQ(frame_texts(upgraded), std::vector<std::string>{"4queued"});

  const EngineOutput received = session.on_websocket_frame("4hello", false, now);
  EXPECT_EQ(frame_texts(echo(session, received, now)), std::vector<std::string>{"4hello"});
  // Pings now go on the WebSocket.
  EXPECT_EQ(frame_texts(session.on_timer(kStart + milliseconds(300))), std::vector<std::string>{"2"});
}

TEST(EngineIoSession, AfterTheUpgradeStrayRequestsAreRefusedWithoutHarm) {
  // Suite: "ignores HTTP requests with same sid after upgrade" and "ignores WebSocket
  // connection with same sid after upgrade".
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  session.on_websocket_open(kStart);
  session.on_websocket_frame("2probe", false, kStart);
  session.on_websocket_frame("5", false, kStart);
  const EngineOutput get = session.on_poll_request(kStart);
  EXPECT_EQ(get.reply->status, 400);
  EXPECT_FALSE(get.closed);
  EXPECT_EQ(session.on_post("4x", kStart).reply->status, 400);
  // The second WebSocket is opened and closed, not refused over HTTP: the suites' clients take a
  // refused upgrade for an error.
  const EngineOutput second_websocket = session.on_websocket_open(kStart);
  EXPECT_FALSE(second_websocket.reply);
  EXPECT_TRUE(second_websocket.close_new_websocket);
  EXPECT_FALSE(second_websocket.close_websocket);  // the session's own WebSocket stays
  EXPECT_FALSE(session.is_closed());
  EXPECT_EQ(session.on_websocket_frame("4hello", false, kStart).messages.size(), 1u);
}

TEST(EngineIoSession, OneProbeAtATime) {
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  const EngineOutput probe = session.on_websocket_open(kStart);
  EXPECT_FALSE(probe.reply);
  EXPECT_FALSE(probe.close_new_websocket);
  const EngineOutput second_probe = session.on_websocket_open(kStart);
  EXPECT_FALSE(second_probe.reply);
  EXPECT_TRUE(second_probe.close_new_websocket);
  EXPECT_FALSE(second_probe.close_websocket);  // the first probe goes on
  EXPECT_FALSE(session.is_closed());
  EXPECT_EQ(session.on_websocket_frame("2probe", false, kStart).frames.at(0).data, "3probe");
  EngineSession websocket = open_websocket();
  EXPECT_TRUE(websocket.on_websocket_open(kStart).close_new_websocket);
}

TEST(EngineIoSession, AFailedProbeEndsTheProbeNotTheSession) {
  const struct {
    std::string_view name;
    std::vector<std::string_view> frames;
  } cases[] = {
      {"message instead of probe", {"4x"}},
      {"upgrade before probe", {"5"}},
      {"second probe", {"2probe", "2probe"}},
      {"garbage", {"abc"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Polling polling = open_polling();
    EngineSession& session = polling.session;
    session.on_websocket_open(kStart);
    EngineOutput last;
    for (const auto frame : c.frames) last = session.on_websocket_frame(frame, false, kStart);
    EXPECT_TRUE(last.close_websocket);
    EXPECT_FALSE(last.closed);
    EXPECT_EQ(session.transport(), EngineTransport::polling);
    EXPECT_FALSE(session.upgrading());
    EXPECT_FALSE(session.on_websocket_open(kStart).reply);  // may try again
  }
}

TEST(EngineIoSession, ProbeWebSocketClosingLeavesThePollingSession) {
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  session.on_websocket_open(kStart);
  session.on_websocket_frame("2probe", false, kStart);
  EXPECT_FALSE(session.on_websocket_closed(kStart).closed);
  EXPECT_FALSE(session.upgrading());
  EXPECT_FALSE(session.on_poll_request(kStart).reply);  // polling again, held as usual
}

TEST(EngineIoSession, UpgradeTimesOut) {
  EngineSettings settings = suite_settings();
  settings.ping_interval = milliseconds(60000);
  settings.upgrade_timeout = milliseconds(10000);
  Polling polling = open_polling(settings);
  EngineSession& session = polling.session;
  session.on_websocket_open(kStart);
  EXPECT_EQ(session.next_deadline(), kStart + milliseconds(10000));
  EXPECT_FALSE(session.on_timer(kStart + milliseconds(9999)).close_websocket);
  const EngineOutput expired = session.on_timer(kStart + milliseconds(10000));
  EXPECT_TRUE(expired.close_websocket);
  EXPECT_FALSE(expired.closed);
  EXPECT_EQ(session.next_deadline(), kStart + milliseconds(60000));
}

TEST(EngineIoSession, UpgradesCanBeDisabled) {
  EngineSettings settings = suite_settings();
  settings.allow_upgrades = false;
  Polling polling = open_polling(settings);
  EXPECT_NE(polling.handshake.reply->body.find(R"("upgrades":[])"), std::string::npos);
  EXPECT_EQ(polling.session.on_websocket_open(kStart).reply->status, 400);
}

TEST(EngineIoSession, MaxPayloadBoundsPostsAndFrames) {
  EngineSettings settings = suite_settings();
  settings.max_payload = 10;
  {
    Polling polling = open_polling(settings);
    EXPECT_EQ(polling.session.on_post("4" + std::string(9, 'x'), kStart).reply->status, 200);
    const EngineOutput over = polling.session.on_post("4" + std::string(10, 'x'), kStart);
    EXPECT_EQ(over.reply->status, 413);
    EXPECT_EQ(over.closed, CloseReason::payload_too_large);
  }
  {
    EngineSession websocket = open_websocket(settings);
    EXPECT_FALSE(websocket.on_websocket_frame(std::string(10, 'x'), true, kStart).closed);
    const EngineOutput over = websocket.on_websocket_frame(std::string(11, 'x'), true, kStart);
    EXPECT_EQ(over.closed, CloseReason::payload_too_large);
    EXPECT_TRUE(over.close_websocket);
  }
}

TEST(EngineIoSession, OutgoingBufferIsBounded) {
  // A client that stops polling cannot make the server hold more than max_buffered_bytes: each
  // packet counts its data and its type character.
  EngineSettings settings = suite_settings();
  settings.max_buffered_bytes = 10;
  Polling polling = open_polling(settings);
  EngineSession& session = polling.session;
  EXPECT_FALSE(send_text(session, "12345678", kStart).closed);  // 9 bytes
  EXPECT_FALSE(send_text(session, "", kStart).closed);          // 10: at the bound
  EXPECT_EQ(session.buffered_bytes(), 10u);
  const EngineOutput over = send_text(session, "", kStart);
  EXPECT_EQ(over.closed, CloseReason::send_buffer_full);
  EXPECT_EQ(session.buffered_bytes(), 0u);
}

TEST(EngineIoSession, PollingDropsTextThatWouldSplit) {
  Polling polling = open_polling();
  EngineSession& session = polling.session;
  const EngineOutput sent = send_text(session, "a\x1e" "1", kStart);
  EXPECT_EQ(sent.dropped, 1u);
  EXPECT_EQ(session.buffered_bytes(), 0u);
  EngineSession websocket = open_websocket();
  const EngineOutput ws_sent = send_text(websocket, "a\x1e" "1", kStart);
  EXPECT_EQ(ws_sent.dropped, 0u);
  EXPECT_EQ(frame_texts(ws_sent), std::vector<std::string>{"4a\x1e" "1"});
}

TEST(EngineIoSession, ServerClose) {
  Polling polling = open_polling();
  polling.session.on_poll_request(kStart);
  const EngineOutput closed = polling.session.close(kStart);
  EXPECT_EQ(closed.closed, CloseReason::server_close);
  EXPECT_EQ(closed.held_poll_body, "1");
  EXPECT_FALSE(polling.session.close(kStart).closed);  // once

  EngineSession websocket = open_websocket();
  const EngineOutput ws_closed = websocket.close(kStart);
  EXPECT_TRUE(ws_closed.close_websocket);
  EXPECT_TRUE(websocket.send(std::span<const EnginePacket>{}, kStart).frames.empty());
}

TEST(EngineIoSession, WebSocketGoingAwayEndsAWebSocketSession) {
  EngineSession websocket = open_websocket();
  const EngineOutput gone = websocket.on_websocket_closed(kStart);
  EXPECT_EQ(gone.closed, CloseReason::transport_closed);
  EXPECT_FALSE(gone.close_websocket);
}

}  // namespace
}  // namespace iceway::signaling::socketio
