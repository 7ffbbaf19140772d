#pragma once
// An app profile for a Socket.IO app (issue 12): the events a tutorial's own Socket.IO server
// handles, written as data, so its pages work against iceway with only the server URL changed.
// app/profile_config.cpp reads it from a [[profile]] table with protocol = "socketio";
// signal/socketio/tutorial_server.hpp carries it out (events without a rule get the common
// tutorial server's behaviour).
#include <cstdint>
#include <string>
#include <vector>

namespace iceway::signaling {

struct SocketIoEventRule {
  enum class Action : std::uint8_t {
    join,            // socket.join(room)
    to_room,         // io.to(room).emit: every member, the sender too
    to_room_others,  // socket.to(room).emit: the members but the sender
  };
  std::string event;  // the event the page emits
  Action action = Action::to_room_others;
  // Where the room is: "" = the first argument itself ("001"), else a field of the first
  // argument ({"roomId":"001", ...}).
  std::string room_field;
  // The event the receivers get ("" = the same name): sendAnswer arrives as receiveAnswer.
  std::string emit_as;
  // "" = the arguments as sent; else the receivers get only this field of the first argument:
  // {"roomId":"001","answer":{...}} arrives as {...}.
  std::string unwrap;
};

struct SocketIoProfile {
  std::string path;        // the Socket.IO path ("/socket.io/")
  std::string on_connect;  // an event sent to each socket as it connects ("" = none)
  // Where a socket's name comes from, besides the built-in login/register events: fields of
  // the handshake's auth object (io(url, {auth: {username}})), then fields of the first
  // argument of the first event that carries one ({"username":"alice","target":"bob",...}:
  // tutorial 004). A name once taken stays until login/register or disconnect; a later
  // socket taking the same name moves it (a reloaded page comes back before its old socket
  // times out), as login does.
  std::vector<std::string> name_auth;
  std::vector<std::string> name_fields;
  std::vector<SocketIoEventRule> events;
};

}  // namespace iceway::signaling
