// The bounds on every identifier a signaling client hands the core (signal/peer_id.hpp).
#include "signal/peer_id.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace iceway::signaling {
namespace {

struct Case {
  const char* name;
  std::string text;
  bool valid;
};

TEST(PeerId, NativeIdsAndRelayNames) {
  const std::vector<Case> cases = {
      {"word", "alice", true},
      {"e-mail address", "alice.smith+work@example.com", true},
      {"user:42", "user:42", true},
      {"UUID", "3f2b8c1e-9d4a-4f6e-8b7c-1a2b3c4d5e6f", true},
      {"128 characters", std::string(128, 'a'), true},
      {"empty", "", false},
      {"129 characters", std::string(129, 'a'), false},
      {"space", "alice smith", false},
      {"newline", "alice\ninfo fake", false},
      {"quote", "alice\"", false},
      {"equals sign", "a=b", false},
      {"non-ASCII", "j\xc3\xbcrgen", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(valid_peer_id(c.text), c.valid);
  }
}

// peerjs 1.5 util.validateId: /^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/ (the empty id it also
// allows means "ask the server for one", which never reaches the WebSocket).
TEST(PeerId, PeerJsIdsAreWhatThePeerJsClientAccepts) {
  const std::vector<Case> cases = {
      {"word", "alice", true},
      {"single separators", "alice smith_2-b", true},
      {"UUID from GET /id", "3f2b8c1e-9d4a-4f6e-8b7c-1a2b3c4d5e6f", true},
      {"one character", "a", true},
      {"128 characters", std::string(128, 'a'), true},
      {"empty", "", false},
      {"129 characters", std::string(129, 'a'), false},
      {"60 KiB", std::string(60 * 1024, 'a'), false},
      {"leading space", " alice", false},
      {"trailing space", "alice ", false},
      {"two spaces", "alice  smith", false},
      {"separator pair", "alice-_smith", false},
      {"only a separator", "-", false},
      {"newline", "alice\ninfo fake", false},
      {"tab", "alice\tsmith", false},
      {"equals sign", "peer=x", false},
      {"dot", "alice.smith", false},
      {"at sign", "alice@example", false},
      {"quote", "alice\"", false},
      {"NUL", std::string("a\0b", 3), false},
      {"non-ASCII", "j\xc3\xbcrgen", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(valid_peerjs_id(c.text), c.valid);
  }
}

TEST(PeerId, PeerJsTokens) {
  const std::vector<Case> cases = {
      {"the client's own (Math.random base 36)", "k3j5x9q0z1a", true},
      {"punctuation", "a.b-c_d~e!f", true},
      {"128 characters", std::string(128, 't'), true},
      {"empty", "", false},
      {"129 characters", std::string(129, 't'), false},
      {"space", "a b", false},
      {"newline", "a\nb", false},
      {"non-ASCII", "\xc3\xbc", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(valid_peerjs_token(c.text), c.valid);
  }
}

TEST(PeerId, RoomsAndTopics) {
  const std::vector<Case> cases = {
      {"word", "call-42", true},
      {"spaces and punctuation", "Design review: Q3 (draft)", true},
      {"UTF-8", "r\xc3\xa9union \xe4\xbc\x9a\xe8\xad\xb0", true},
      {"256 bytes", std::string(256, 'r'), true},
      {"empty", "", false},
      {"257 bytes", std::string(257, 'r'), false},
      {"newline", "room\ninfo fake", false},
      {"carriage return", "room\r", false},
      {"NUL", std::string("a\0b", 3), false},
      {"DEL", "a\x7f", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(valid_room(c.text), c.valid);
  }
}

}  // namespace
}  // namespace iceway::signaling
