#pragma once
// The Socket.IO v5 packet codec (socket.io repository, docs/socket.io-protocol/v5-current.md,
// "Packet encoding"): the text inside one Engine.IO message packet,
//
//   <type>[<attachments>-][<namespace>,][<ack id>][JSON payload]
//
// Pure functions: no I/O, no clock. The JSON payload is validated (depth-limited, without
// building a tree) and then kept as the client's own text, so relaying it re-emits the bytes as
// sent: key order and number spelling survive, which the protocol's conformance suite checks.
//
// A decoded packet holds views into the caller's text and is valid as long as that text is.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "signal/json_text.hpp"

namespace iceway::signaling::socketio {

enum class SocketPacketType : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

std::string_view to_string(SocketPacketType type);

inline bool is_binary(SocketPacketType type) {
  return type == SocketPacketType::binary_event || type == SocketPacketType::binary_ack;
}

// The largest ack id: the JavaScript reference keeps ids as Numbers, exact up to 2^53 - 1.
inline constexpr std::uint64_t kMaxAckId = (std::uint64_t{1} << 53) - 1;

struct SocketPacket {
  SocketPacketType type = SocketPacketType::event;
  std::string_view nsp = "/";        // "/" when the packet names none
  std::optional<std::uint64_t> ack_id;
  std::size_t attachments = 0;       // binary types: how many binary frames follow this one
  std::string_view data;             // the JSON payload as sent; empty = no payload

  // Filled by the decoder for EVENT/BINARY_EVENT: the decoded first element, and the raw text of
  // the elements after it (`1,"2",{"3":[true]}` for `["message",1,"2",{"3":[true]}]`, without
  // the separating comma; empty when the name is alone). For ACK/BINARY_ACK, `arguments` is
  // the raw text of all elements. Splicing these into a new array re-emits them unchanged.
  std::string event_name;
  std::string_view arguments;
};

enum class SocketError : std::uint8_t {
  empty_packet,         // no type digit
  unknown_type,         // the first character is not '0'..'6'
  bad_attachments,      // a binary type without "<count>-"
  too_many_attachments, // more than the limit allows
  bad_namespace,        // (encode) a namespace that does not start with '/' or contains ','
  bad_ack_id,           // an ack id beyond kMaxAckId
  malformed_json,       // the payload is not JSON (or has a NUL, or text after the value)
  too_deep,             // nested deeper than the limit
  invalid_payload,      // JSON of the wrong shape for the type (v5-current.md and the reference
                        // parser's isPayloadValid): CONNECT an object, DISCONNECT none,
                        // CONNECT_ERROR an object or string, EVENT a non-empty array starting with
                        // a string, ACK an array
  reserved_event_name,  // an EVENT named connect, connect_error, disconnect, disconnecting,
                        // newListener or removeListener, which the reference server refuses
  bad_placeholder,      // a binary packet's {"_placeholder":true,"num":n} with n not an
                        // attachment index
};

std::string_view to_string(SocketError error);

struct SocketCodecError {
  SocketError code = SocketError::empty_packet;
  std::size_t offset = 0;  // byte offset in the decoded text

  std::string message() const;  // "invalid payload for EVENT (at byte 1)"-style text
  friend bool operator==(const SocketCodecError&, const SocketCodecError&) = default;
};

struct SocketLimits {
  std::size_t max_json_depth = 32;
  // Binary frames a packet may announce; the session refuses or collects that many frames.
  std::size_t max_attachments = 16;
};

// Decodes the text of one Engine.IO message packet (without its leading '4'). The payload is
// checked by simdjson where it can decide exactly (signal/json_fast.hpp), else by nlohmann.
Result<SocketPacket, SocketCodecError> decode_socket_packet(std::string_view text, const SocketLimits& limits);
// The same with nlohmann alone: the reference the tests and socketio_packet_fuzz hold the fast
// path to (the same packet or the same error for every input).
Result<SocketPacket, SocketCodecError> decode_socket_packet_exact(std::string_view text, const SocketLimits& limits);

// Appends the wire form of `packet` (type, attachments, namespace, ack id, then `data` as
// given: the caller vouches that it is JSON of the right shape). Refuses a namespace that the
// decoder could not read back.
Result<std::size_t, SocketCodecError> append_socket_packet(const SocketPacket& packet, std::string& out);

// Builds an EVENT payload from a name and the raw text of its arguments:
// `["name",arguments]`, or `["name"]` when arguments is empty. The name is JSON-escaped as
// JSON.stringify does.
void append_event_array(std::string_view name, std::string_view arguments, std::string& out);


}  // namespace iceway::signaling::socketio
