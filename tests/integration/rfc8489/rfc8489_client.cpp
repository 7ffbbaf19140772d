// An RFC 8489 TURN client built on iceway's own STUN codec, for tests/integration/
// turn_rfc8489.test.mjs: against the running iceway binary over UDP, TCP or TLS it
//   1. sends an unauthenticated Allocate and checks the 401: NONCE starts with the cookie
//      "obMatJos2" and the "password algorithms" bit, PASSWORD-ALGORITHMS lists SHA-256 and MD5;
//   2. Allocates with USERHASH (no USERNAME), the echoed PASSWORD-ALGORITHMS, PASSWORD-ALGORITHM
//      SHA-256 and MESSAGE-INTEGRITY-SHA256, and checks the success answer carries a full
//      MESSAGE-INTEGRITY-SHA256 that verifies with the SHA-256 key (and no MESSAGE-INTEGRITY);
//   3. Refreshes the same way, same checks;
//   4. tries a bid-down: PASSWORD-ALGORITHM without PASSWORD-ALGORITHMS, which must be 400;
//   5. deletes the allocation (Refresh LIFETIME 0).
// Prints one line per step and exits 0 when every check held, 1 otherwise.
// Usage: rfc8489_client udp|tcp|tls HOST PORT USERNAME PASSWORD REALM
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "stun/attributes.hpp"
#include "stun/integrity.hpp"
#include "stun/message_builder.hpp"

using namespace iceway;
using namespace iceway::stun;

namespace {

constexpr int kTimeoutMs = 3000;
constexpr int kAttempts = 4;  // UDP retransmissions

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "FAIL: %s\n", why.c_str());
  std::exit(1);
}

class Connection {
 public:
  Connection(const std::string& transport, const std::string& host, int port) : transport_(transport) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) fail("bad IPv4 host " + host);
    fd_ = socket(AF_INET, transport == "udp" ? SOCK_DGRAM : SOCK_STREAM, 0);
    if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("connect");
    if (transport == "tls") {
      context_ = SSL_CTX_new(TLS_client_method());
      ssl_ = SSL_new(context_);  // a test certificate: no verification, the test is about STUN
      SSL_set_fd(ssl_, fd_);
      if (SSL_connect(ssl_) != 1) fail("TLS handshake");
    }
  }
  ~Connection() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (context_ != nullptr) SSL_CTX_free(context_);
    close(fd_);
  }

  // Sends `request` and returns the answer with the same transaction id.
  std::vector<std::byte> exchange(ByteSpan request) {
    const int attempts = transport_ == "udp" ? kAttempts : 1;
    for (int attempt = 0; attempt < attempts; ++attempt) {
      send_all(request);
      while (auto answer = receive()) {
        if (answer->size() >= kHeaderSize && std::memcmp(answer->data() + 8, request.data() + 8, 12) == 0) {
          return *answer;
        }
      }
    }
    fail("no answer");
  }

 private:
  void send_all(ByteSpan bytes) {
    if (ssl_ != nullptr) {
      if (SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) != static_cast<int>(bytes.size())) fail("TLS write");
      return;
    }
    if (::send(fd_, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) fail("send");
  }

  bool readable() {
    if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return true;
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, kTimeoutMs) == 1;
  }

  // Exactly `size` bytes of the stream, or false on timeout or close.
  bool read_exact(std::byte* out, std::size_t size) {
    std::size_t got = 0;
    while (got < size) {
      if (!readable()) return false;
      const long n = ssl_ != nullptr ? SSL_read(ssl_, out + got, static_cast<int>(size - got))
                                     : ::recv(fd_, out + got, size - got, 0);
      if (n <= 0) return false;
      got += static_cast<std::size_t>(n);
    }
    return true;
  }

  std::optional<std::vector<std::byte>> receive() {
    if (transport_ == "udp") {
      if (!readable()) return std::nullopt;
      std::vector<std::byte> datagram(65536);
      const ssize_t n = ::recv(fd_, datagram.data(), datagram.size(), 0);
      if (n <= 0) return std::nullopt;
      datagram.resize(static_cast<std::size_t>(n));
      return datagram;
    }
    std::vector<std::byte> message(kHeaderSize);
    if (!read_exact(message.data(), kHeaderSize)) return std::nullopt;
    const std::size_t length = (std::to_integer<std::size_t>(message[2]) << 8) | std::to_integer<std::size_t>(message[3]);
    message.resize(kHeaderSize + length);
    if (!read_exact(message.data() + kHeaderSize, length)) return std::nullopt;
    return message;
  }

  std::string transport_;
  int fd_ = -1;
  SSL_CTX* context_ = nullptr;
  SSL* ssl_ = nullptr;
};

TransactionId fresh_id() {
  static std::mt19937 random{std::random_device{}()};
  TransactionId id;
  for (auto& b : id.bytes) b = static_cast<std::byte>(random() & 0xFF);
  return id;
}

struct Signed {
  enum class Algorithms { echo, omit };
  Algorithms algorithms = Algorithms::echo;
};

struct Client {
  Connection& connection;
  std::string username, password, realm, nonce;
  std::vector<std::byte> offered;  // PASSWORD-ALGORITHMS from the last challenge, as sent

  LongTermKeySha256 key() const { return long_term_key_sha256(username, realm, password); }

  MessageView parsed(const std::vector<std::byte>& bytes) {
    auto view = MessageView::parse(bytes);
    if (!view) fail("answer does not parse");
    return view.value();
  }

