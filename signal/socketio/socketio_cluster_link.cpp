#include "signal/socketio/socketio_cluster_link.hpp"

#include <nlohmann/json.hpp>

#include "signal/socketio/base64.hpp"

namespace iceway::signaling::socketio {
namespace {

using Json = nlohmann::json;
using cluster::RemoteEvent;

constexpr char kSocket = 's';
constexpr char kName = 'n';
constexpr char kRoom = 'r';

std::span<const std::byte> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

}  // namespace

void SocketIoClusterLink::attach(cluster::ClusterPort& cluster, std::string scope) {
  cluster_ = &cluster;
  scope_ = std::move(scope);
}

std::string SocketIoClusterLink::key(char kind, std::string_view value) const {
  std::string out;
  out.reserve(scope_.size() + 3 + value.size());
  out.append(scope_);
  out.push_back('#');
  out.push_back(kind);
  out.push_back(':');
  out.append(value);
  return out;
}

std::optional<std::string> SocketIoClusterLink::value_of(std::string_view key, char kind) const {
  if (key.size() < scope_.size() + 3 || key.substr(0, scope_.size()) != scope_) return std::nullopt;
  const std::string_view rest = key.substr(scope_.size());
  if (rest[0] != '#' || rest[1] != kind || rest[2] != ':') return std::nullopt;
  return std::string(rest.substr(3));
}

// --- what this node holds ------------------------------------------------------------------------

void SocketIoClusterLink::socket_connected(std::string_view socket_id) {
  if (cluster_ != nullptr) cluster_->claimed(Protocol::socketio, key(kSocket, socket_id));
}

void SocketIoClusterLink::socket_gone(std::string_view socket_id, const std::vector<std::string>& rooms) {
  if (cluster_ == nullptr) return;
  for (const auto& room : rooms) cluster_->left(Protocol::socketio, key(kRoom, room), socket_id);
  cluster_->released(Protocol::socketio, key(kSocket, socket_id));
}

void SocketIoClusterLink::joined(std::string_view room, std::string_view socket_id) {
  if (cluster_ != nullptr) cluster_->joined(Protocol::socketio, key(kRoom, room), socket_id);
}

void SocketIoClusterLink::left(std::string_view room, std::string_view socket_id) {
  if (cluster_ != nullptr) cluster_->left(Protocol::socketio, key(kRoom, room), socket_id);
}

void SocketIoClusterLink::name_taken(std::string_view name) {
  if (cluster_ != nullptr) cluster_->claimed(Protocol::socketio, key(kName, name));
}

void SocketIoClusterLink::name_released(std::string_view name) {
  if (cluster_ != nullptr) cluster_->released(Protocol::socketio, key(kName, name));
}

// --- what other nodes hold -----------------------------------------------------------------------

bool SocketIoClusterLink::socket_elsewhere(std::string_view socket_id) const {
  return cluster_ != nullptr && cluster_->held_elsewhere(Protocol::socketio, key(kSocket, socket_id));
}

bool SocketIoClusterLink::name_elsewhere(std::string_view name) const {
  return cluster_ != nullptr && cluster_->held_elsewhere(Protocol::socketio, key(kName, name));
}

bool SocketIoClusterLink::room_elsewhere(std::string_view room) const {
  return cluster_ != nullptr && !cluster_->remote_members(Protocol::socketio, key(kRoom, room)).empty();
}

// --- emits for other nodes -----------------------------------------------------------------------

bool SocketIoClusterLink::emit_to_socket(std::string_view socket_id, const RemoteEmit& emit) {
  return cluster_ != nullptr && cluster_->send_to_peer(Protocol::socketio, key(kSocket, socket_id), encode(emit));
}

bool SocketIoClusterLink::emit_to_name(std::string_view name, const RemoteEmit& emit) {
  return cluster_ != nullptr && cluster_->send_to_peer(Protocol::socketio, key(kName, name), encode(emit));
}

bool SocketIoClusterLink::emit_to_room(std::string_view room, const RemoteEmit& emit) {
  if (!room_elsewhere(room)) return false;
  cluster_->send_to_room(Protocol::socketio, key(kRoom, room), encode(emit));
  return true;
}

// --- from other nodes ----------------------------------------------------------------------------

std::optional<ClusterDelivery> SocketIoClusterLink::read(const RemoteEvent& event) const {
  if (event.protocol != Protocol::socketio) return std::nullopt;
  ClusterDelivery delivery;
  switch (event.kind) {
    case RemoteEvent::Kind::deliver_to_peer: {
      if (auto socket = value_of(event.id, kSocket)) {
        delivery.kind = ClusterDelivery::Kind::to_socket;
        delivery.target = std::move(*socket);
      } else if (auto name = value_of(event.id, kName)) {
        delivery.kind = ClusterDelivery::Kind::to_name;
        delivery.target = std::move(*name);
      } else {
        return std::nullopt;
      }
      break;
    }
    case RemoteEvent::Kind::deliver_to_room: {
      auto room = value_of(event.room, kRoom);
      if (!room) return std::nullopt;
      delivery.kind = ClusterDelivery::Kind::to_room;
      delivery.target = std::move(*room);
      break;
    }
    case RemoteEvent::Kind::peer_claimed:
    case RemoteEvent::Kind::id_conflict: {
      // A login elsewhere takes the name, as a second login on one node does (the page that
      // logged in last is the one that gets called).
      auto name = value_of(event.id, kName);
      if (!name) return std::nullopt;
      delivery.kind = ClusterDelivery::Kind::name_moved;
      delivery.target = std::move(*name);
      return delivery;
    }
    case RemoteEvent::Kind::peer_joined:
    case RemoteEvent::Kind::peer_left:
    case RemoteEvent::Kind::peer_released: return std::nullopt;  // Socket.IO announces nobody's going
  }
  auto emit = decode(event.frame);
  if (!emit) return std::nullopt;
  delivery.emit = std::move(*emit);
  return delivery;
}

std::string SocketIoClusterLink::encode(const RemoteEmit& emit) {
  Json attachments = Json::array();
  for (const auto& attachment : emit.attachments) {
    std::string text;
    append_base64(bytes_of(attachment), text);
    attachments.push_back(std::move(text));
  }
  Json frame{{"e", emit.event}, {"a", emit.arguments}, {"b", std::move(attachments)}};
  if (!emit.except.empty()) frame["x"] = emit.except;
  return frame.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::optional<RemoteEmit> SocketIoClusterLink::decode(std::string_view frame) {
  const Json parsed = Json::parse(frame, nullptr, false);
  if (!parsed.is_object()) return std::nullopt;
  const auto event = parsed.find("e");
  const auto arguments = parsed.find("a");
  const auto attachments = parsed.find("b");
  if (event == parsed.end() || !event->is_string() || arguments == parsed.end() || !arguments->is_string() ||
      attachments == parsed.end() || !attachments->is_array()) {
    return std::nullopt;
  }
  RemoteEmit emit;
  emit.event = event->get<std::string>();
  emit.arguments = arguments->get<std::string>();
  for (const auto& attachment : *attachments) {
    if (!attachment.is_string()) return std::nullopt;
    std::string bytes;
    if (!append_base64_decoded(attachment.get_ref<const std::string&>(), bytes)) return std::nullopt;
    emit.attachments.push_back(std::move(bytes));
  }
  if (const auto except = parsed.find("x"); except != parsed.end()) {
    if (!except->is_string()) return std::nullopt;
    emit.except = except->get<std::string>();
  }
  return emit;
}

}  // namespace iceway::signaling::socketio
