#pragma once
// An app profile for plain JSON over WebSocket (issue 12): what a tutorial's own signaling
// server does on its path, written as data, so the tutorial's pages work against iceway with
// only the server URL changed. app/profile_config.cpp reads it from [[profile]] tables;
// json_profile_protocol.hpp carries it out.
#include <string>
#include <vector>

namespace iceway::signaling {

struct JsonProfile {
  std::string path;  // exact WebSocket path, e.g. "/device/chat"
  // Where a connection's name comes from, tried in order: query parameters of the upgrade URL
  // ("?name=alice"), then fields of the first message that carries one ("from"). Both empty:
  // connections have no name and cannot be called.
  std::vector<std::string> name_query;
  std::vector<std::string> name_fields;
  // The fields that name the receiver; the first one holding a non-empty string wins.
  std::vector<std::string> receiver_fields;
  // Set to the sender's name in every forwarded message ("" = forwarded as sent). Everything
  // else in the message is forwarded as the client wrote it, keys in their order.
  std::string sender_field;
  // What the sender gets when the receiver is not online: a JSON object in the app's own shape
  // ("" = {"type":"error","code":"peer-unavailable",...}), with `offline_name_field` (if set)
  // holding the receiver's name.
  std::string offline;
  std::string offline_name_field;
};

}  // namespace iceway::signaling