  std::optional<std::uint16_t> code(const MessageView& answer) {
    const auto error = answer.get<ErrorCodeAttribute>();
    if (!error || !error.value()) return std::nullopt;
    return error.value()->code;
  }

  // Step 1: the challenge.
  void challenge(Method method) {
    std::array<std::byte, 512> buffer;
    MessageBuilder builder(buffer);
    builder.start({method, Class::request}, fresh_id()).add(RequestedTransport{});
    const auto bytes = builder.add_fingerprint().finish();
    if (!bytes) fail("build");
    const auto answer_bytes = connection.exchange(bytes.value());
    const MessageView answer = parsed(answer_bytes);
    if (code(answer) != 401) fail("the unauthenticated request was not answered 401");
    const auto nonce_attribute = answer.get<Nonce>();
    if (!nonce_attribute || !nonce_attribute.value()) fail("401 without NONCE");
    nonce = std::string(nonce_attribute.value()->value);
    // "obMatJos2" + base64 of 24 bits; the first character carries bits 0-5: bit 0
    // ("password algorithms") is its top bit, so it is one of 'g'-'z', '0'-'9', '+', '/'.
    if (nonce.rfind("obMatJos2", 0) != 0 || nonce.size() < 13) fail("NONCE without the security-feature cookie: " + nonce);
    static const std::string kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const auto first = kBase64.find(nonce[9]);
    if (first == std::string::npos || (first & 0x20) == 0) fail("the password-algorithms bit is not set: " + nonce);
    const auto algorithms = answer.get<PasswordAlgorithms>();
    if (!algorithms || !algorithms.value()) fail("401 without PASSWORD-ALGORITHMS");
    if (!algorithms.value()->contains(PasswordAlgorithmId::sha256) || !algorithms.value()->contains(PasswordAlgorithmId::md5)) {
      fail("PASSWORD-ALGORITHMS does not list SHA-256 and MD5");
    }
    offered.assign(algorithms.value()->list.begin(), algorithms.value()->list.end());
    std::printf("challenge ok: nonce %s, PASSWORD-ALGORITHMS SHA-256 and MD5\n", nonce.substr(0, 13).c_str());
  }

  // An authenticated request with USERHASH, SHA-256 key and MESSAGE-INTEGRITY-SHA256.
  std::vector<std::byte> send(Method method, std::optional<std::uint32_t> lifetime, Signed how = {}) {
    std::array<std::byte, 1024> buffer;
    MessageBuilder builder(buffer);
    builder.start({method, Class::request}, fresh_id());
    if (method == Method::allocate) builder.add(RequestedTransport{});
    if (lifetime) builder.add(Lifetime{*lifetime});
    builder.add(UserHash{user_hash(username, realm)}).add(Realm{realm}).add(Nonce{nonce});
    if (how.algorithms == Signed::Algorithms::echo) builder.add(PasswordAlgorithms{offered});
    builder.add(PasswordAlgorithm{PasswordAlgorithmId::sha256, {}});
    const auto sha256 = key();
    const auto bytes = builder.add_message_integrity_sha256(sha256).add_fingerprint().finish();
    if (!bytes) fail("build");
    return connection.exchange(bytes.value());
  }

  void expect_signed_success(const std::vector<std::byte>& bytes, const char* what) {
    const MessageView answer = parsed(bytes);
    if (answer.message_class() != Class::success) fail(std::string(what) + " failed with " + std::to_string(code(answer).value_or(0)));
    const auto integrity = answer.message_integrity_sha256();
    if (!integrity || integrity->value.size() != 32) fail(std::string(what) + ": no full MESSAGE-INTEGRITY-SHA256");
    if (!verify_message_integrity_sha256(answer, key())) fail(std::string(what) + ": MESSAGE-INTEGRITY-SHA256 does not verify");
    if (answer.message_integrity()) fail(std::string(what) + ": MESSAGE-INTEGRITY beside MESSAGE-INTEGRITY-SHA256");
    if (!verify_fingerprint(answer)) fail(std::string(what) + ": FINGERPRINT");
    std::printf("%s ok: success, MESSAGE-INTEGRITY-SHA256 verifies with the SHA-256 key\n", what);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s udp|tcp|tls HOST PORT USERNAME PASSWORD REALM\n", argv[0]);
    return 2;
  }
  Connection connection(argv[1], argv[2], std::atoi(argv[3]));
  Client client{connection, argv[4], argv[5], argv[6], {}, {}};

  client.challenge(Method::allocate);
  const auto allocated = client.send(Method::allocate, std::nullopt);
  client.expect_signed_success(allocated, "allocate");
  if (!client.parsed(allocated).get<XorRelayedAddress>().value()) fail("allocate: no XOR-RELAYED-ADDRESS");

  client.expect_signed_success(client.send(Method::refresh, 600), "refresh");

  // Bid-down: PASSWORD-ALGORITHM without the PASSWORD-ALGORITHMS we were offered.
  const auto refused_bytes = client.send(Method::refresh, 600, {Signed::Algorithms::omit});
  const MessageView refused = client.parsed(refused_bytes);
  if (client.code(refused) != 400) fail("bid-down answered " + std::to_string(client.code(refused).value_or(0)) + ", not 400");
  std::printf("bid-down ok: 400\n");

  client.expect_signed_success(client.send(Method::refresh, 0), "delete");
  std::printf("all ok\n");
  return 0;
}
