// SignalServer in-process on 127.0.0.1:0, driven by real Beast WebSocket and HTTP clients over
// loopback. Not a unit test (it opens sockets and runs threads): labelled "io".
#include "signal/http/signal_server.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tests/common/self_signed_certificate.hpp"

namespace iceway::signaling {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using Json = nlohmann::json;
using namespace std::chrono_literals;

class StaticIceServers final : public IceServersProvider {
 public:
  Json ice_servers(std::string_view peer_id, UnixSeconds unix_now) override {
    return Json::array({{{"urls", "turn:127.0.0.1:3478"},
                         {"username", std::to_string(unix_now + 3600) + ":" + std::string(peer_id)},
                         {"credential", "x"}}});
  }
  std::chrono::seconds ttl() const override { return 3600s; }
};

// Reads on a client socket give up after this, so a missing frame fails the test instead of
// hanging it.
constexpr int kReadTimeoutSeconds = 5;

void set_read_timeout(int fd, int seconds) {
  timeval tv{seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

struct ClientOptions {
  std::string origin;
  int receive_buffer = 0;  // bytes; 0 = default
};

// A synchronous WebSocket client over plain TCP.
class WsClient {
 public:
  WsClient(std::uint16_t port, const std::string& target, ClientOptions options = {}) : ws_(context_) {
    auto& socket = ws_.next_layer();
    socket.open(tcp::v4());
    if (options.receive_buffer > 0) socket.set_option(net::socket_base::receive_buffer_size(options.receive_buffer));
    socket.connect({net::ip::make_address("127.0.0.1"), port});
    set_read_timeout(socket.native_handle(), kReadTimeoutSeconds);
    if (!options.origin.empty()) {
      ws_.set_option(websocket::stream_base::decorator(
          [origin = options.origin](websocket::request_type& request) { request.set(http::field::origin, origin); }));
    }
    ws_.handshake(response_, "127.0.0.1:" + std::to_string(port), target, error_);
  }

  bool upgraded() const { return !error_; }

  void send(std::string_view text) { ws_.write(net::buffer(text.data(), text.size())); }
  void send_json(const Json& message) { send(message.dump()); }

  // The next frame as JSON; nullopt if the connection ended (see close_code()).
  std::optional<Json> read() {
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws_.read(buffer, ec);
    if (ec) {
      error_ = ec;
      return std::nullopt;
    }
    return Json::parse(beast::buffers_to_string(buffer.data()));
  }

  Json expect() {
    auto frame = read();
    EXPECT_TRUE(frame) << "no frame: " << error_.message();
    return frame.value_or(Json());
  }

  // After read() returned nullopt: the close code the server sent (0 if none).
  unsigned close_code() const { return ws_.reason().code; }
  const beast::error_code& error() const { return error_; }
  void close() {
    beast::error_code ignored;
    ws_.close(websocket::close_code::normal, ignored);
  }
  tcp::socket& socket() { return ws_.next_layer(); }

 private:
  net::io_context context_;
  websocket::stream<tcp::socket> ws_;
  websocket::response_type response_;
  beast::error_code error_;
};

struct HttpResult {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  http::response<http::string_body> raw;
};

HttpResult http_get(std::uint16_t port, const std::string& target, http::verb verb = http::verb::get) {
  net::io_context context;
  tcp::socket socket(context);
  socket.connect({net::ip::make_address("127.0.0.1"), port});
  set_read_timeout(socket.native_handle(), kReadTimeoutSeconds);
  http::request<http::empty_body> request{verb, target, 11};
  request.set(http::field::host, "127.0.0.1");
  http::write(socket, request);
  beast::flat_buffer buffer;
  HttpResult result;
  http::response_parser<http::string_body> parser;
  parser.skip(verb == http::verb::head);
  http::read(socket, buffer, parser);
  result.raw = parser.release();
  result.status = result.raw.result_int();
  result.content_type = std::string(result.raw[http::field::content_type]);
  result.body = result.raw.body();
  return result;
}

// The status of a WebSocket upgrade request, sent by hand (Beast's client does not hand back
// the response of a refused handshake).
unsigned upgrade_status(std::uint16_t port, const std::string& target, const std::string& origin = "") {
  net::io_context context;
  tcp::socket socket(context);
  socket.connect({net::ip::make_address("127.0.0.1"), port});
  set_read_timeout(socket.native_handle(), kReadTimeoutSeconds);
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::upgrade, "websocket");
  request.set(http::field::connection, "Upgrade");
  request.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  request.set(http::field::sec_websocket_version, "13");
  if (!origin.empty()) request.set(http::field::origin, origin);
  http::write(socket, request);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.skip(true);  // a 101 has no body; the others' bodies do not matter here
  http::read_header(socket, buffer, parser);
  return parser.get().result_int();
}

// A throwaway self-signed certificate for 127.0.0.1.
std::shared_ptr<ssl::context> make_tls_context() {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  iceway::testing::use_self_signed_certificate(context->native_handle(), "127.0.0.1");
  return context;
}

// The server on one thread, as app/ runs it.
class SignalServerTest : public ::testing::Test {
 protected:
  void start(Settings settings = {}, std::shared_ptr<ssl::context> tls = nullptr) {
    settings.listen = *Endpoint::parse("127.0.0.1:0");
    server_ = std::make_unique<SignalServer>(context_, settings, ice_servers_);
    server_->add_route("/api/v1/ice-servers", [](const HttpRequest& request) {
      return HttpResponse{200, "application/json", Json{{"path", request.path}, {"target", request.target}}.dump(), {}};
    });
    port_ = server_->start(settings.listen, std::move(tls)).port;
    thread_ = std::thread([this] { context_.run(); });
  }

  // The shutdown app/ does: no new connections, 1001 to everyone, timers off, then let every
  // context run out of work, so no pending handler outlives the objects it refers to.
  void TearDown() override {
    if (server_) {
      server_->stop_accepting();
      server_->close_all();
      server_->stop();
    }
    guard_.reset();
    const bool drained = eventually([&] { return context_.stopped(); }, 15000ms);
    EXPECT_TRUE(drained) << "sessions still running after close_all";
    context_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  // Polls `condition` every 10 ms for at most `limit`.
  template <class Condition>
  bool eventually(Condition condition, std::chrono::milliseconds limit = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return condition();
  }

  std::int64_t active(Protocol protocol) { return server_->counters().connections_active[index(protocol)].value(); }

  net::io_context context_;
  net::executor_work_guard<net::io_context::executor_type> guard_ = net::make_work_guard(context_);
  StaticIceServers ice_servers_;
  std::unique_ptr<SignalServer> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

TEST_F(SignalServerTest, NativeTwoPeerCallAndPresence) {
  Settings settings;
  settings.anonymous_credentials = true;  // the welcome below carries credentials without a token
  start(settings);
  WsClient alice(port_, "/ws?id=alice");
  WsClient bob(port_, "/ws?id=bob");
  ASSERT_TRUE(alice.upgraded() && bob.upgraded());
  Json welcome = alice.expect();
  EXPECT_EQ(welcome["type"], "welcome");
  EXPECT_EQ(welcome["id"], "alice");
  EXPECT_EQ(welcome["ttl"], 3600);
  EXPECT_NE(welcome["iceServers"][0]["username"].get<std::string>().find(":alice"), std::string::npos);
  EXPECT_EQ(bob.expect()["id"], "bob");

  alice.send(R"({"type":"join","room":"call","ref":1})");
  EXPECT_EQ(alice.expect(), Json::parse(R"({"type":"joined","room":"call","peers":[],"ref":1})"));
  bob.send(R"({"type":"join","room":"call","ref":1})");
  EXPECT_EQ(bob.expect()["peers"], Json::array({"alice"}));
  EXPECT_EQ(alice.expect(), Json::parse(R"({"type":"peer-joined","room":"call","id":"bob"})"));

  // Offer, answer, candidates, hang-up; alice's candidates keep their order.
  alice.send_json(Json{{"type", "signal"}, {"to", "bob"}, {"data", {{"type", "offer"}, {"sdp", "v=0 offer"}}}});
  EXPECT_EQ(bob.expect(), Json::parse(R"({"type":"signal","from":"alice","data":{"type":"offer","sdp":"v=0 offer"}})"));
  bob.send_json(Json{{"type", "signal"}, {"to", "alice"}, {"data", {{"type", "answer"}, {"sdp", "v=0 answer"}}}});
  EXPECT_EQ(alice.expect()["data"]["type"], "answer");
  for (int i = 0; i < 20; ++i) {
    alice.send_json(Json{{"type", "signal"}, {"to", "bob"}, {"data", {{"candidate", "candidate:" + std::to_string(i)}}}});
  }
  for (int i = 0; i < 20; ++i) EXPECT_EQ(bob.expect()["data"]["candidate"], "candidate:" + std::to_string(i));
  alice.send(R"({"type":"signal","to":"bob","data":{"type":"hangup"}})");
  EXPECT_EQ(bob.expect()["data"]["type"], "hangup");

  alice.send(R"({"type":"signal","to":"carol","data":1,"ref":"x"})");
  Json error = alice.expect();
  EXPECT_EQ(error["code"], "peer-unavailable");
  EXPECT_EQ(error["ref"], "x");

  bob.close();
  EXPECT_EQ(alice.expect(), Json::parse(R"({"type":"peer-left","room":"call","id":"bob"})"));
  EXPECT_TRUE(eventually([&] { return active(Protocol::native) == 1; }));
}

TEST_F(SignalServerTest, IdTakenIsRefusedWithErrorAndClose) {
  start();
  WsClient first(port_, "/ws?id=alice");
  first.expect();
  WsClient second(port_, "/ws?id=alice");
  EXPECT_EQ(second.expect()["code"], "id-taken");
  EXPECT_FALSE(second.read());
  EXPECT_EQ(second.close_code(), 1008u);
}

TEST_F(SignalServerTest, PeerJsSocketAndRestMatchTheReference) {
  start();
  auto info = http_get(port_, "/peerjs/");
  EXPECT_EQ(info.status, 200u);
  EXPECT_EQ(Json::parse(info.body)["name"], "PeerJS Server");
  EXPECT_EQ(http_get(port_, "/peerjs").status, 200u);
  auto id = http_get(port_, "/peerjs/peerjs/id?ts=123&version=1.5.4");
  EXPECT_EQ(id.status, 200u);
  EXPECT_EQ(id.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(id.body.size(), 36u);
  EXPECT_EQ(id.raw["Access-Control-Allow-Origin"], "*");
  EXPECT_EQ(http_get(port_, "/peerjs/peerjs/peers").status, 401u);

  WsClient alice(port_, "/peerjs/peerjs?key=peerjs&id=" + id.body + "&token=t1&version=1.5.4");
  EXPECT_EQ(alice.expect(), Json::parse(R"({"type":"OPEN"})"));
  // An OFFER and candidates for bob before bob exists are queued and arrive right after bob's
  // OPEN, in the order sent: the Hub hands one Outbox's frames for a receiver over in order.
  alice.send(R"({"type":"OFFER","dst":"bob","payload":{"connectionId":"dc_1","type":"data","sdp":{"type":"offer"}}})");
  alice.send(R"({"type":"CANDIDATE","dst":"bob","payload":{"connectionId":"dc_1","candidate":{"n":1}}})");
  alice.send(R"({"type":"CANDIDATE","dst":"bob","payload":{"connectionId":"dc_1","candidate":{"n":2}}})");
  // alice's next frame is read only after the previous one was handled, so once this HEARTBEAT
  // is counted, all three are queued.
  alice.send(R"({"type":"HEARTBEAT"})");
  ASSERT_TRUE(eventually([&] { return server_->counters().message_count(Protocol::peerjs, peerjs_type::heartbeat) >= 1; }));
  WsClient bob(port_, "/peerjs/peerjs?key=peerjs&id=bob&token=t2");
  EXPECT_EQ(bob.expect(), Json::parse(R"({"type":"OPEN"})"));
  Json offer = bob.expect();
  EXPECT_EQ(offer["type"], "OFFER");
  EXPECT_EQ(offer["src"], id.body);
  EXPECT_EQ(bob.expect()["payload"]["candidate"]["n"], 1);
  EXPECT_EQ(bob.expect()["payload"]["candidate"]["n"], 2);
  bob.send_json(Json{{"type", "ANSWER"}, {"dst", id.body}, {"payload", {{"connectionId", "dc_1"}}}});
  EXPECT_EQ(alice.expect()["type"], "ANSWER");

  WsClient thief(port_, "/peerjs/peerjs?key=peerjs&id=bob&token=other");
  EXPECT_EQ(thief.expect(), Json::parse(R"({"type":"ID-TAKEN","payload":{"msg":"ID is taken"}})"));
  EXPECT_FALSE(thief.read());
  WsClient wrong_key(port_, "/peerjs/peerjs?key=nope&id=x&token=t");
  EXPECT_EQ(wrong_key.expect()["payload"]["msg"], "Invalid key provided");
}

TEST_F(SignalServerTest, RelayAndYjs) {
  start();
  WsClient alice(port_, "/relay?name=alice");
  WsClient bob(port_, "/relay?name=bob");
  ASSERT_TRUE(eventually([&] { return active(Protocol::relay) == 2; }));
  alice.send(R"({"type":"offer","toUser":"bob","offer":"sdp"})");
  EXPECT_EQ(bob.expect(), Json::parse(R"({"type":"offer","toUser":"bob","offer":"sdp","from":"alice","fromUser":"alice"})"));
  alice.send(R"({"type":"offer","to":"nobody"})");
  EXPECT_EQ(alice.expect()["target"], "nobody");

  WsClient doc1(port_, "/yjs");
  WsClient doc2(port_, "/yjs");
  doc1.send(R"({"type":"subscribe","topics":["doc"]})");
  doc2.send(R"({"type":"subscribe","topics":["doc"]})");
  doc2.send(R"({"type":"ping"})");
  EXPECT_EQ(doc2.expect()["type"], "pong");  // after the subscribe, since one connection is ordered
  doc1.send(R"({"type":"publish","topic":"doc","data":"hello"})");
  EXPECT_EQ(doc1.expect()["clients"], 2);
  EXPECT_EQ(doc2.expect()["data"], "hello");
}

TEST_F(SignalServerTest, HttpRoutesStaticSdkAndErrors) {
  start();
  auto sdk = http_get(port_, "/sdk/iceway.js");
  EXPECT_EQ(sdk.status, 200u);
  EXPECT_EQ(sdk.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(sdk.body.find("export class IcewayClient"), std::string::npos);
  auto head = http_get(port_, "/sdk/iceway.js", http::verb::head);
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.raw[http::field::content_length], std::to_string(sdk.body.size()));

  auto api = http_get(port_, "/api/v1/ice-servers?user=alice");
  EXPECT_EQ(api.status, 200u);
  EXPECT_EQ(Json::parse(api.body)["path"], "/api/v1/ice-servers");
  EXPECT_EQ(Json::parse(api.body)["target"], "/api/v1/ice-servers?user=alice");

  auto plain_ws = http_get(port_, "/ws");
  EXPECT_EQ(plain_ws.status, 426u);
  EXPECT_EQ(http_get(port_, "/nothing-here").status, 404u);
  EXPECT_EQ(http_get(port_, "/api/v1/ice-serverz").status, 404u);

  EXPECT_EQ(upgrade_status(port_, "/not-a-socket"), 404u);
  EXPECT_EQ(upgrade_status(port_, "/ws?id=x"), 101u);
}

// The demo pages (web/, embedded): the call page at "/", the ICE test at /ice-test, their script
// and style under /demo/, each referring to the others by relative paths that resolve here.
TEST_F(SignalServerTest, DemoPagesAndTheirAssetsAreServed) {
  start();
  struct Case {
    std::string path;
    std::string content_type;
    std::string must_contain;
  };
  const std::vector<Case> cases = {
      {"/", "text/html; charset=utf-8", "src=\"demo/call.js\""},
      {"/ice-test", "text/html; charset=utf-8", "src=\"demo/ice-test.js\""},
      {"/demo/call.js", "text/javascript; charset=utf-8", "from \"../sdk/iceway.js\""},
      {"/demo/ice-test.js", "text/javascript; charset=utf-8", "from \"../sdk/iceway.js\""},
      {"/demo/style.css", "text/css; charset=utf-8", ":root"},
  };
  for (const auto& test_case : cases) {
    SCOPED_TRACE(test_case.path);
    auto page = http_get(port_, test_case.path);
    EXPECT_EQ(page.status, 200u);
    EXPECT_EQ(page.content_type, test_case.content_type);
    EXPECT_NE(page.body.find(test_case.must_contain), std::string::npos);
    // Nothing from another host: the pages must work on a server without Internet access, so no
    // attribute, import, string or CSS url() holds an absolute or protocol-relative URL. (A bare
    // "https:" is fine: the pages compare location.protocol with it.)
    for (std::string_view absolute : {"\"http://", "\"https://", "'http://", "'https://", "(http://", "(https://",
                                      "`http://", "`https://", "\"//", "'//", "(//", "@import"}) {
      EXPECT_EQ(page.body.find(absolute), std::string::npos) << absolute;
    }
    auto head = http_get(port_, test_case.path, http::verb::head);
    EXPECT_EQ(head.status, 200u);
    EXPECT_EQ(head.raw[http::field::content_length], std::to_string(page.body.size()));
  }
  // The query string of a shared link does not change the page.
  EXPECT_EQ(http_get(port_, "/?room=r1&name=alice").body, http_get(port_, "/").body);
  EXPECT_EQ(http_get(port_, "/ice-test/").status, 404u);
  EXPECT_EQ(http_get(port_, "/demo/").status, 404u);
  EXPECT_EQ(http_get(port_, "/", http::verb::post).status, 405u);
}

// A PeerJS path of "/" routes everything below it to PeerJS, but not the pages.
TEST_F(SignalServerTest, DemoPagesSurviveAPeerJsPathOfSlash) {
  Settings settings;
  settings.peerjs_path = "/";
  start(settings);
  EXPECT_NE(http_get(port_, "/").body.find("demo/call.js"), std::string::npos);
  EXPECT_NE(http_get(port_, "/ice-test").body.find("demo/ice-test.js"), std::string::npos);
  EXPECT_EQ(http_get(port_, "/peerjs/id").status, 200u);
}

// An operator's static_dir replaces a built-in page with a file of the same path (index.html for
// "/") and adds its other files; pages it does not replace stay built in.
TEST_F(SignalServerTest, StaticDirOverridesAndExtendsTheDemoPages) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("iceway-static-" + std::to_string(::getpid()) + "-" + std::to_string(port_));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "index.html") << "<p>our own front page</p>";
  std::ofstream(dir / "extra.txt") << "extra";
  Settings settings;
  settings.static_dir = dir.string();
  start(settings);
  auto front = http_get(port_, "/");
  EXPECT_EQ(front.status, 200u);
  EXPECT_EQ(front.body, "<p>our own front page</p>");
  EXPECT_EQ(front.content_type, "text/html; charset=utf-8");
  EXPECT_NE(http_get(port_, "/ice-test").body.find("demo/ice-test.js"), std::string::npos);
  EXPECT_EQ(http_get(port_, "/extra.txt").body, "extra");
  EXPECT_NE(http_get(port_, "/demo/call.js").body.find("IcewayClient"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_F(SignalServerTest, OriginAllowList) {
  Settings settings;
  settings.allowed_origins = {"https://app.example"};
  start(settings);
  WsClient allowed(port_, "/ws", {"https://app.example"});
  EXPECT_TRUE(allowed.upgraded());
  WsClient foreign(port_, "/ws", {"https://evil.example"});
  EXPECT_FALSE(foreign.upgraded());
  EXPECT_EQ(upgrade_status(port_, "/ws", "https://evil.example"), 403u);
  EXPECT_EQ(upgrade_status(port_, "/ws", "https://app.example"), 101u);
  WsClient no_origin(port_, "/ws");  // not a browser page
  EXPECT_TRUE(no_origin.upgraded());
  // Each refusal is counted (iceway_signal_errors_total{code="origin-not-allowed"}); nothing else is.
  EXPECT_EQ(server_->counters().error_count(ErrorCode::origin_not_allowed), 2u);
  EXPECT_EQ(server_->counters().error_count(ErrorCode::unauthorized), 0u);
}

TEST_F(SignalServerTest, TlsAndPlainOnOnePort) {
  start({}, make_tls_context());
  WsClient plain(port_, "/ws?id=plain");
  EXPECT_EQ(plain.expect()["id"], "plain");

  net::io_context context;
  ssl::context client_tls(ssl::context::tls_client);
  client_tls.set_verify_mode(ssl::verify_none);
  websocket::stream<beast::ssl_stream<tcp::socket>> secure(context, client_tls);
  beast::get_lowest_layer(secure).connect({net::ip::make_address("127.0.0.1"), port_});
  set_read_timeout(beast::get_lowest_layer(secure).native_handle(), kReadTimeoutSeconds);
  secure.next_layer().handshake(ssl::stream_base::client);
  secure.handshake("127.0.0.1", "/ws?id=secure");
  beast::flat_buffer buffer;
  secure.read(buffer);
  EXPECT_EQ(Json::parse(beast::buffers_to_string(buffer.data()))["id"], "secure");
  secure.write(net::buffer(std::string(R"({"type":"signal","to":"plain","data":"over tls"})")));
  EXPECT_EQ(plain.expect()["data"], "over tls");
}

TEST_F(SignalServerTest, FramesOverTheLimitAreAnsweredAndFarOverItClose) {
  Settings settings;
  settings.max_frame_bytes = 1024;
  start(settings);
  WsClient client(port_, "/ws?id=big");
  client.expect();
  client.send(R"({"type":"ping","pad":")" + std::string(1100, 'x') + R"("})");
  EXPECT_EQ(client.expect()["code"], "too-large");
  client.send(R"({"type":"ping","ref":2})");
  EXPECT_EQ(client.expect()["ref"], 2);
  client.send(std::string(4096, ' '));  // beyond twice the limit: the WebSocket layer closes
  EXPECT_FALSE(client.read());
  EXPECT_EQ(client.close_code(), 1009u);
}

TEST_F(SignalServerTest, RateLimitAnswersRateLimited) {
  Settings settings;
  settings.messages_per_second = 1;
  settings.message_burst = 2;
  start(settings);
  WsClient client(port_, "/ws?id=fast");
  client.expect();
  for (int i = 0; i < 3; ++i) client.send(R"({"type":"ping"})");
  EXPECT_EQ(client.expect()["type"], "pong");
  EXPECT_EQ(client.expect()["type"], "pong");
  EXPECT_EQ(client.expect()["code"], "rate-limited");
}

TEST_F(SignalServerTest, ConnectionsPerAddressCapped) {
  Settings settings;
  settings.max_connections_per_ip = 2;
  start(settings);
  WsClient one(port_, "/ws");
  WsClient two(port_, "/yjs");
  ASSERT_TRUE(eventually([&] { return active(Protocol::native) == 1 && active(Protocol::yjs) == 1; }));
  WsClient three(port_, "/ws");
  EXPECT_EQ(three.expect()["code"], "too-many-connections");
  EXPECT_FALSE(three.read());
  EXPECT_EQ(three.close_code(), 1013u);
}

TEST_F(SignalServerTest, SlowReaderIsClosedWith1008) {
  Settings settings;
  settings.max_send_queue_bytes = 64 * 1024;
  settings.messages_per_second = 100000;
  settings.message_burst = 100000;
  start(settings);
  WsClient sender(port_, "/ws?id=sender");
  WsClient slow(port_, "/ws?id=slow", {"", 4096});
  sender.expect();
  const std::string payload(30'000, 'p');
  // Enough to fill the kernel buffers and then the 64 KiB queue; bounded in count and time.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  int sent = 0;
  while (server_->counters().error_count(ErrorCode::slow_reader) == 0 && sent < 2000 &&
         std::chrono::steady_clock::now() < deadline) {
    sender.send_json(Json{{"type", "signal"}, {"to", "slow"}, {"data", payload}});
    ++sent;
  }
  EXPECT_TRUE(eventually([&] { return server_->counters().error_count(ErrorCode::slow_reader) == 1; }));
  // The slow client finally reads what the kernel buffered, then the connection ends.
  int frames = 0;
  while (slow.read() && frames < 5000) ++frames;
  EXPECT_GT(frames, 0);
  EXPECT_EQ(slow.close_code(), 1008u) << slow.error().message();
  EXPECT_TRUE(eventually([&] { return active(Protocol::native) == 1; }));
}

TEST_F(SignalServerTest, BacklogForASlowReaderArrivesWholeAndInOrder) {
  Settings settings;
  settings.max_send_queue_bytes = 64 * 1024 * 1024;
  settings.messages_per_second = 100000;
  settings.message_burst = 100000;
  start(settings);
  WsClient sender(port_, "/ws?id=sender");
  WsClient slow(port_, "/ws?id=slow", {"", 4096});
  sender.expect();
  slow.expect();
  // 12 MB, more than loopback's socket buffers hold, so most of it waits in the session's queue
  // and the queue is written while it is still being filled and read.
  const std::string pad(30'000, 'p');
  constexpr int kFrames = 400;
  for (int i = 0; i < kFrames; ++i) {
    sender.send_json(Json{{"type", "signal"}, {"to", "slow"}, {"data", {{"seq", i}, {"pad", pad}}}});
  }
  for (int i = 0; i < kFrames; ++i) {
    auto frame = slow.read();
    ASSERT_TRUE(frame) << "frame " << i << ": " << slow.error().message();
    ASSERT_EQ((*frame)["data"]["seq"], i);
  }
  EXPECT_EQ(server_->counters().error_count(ErrorCode::slow_reader), 0u);
}

TEST_F(SignalServerTest, SilentPeerIsPingedThenDropped) {
  Settings settings;
  settings.ping_interval = 1s;
  settings.idle_timeout = 2s;
  start(settings);
  // A client that answers pings (the Beast client pongs while it reads) stays...
  WsClient lively(port_, "/ws?id=lively");
  lively.expect();
  std::optional<Json> lively_frame;
  std::thread reader([&] { lively_frame = lively.read(); });
  // ...one that never reads never pongs, and is gone after idle_timeout.
  WsClient silent(port_, "/ws?id=silent");
  silent.expect();
  const auto connected = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually([&] { return active(Protocol::native) == 1; }, 4000ms));
  EXPECT_GE(std::chrono::steady_clock::now() - connected, 1900ms);
  // The drop is counted (iceway_signal_errors_total{code="idle-timeout"}), once.
  EXPECT_EQ(server_->counters().error_count(ErrorCode::idle_timeout), 1u);
  // Three seconds of nothing but pings later, lively still gets a message.
  std::this_thread::sleep_until(connected + 3s);
  WsClient other(port_, "/ws?id=other");
  other.expect();
  other.send(R"({"type":"signal","to":"lively","data":"still here?"})");
  reader.join();
  ASSERT_TRUE(lively_frame);
  EXPECT_EQ((*lively_frame)["data"], "still here?");
}

TEST_F(SignalServerTest, CloseAllSays1001) {
  start();
  WsClient client(port_, "/ws?id=a");
  client.expect();
  server_->stop_accepting();
  server_->close_all();
  EXPECT_FALSE(client.read());
  EXPECT_EQ(client.close_code(), 1001u);
}

}  // namespace
}  // namespace iceway::signaling

namespace iceway::signaling {
namespace {

// The admin listener's use: HttpServer alone, routes only, no signaling.
TEST(HttpServerAlone, ServesRoutesWithoutSignaling) {
  net::io_context context;
  Settings settings;
  auto server = std::make_unique<HttpServer>(context, settings);
  server->add_route("/healthz", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "ok\n", {}}; });
  server->add_async_route("/metrics", [](const HttpRequest& request, HttpResponder respond) {
    // Answered from another thread, as a collector on its own executor would.
    std::thread([respond, method = request.method] { respond({200, "text/plain; version=0.0.4", method, {}}); })
        .detach();
  });
  const auto port = server->listen(*Endpoint::parse("127.0.0.1:0")).port;
  EXPECT_THROW(server->add_route("/late", {}), std::logic_error);
  std::thread runner([&] { context.run(); });
  EXPECT_EQ(http_get(port, "/healthz").body, "ok\n");
  EXPECT_EQ(http_get(port, "/metrics").body, "GET");
  EXPECT_EQ(http_get(port, "/ws").status, 404u);  // no WebSocket routes here
  EXPECT_EQ(upgrade_status(port, "/ws"), 404u);
  server->stop_accepting();
  // Sessions end when their clients close (each http_get closed its socket): run out of work.
  runner.join();
  server.reset();
}

}  // namespace
}  // namespace iceway::signaling
