// MessageView::parse and everything a server does with what it returns: walk the attributes,
// decode each typed one, verify integrity and fingerprint, classify and answer. Invariants:
// - every attribute view lies inside the input;
// - a typed value that decodes and re-encodes decodes again to the same value;
// - the attributes, rebuilt with MessageBuilder, parse again to the same types and values;
// - every automatic answer parses and carries a good FINGERPRINT.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stun/attributes.hpp"
#include "stun/integrity.hpp"
#include "stun/message.hpp"
#include "stun/message_builder.hpp"
#include "stun/request_classifier.hpp"

namespace {

using namespace iceway;
using namespace iceway::stun;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

template <class T>
void decode_and_round_trip(const Attribute& attribute, const TransactionId& id) {
  auto decoded = T::decode(attribute, id);
  if (!decoded) {
    check(decoded.error().has_attribute && decoded.error().attribute == to_wire(T::kType));
    (void)decoded.error().to_string();
    return;
  }
  if constexpr (EncodableAttribute<T>) {
    std::vector<std::byte> buffer(kMaxMessageSize);
    MessageBuilder builder(buffer);
    builder.start({Method::allocate, Class::request}, id).add(decoded.value());
    auto bytes = builder.finish();
    if (!bytes) {
      // Decoding is more liberal than encoding (e.g. a 700-byte SOFTWARE of 300 characters).
      check(bytes.error().reason == BuildErrorReason::invalid_value);
      return;
    }
    auto parsed = MessageView::parse(bytes.value());
    check(parsed.has_value());
    auto again = parsed.value().template get<T>();
    check(again.has_value() && again.value().has_value());
    check(*again.value() == decoded.value());
  }
}

void decode_typed(const Attribute& attribute, const TransactionId& id) {
  switch (attribute.type) {
    case AttributeType::mapped_address: return decode_and_round_trip<MappedAddress>(attribute, id);
    case AttributeType::alternate_server: return decode_and_round_trip<AlternateServer>(attribute, id);
    case AttributeType::response_origin: return decode_and_round_trip<ResponseOrigin>(attribute, id);
    case AttributeType::other_address: return decode_and_round_trip<OtherAddress>(attribute, id);
    case AttributeType::xor_mapped_address: return decode_and_round_trip<XorMappedAddress>(attribute, id);
    case AttributeType::xor_peer_address: return decode_and_round_trip<XorPeerAddress>(attribute, id);
    case AttributeType::xor_relayed_address: return decode_and_round_trip<XorRelayedAddress>(attribute, id);
    case AttributeType::username: return decode_and_round_trip<Username>(attribute, id);
    case AttributeType::realm: return decode_and_round_trip<Realm>(attribute, id);
    case AttributeType::nonce: return decode_and_round_trip<Nonce>(attribute, id);
    case AttributeType::software: return decode_and_round_trip<Software>(attribute, id);
    case AttributeType::error_code: return decode_and_round_trip<ErrorCodeAttribute>(attribute, id);
    case AttributeType::address_error_code: return decode_and_round_trip<AddressErrorCode>(attribute, id);
    case AttributeType::unknown_attributes: return decode_and_round_trip<UnknownAttributes>(attribute, id);
    case AttributeType::channel_number: return decode_and_round_trip<ChannelNumber>(attribute, id);
    case AttributeType::lifetime: return decode_and_round_trip<Lifetime>(attribute, id);
    case AttributeType::data: return decode_and_round_trip<Data>(attribute, id);
    case AttributeType::requested_transport: return decode_and_round_trip<RequestedTransport>(attribute, id);
    case AttributeType::requested_address_family: return decode_and_round_trip<RequestedAddressFamily>(attribute, id);
    case AttributeType::additional_address_family:
      return decode_and_round_trip<AdditionalAddressFamily>(attribute, id);
    case AttributeType::even_port: return decode_and_round_trip<EvenPort>(attribute, id);
    case AttributeType::reservation_token: return decode_and_round_trip<ReservationToken>(attribute, id);
    case AttributeType::dont_fragment: return decode_and_round_trip<DontFragment>(attribute, id);
    case AttributeType::icmp: return decode_and_round_trip<Icmp>(attribute, id);
    case AttributeType::connection_id: return decode_and_round_trip<ConnectionId>(attribute, id);
    case AttributeType::message_integrity: return decode_and_round_trip<MessageIntegrity>(attribute, id);
    case AttributeType::message_integrity_sha256: return decode_and_round_trip<MessageIntegritySha256>(attribute, id);
    case AttributeType::fingerprint: return decode_and_round_trip<Fingerprint>(attribute, id);
    case AttributeType::password_algorithm: return decode_and_round_trip<PasswordAlgorithm>(attribute, id);
    case AttributeType::password_algorithms: return decode_and_round_trip<PasswordAlgorithms>(attribute, id);
    case AttributeType::userhash: return decode_and_round_trip<UserHash>(attribute, id);
    case AttributeType::priority: return decode_and_round_trip<Priority>(attribute, id);
    case AttributeType::use_candidate: return decode_and_round_trip<UseCandidate>(attribute, id);
    case AttributeType::ice_controlled: return decode_and_round_trip<IceControlled>(attribute, id);
    case AttributeType::ice_controlling: return decode_and_round_trip<IceControlling>(attribute, id);
    case AttributeType::alternate_domain: return;
  }
}

bool is_closing(AttributeType type) {
  return type == AttributeType::message_integrity || type == AttributeType::message_integrity_sha256 ||
         type == AttributeType::fingerprint;
}

void check_message(const MessageView& message, ByteSpan input) {
  const TransactionId id = message.transaction_id();
  std::vector<Attribute> plain;
  for (const Attribute& attribute : message.attributes()) {
    check(attribute.offset >= kHeaderSize);
    check(attribute.value.data() >= input.data());
    check(attribute.value.data() + attribute.value.size() <= input.data() + input.size());
    check(message.find(attribute.type).has_value());
    decode_typed(attribute, id);
    if (!is_closing(attribute.type)) plain.push_back(attribute);
  }
  const std::array<std::byte, 4> key{std::byte{'k'}, std::byte{'e'}, std::byte{'y'}, std::byte{0}};
  (void)verify_message_integrity(message, key);
  (void)verify_message_integrity_sha256(message, key);
  (void)verify_fingerprint(message);
  (void)unknown_comprehension_required(message, kTurnAttributes);

  // Rebuild the attributes that come before the closing ones, then sign and fingerprint:
  // the copy parses and its attributes come back in order with the same values.
  std::vector<std::byte> buffer(kMaxMessageSize + 64);
  MessageBuilder builder(buffer);
  builder.start(message.type(), id);
  for (const Attribute& attribute : plain) builder.add_raw(attribute.type, attribute.value);
  builder.add_message_integrity(key).add_fingerprint();
  auto rebuilt = builder.finish();
  if (!rebuilt) {
    check(rebuilt.error().reason == BuildErrorReason::value_too_long);  // the input was at the size limit
    return;
  }
  auto parsed = MessageView::parse(rebuilt.value());
  check(parsed.has_value());
  check(verify_message_integrity(parsed.value(), key));
  check(verify_fingerprint(parsed.value()));
  std::size_t index = 0;
  for (const Attribute& attribute : parsed.value().attributes()) {
    if (is_closing(attribute.type)) continue;
    check(index < plain.size());
    check(attribute.type == plain[index].type);
    check(attribute.value.size() == plain[index].value.size());
    check(std::equal(attribute.value.begin(), attribute.value.end(), plain[index].value.begin()));
    ++index;
  }
  check(index == plain.size());
}

constexpr Method kTurnRequests[] = {Method::allocate, Method::refresh, Method::create_permission,
                                    Method::channel_bind};
constexpr Method kTurnIndications[] = {Method::send};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(reinterpret_cast<const std::byte*>(data), size);
  (void)looks_like_stun(input);
  (void)looks_like_channel_data(input);
  auto parsed = MessageView::parse(input);
  if (parsed) {
    check(looks_like_stun(input));
    check_message(parsed.value(), input);
  } else {
    (void)parsed.error().to_string();
  }

  const ServerCapabilities turn{&kTurnAttributes, kTurnRequests, kTurnIndications};
  for (const ServerCapabilities* capabilities : {&turn, static_cast<const ServerCapabilities*>(nullptr)}) {
    const Classification result = capabilities ? classify_request(input, *capabilities) : classify_request(input);
    // A handler only ever sees a message that parsed.
    if (result.verdict == Verdict::binding || result.verdict == Verdict::request ||
        result.verdict == Verdict::indication || result.verdict == Verdict::unknown_attributes) {
      check(parsed.has_value() && result.message.has_value());
    }
    std::array<std::byte, 512> out{};
    const Endpoint source{IpAddress::v4(0xCB007109u), 40000};
    auto answer = build_automatic_response(result, source, "iceway", out);
    check(answer.has_value());
    if (!answer.value().empty()) {
      check(answer.value().size() <= 128);
      auto response = MessageView::parse(answer.value());
      check(response.has_value());
      check(verify_fingerprint(response.value()));
    }
  }
  return 0;
}
