// The relay fast path against the parsed tree it replaces: scan_relay_frame() must refuse exactly
// what parse_json_object() refuses (with the same error), report the fields the tree gives, hand
// back payload bytes that parse to the tree's payload, and the spliced frame must parse to the
// frame the tree path would have built. scan_frame_members() must take only frames the tree
// accepts and give each member's value as bytes that parse to the tree's.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "signal/json_text.hpp"
#include "signal/relay_frame.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace iceway::signaling;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto scanned = scan_relay_frame(text, 8);
  auto parsed = parse_json_object(text, 8);
  // scan_frame_members takes only what the parse accepts, with the same members.
  if (auto members = scan_frame_members(text, 8)) {
    check(static_cast<bool>(parsed));
    check(members->count == parsed.value().size());
    for (std::size_t i = 0; i < members->count; ++i) {
      const FrameMember& member = members->members[i];
      const auto value = parsed.value().find(std::string(member.name));
      check(value != parsed.value().end());
      check(Json::parse(member.value, nullptr, false) == *value);
      if (auto plain = members->plain_string(member.name)) check(value->is_string() && *plain == value->get_ref<const std::string&>());
    }
  }
  check(static_cast<bool>(scanned) == static_cast<bool>(parsed));
  if (!scanned) {
    check(scanned.error() == parsed.error());
    return 0;
  }
  if (!scanned.value()) return 0;  // the caller takes the tree path
  const RelayFields& fields = *scanned.value();
  const Json& tree = parsed.value();
  check(fields.type == string_field(tree, "type"));
  check(fields.dst == string_field(tree, "dst"));
  check(fields.has_dst == tree.contains("dst"));
  const auto payload = tree.find("payload");
  check(fields.payload.empty() == (payload == tree.end()));
  Json expected{{"type", fields.type}, {"src", "sender"}, {"dst", fields.dst}};
  if (payload != tree.end()) {
    check(fields.connection_id == string_field(*payload, "connectionId"));
    check(fields.payload.data() >= text.data() && fields.payload.data() + fields.payload.size() <= text.data() + size);
    check(Json::parse(fields.payload, nullptr, false) == *payload);
    expected["payload"] = *payload;
  }
  check(Json::parse(relay_frame_text(fields.type, "sender", fields.dst, fields.payload), nullptr, false) == expected);
  return 0;
}
