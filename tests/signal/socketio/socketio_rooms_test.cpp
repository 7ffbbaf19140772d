// The room table: io.to(room) versus socket.to(room), a socket id as a room, namespaces kept
// apart, leaving everything on disconnect, and both limits at the bound and one over.
#include "signal/socketio/socketio_rooms.hpp"

#include <gtest/gtest.h>

namespace iceway::signaling::socketio {
namespace {

using Ids = std::vector<std::string>;

RoomTable table_with(std::initializer_list<std::string_view> sockets, const RoomLimits& limits = {}) {
  RoomTable table(limits);
  for (const auto socket : sockets) EXPECT_TRUE(table.add_socket("/", socket));
  return table;
}

TEST(SocketIoRooms, RecipientsWithAndWithoutTheSender) {
  RoomTable table = table_with({"a", "b", "c"});
  EXPECT_EQ(table.join("/", "a", "001"), JoinResult::joined);
  EXPECT_EQ(table.join("/", "b", "001"), JoinResult::joined);
  EXPECT_EQ(table.join("/", "b", "001"), JoinResult::already_joined);
  const struct {
    std::string_view name;
    std::string_view room;
    std::string_view except;
    Ids expected;
  } cases[] = {
      {"io.to(room): every member", "001", "", {"a", "b"}},
      {"socket.to(room): not the sender", "001", "a", {"b"}},
      {"socket.to(room) from outside the room", "001", "c", {"a", "b"}},
      {"a room nobody joined", "002", "", {}},
      {"a socket id is that socket's own room", "c", "", {"c"}},
      {"socket.to(own id) reaches nobody", "c", "c", {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(table.to_room("/", c.room, c.except), c.expected);
  }
  EXPECT_EQ(table.to_socket("/", "b"), Ids{"b"});
  EXPECT_EQ(table.to_socket("/", "zz"), Ids{});
}

TEST(SocketIoRooms, NamespacesAreSeparate) {
  RoomTable table = table_with({"a"});
  table.add_socket("/admin", "x");
  table.join("/", "a", "r");
  table.join("/admin", "x", "r");
  EXPECT_EQ(table.to_room("/", "r"), Ids{"a"});
  EXPECT_EQ(table.to_room("/admin", "r"), Ids{"x"});
  EXPECT_EQ(table.join("/admin", "a", "r"), JoinResult::unknown_socket);
  EXPECT_EQ(table.to_socket("/admin", "a"), Ids{});
}

TEST(SocketIoRooms, DisconnectLeavesEveryRoom) {
  RoomTable table = table_with({"a", "b"});
  table.join("/", "a", "r1");
  table.join("/", "a", "r2");
  table.join("/", "b", "r2");
  EXPECT_EQ(table.room_count(), 2u);
  EXPECT_EQ(table.remove_socket("/", "a"), (Ids{"r1", "r2"}));
  EXPECT_EQ(table.room_count(), 1u);  // r1 emptied and went away
  EXPECT_EQ(table.to_room("/", "r2"), Ids{"b"});
  EXPECT_FALSE(table.has_socket("/", "a"));
  EXPECT_TRUE(table.remove_socket("/", "a").empty());
  EXPECT_TRUE(table.leave("/", "b", "r2"));
  EXPECT_FALSE(table.leave("/", "b", "r2"));
  EXPECT_EQ(table.room_count(), 0u);
}

TEST(SocketIoRooms, RoomsPerSocketAreBoundedAtTheLimit) {
  RoomLimits limits;
  limits.max_rooms_per_socket = 2;
  RoomTable table = table_with({"a"}, limits);
  EXPECT_EQ(table.join("/", "a", "r1"), JoinResult::joined);
  EXPECT_EQ(table.join("/", "a", "r2"), JoinResult::joined);
  EXPECT_EQ(table.join("/", "a", "r3"), JoinResult::too_many_rooms);
  EXPECT_EQ(table.rooms_of("/", "a"), 2u);
  table.leave("/", "a", "r1");
  EXPECT_EQ(table.join("/", "a", "r3"), JoinResult::joined);
}

TEST(SocketIoRooms, SocketsPerRoomAreBoundedAtTheLimit) {
  RoomLimits limits;
  limits.max_sockets_per_room = 2;
  RoomTable table = table_with({"a", "b", "c"}, limits);
  EXPECT_EQ(table.join("/", "a", "r"), JoinResult::joined);
  EXPECT_EQ(table.join("/", "b", "r"), JoinResult::joined);
  EXPECT_EQ(table.join("/", "c", "r"), JoinResult::room_full);
  EXPECT_FALSE(table.in_room("/", "c", "r"));
  table.remove_socket("/", "a");
  EXPECT_EQ(table.join("/", "c", "r"), JoinResult::joined);
}

}  // namespace
}  // namespace iceway::signaling::socketio
