#pragma once
// The [[profile]] tables of the configuration (issue 12's app profiles): each describes what a
// tutorial's own signaling server does on one path, so its pages work against iceway with only
// the server URL changed. Read apart from config_loader.cpp because a profile is a list of
// tables with its own vocabulary; every problem names "profile[N].key" and its file:line.
//
//   [[profile]]
//   path = "/device/chat"             # exact WebSocket path
//   protocol = "json"                 # plain JSON objects over WebSocket
//   name_from = ["query:name"]        # "query:PARAM" and/or "field:FIELD" (first message)
//   receiver = ["toUser"]             # fields naming the receiver (first string wins)
//   sender_field = "fromUser"         # set to the sender's name ("" = leave as sent)
//   offline = '{"type":"call_back","fromUser":"系统消息","msg":"Sorry，呼叫的用户不在线！"}'
//   offline_name_field = ""           # set to the receiver's name in the offline answer
//
//   [[profile]]
//   path = "/socket.io/"              # a Socket.IO path (the default one: replaces the built-in app)
//   protocol = "socketio"
//   on_connect = "connectionSuccess"  # an event each socket gets when it connects
//   name_from = ["auth:username", "field:username"]  # the handshake's auth object, an event's argument
//   [[profile.event]]
//   name = "sendAnswer"               # what the page emits
//   action = "room"                   # "join", "room" (io.to) or "room_others" (socket.to)
//   room = "field:roomId"             # "arg" or "field:NAME"
//   emit_as = "receiveAnswer"         # the name the receivers get ("" = the same)
//   unwrap = "answer"                 # send only this field of the first argument
#include <string>
#include <vector>

#include <toml.hpp>

#include "app/config.hpp"

namespace iceway::app {

// Reads `profiles` (the root's "profile" value, null when absent) into signal.json_profiles and
// signal.socketio_profiles; `reserved` are the paths other front doors already serve (a profile
// cannot take them), except `socketio_path` (empty = none), which a Socket.IO profile may take
// over from [socketio]'s built-in tutorial server.
void read_profiles(const toml::value* profiles, const std::vector<std::string>& reserved,
                   const std::string& socketio_path, signaling::Settings& signal,
                   std::vector<ConfigProblem>& problems);

}  // namespace iceway::app
