#pragma once
// A plain HTTP answer computed by a pure function (the PeerJS REST endpoints); the I/O layer turns
// it into a Beast response.
#include <string>

namespace iceway::signaling {

struct HttpReply {
  unsigned status = 200;
  std::string content_type;
  std::string body;
};

}  // namespace iceway::signaling
