#include "signal/protocols/protocol_handler.hpp"

namespace iceway::signaling {

void Context::disconnect(ConnectionId id, std::uint16_t code, std::string reason) {
  auto departure = registry.remove(id);
  // Unknown = already removed by an earlier decision; one close request is enough.
  if (!departure) return;
  out.close(id, code, std::move(reason));
  handlers_[index(departure->protocol)]->departed(id, *departure, *this);
}

std::uint16_t close_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::too_many_connections: return close_code::try_again_later;
    default: return close_code::policy_violation;
  }
}

}  // namespace iceway::signaling
