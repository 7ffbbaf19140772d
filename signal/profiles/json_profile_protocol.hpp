#pragma once
// The JSON app profiles (json_profile.hpp) as one front door: every profile's path is a
// WebSocket route of Protocol::profile, and a connection follows the profile of the path it
// came in on (Query::path()). Names live in the profile protocol's one namespace, so two
// profiles served by one iceway share their names.
//
// For each message: the sender's name is learnt (from the query at open, else from the first
// message with a name field), the receiver is the first receiver field holding a string, and
// the message goes to that name's connection with the sender field set and everything else as
// the client wrote it. A message never vanishes: no receiver field is a counted bad-request
// error, a receiver that is not online gets the profile's offline answer (counted as
// peer-unavailable).
#include <unordered_map>
#include <vector>

#include "signal/profiles/json_profile.hpp"
#include "signal/protocols/protocol_handler.hpp"

namespace iceway::signaling {

class JsonProfileProtocol final : public ProtocolHandler {
 public:
  explicit JsonProfileProtocol(std::vector<JsonProfile> profiles) : profiles_(std::move(profiles)) {}

  void open(ConnectionId id, const Query& query, UnixSeconds unix_now, Context& ctx) override;
  void message(ConnectionId id, Json& message, Context& ctx) override;
  void message_text(ConnectionId id, std::string_view text, Json& parsed, Context& ctx) override;
  void reject(ConnectionId id, ErrorCode code, std::string_view message, const Json* ref, Context& ctx) override;
  void departed(ConnectionId id, const Registry::Departure& departure, Context& ctx) override;
  std::size_t invalid_type() const override { return profile_type::invalid; }
  // [cluster]: names are unique across nodes, messages reach a name on another node, and the
  // offline answer comes only when the name is on no node.
  void remote(const cluster::RemoteEvent& event, Context& ctx) override;

  // SIGHUP: profiles are matched by path, so connections keep theirs if it is still served.
  void update(std::vector<JsonProfile> profiles) { profiles_ = std::move(profiles); }

  // A name a profile accepts: 1 to 128 bytes without control characters (tutorial users type
  // names in any script; they are never parsed, only compared and escaped in logs).
  static bool valid_name(std::string_view name);

 private:
  const JsonProfile* profile_of(ConnectionId id) const;
  bool claim(ConnectionId id, std::string_view name, Context& ctx);
  void refuse(ConnectionId id, ErrorCode code, const std::string& text, Context& ctx);

  std::vector<JsonProfile> profiles_;
  std::unordered_map<ConnectionId, std::string> path_of_;  // each open connection's profile path
};

}  // namespace iceway::signaling
