#include "stun/request_classifier.hpp"

#include <algorithm>

#include "stun/binding.hpp"
#include "stun/error_response.hpp"
#include "stun/integrity.hpp"

namespace iceway::stun {

namespace {

Classification dropped(DropReason reason) {
  Classification result;
  result.verdict = Verdict::drop;
  result.drop_reason = reason;
  return result;
}

bool handles(std::span<const Method> methods, Method method) {
  return std::find(methods.begin(), methods.end(), method) != methods.end();
}

// RFC 8489 §6.3: checks on the header alone, which make the whole message unreadable.
bool is_header_error(DecodeReason reason) {
  return reason == DecodeReason::too_short || reason == DecodeReason::not_stun ||
         reason == DecodeReason::no_magic_cookie || reason == DecodeReason::length_not_multiple_of_4 ||
         reason == DecodeReason::length_mismatch;
}

}  // namespace

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::drop: return "drop";
    case Verdict::unknown_attributes: return "unknown_attributes";
    case Verdict::binding: return "binding";
    case Verdict::request: return "request";
    case Verdict::indication: return "indication";
  }
  return "other";
}

std::string_view to_string(DropReason reason) {
  switch (reason) {
    case DropReason::none: return "none";
    case DropReason::not_stun: return "not_stun";
    case DropReason::classic_stun: return "classic_stun";
    case DropReason::response: return "response";
    case DropReason::malformed_header: return "malformed_header";
    case DropReason::malformed: return "malformed";
    case DropReason::bad_fingerprint: return "bad_fingerprint";
    case DropReason::keepalive: return "keepalive";
    case DropReason::unknown_method: return "unknown_method";
    case DropReason::unknown_attributes: return "unknown_attributes";
  }
  return "other";
}

Classification classify_request(ByteSpan bytes, const ServerCapabilities& capabilities) {
  if (bytes.size() < kHeaderSize || (std::to_integer<unsigned>(bytes[0]) & 0xC0u) != 0) {
    return dropped(DropReason::not_stun);
  }
  if (load_u32(bytes.data() + 4) != kMagicCookie) return dropped(DropReason::classic_stun);

  Classification result;
  result.type = decode_message_type(load_u16(bytes.data()));
  result.transaction_id = TransactionId::from(bytes.subspan(8, kTransactionIdSize));
  const bool is_request = result.type.message_class == Class::request;
  const bool is_indication = result.type.message_class == Class::indication;
  const auto drop = [&result](DropReason reason) {
    result.verdict = Verdict::drop;
    result.drop_reason = reason;
    return result;
  };
  if (!is_request && !is_indication) return drop(DropReason::response);

  auto parsed = MessageView::parse(bytes);
  if (!parsed) {
    result.error = parsed.error();
    if (is_header_error(parsed.error().reason)) return drop(DropReason::malformed_header);
    // RFC 8489 §6.3: "If any errors are detected, the message is silently discarded." A 400
    // would be allowed too, but nobody needs it and a forged source would receive it.
    return drop(DropReason::malformed);
  }
  const MessageView& message = parsed.value();
  if (message.fingerprint() && !verify_fingerprint(message)) {
    result.error = attribute_error(DecodeReason::bad_value, to_wire(AttributeType::fingerprint),
                                   message.fingerprint()->offset, load_u32(message.fingerprint()->value.data()));
    return drop(DropReason::bad_fingerprint);
  }
  const Method method = result.type.method;
  const AttributeSet& known = *capabilities.known_attributes;

  if (is_indication) {
    // RFC 8489 §6.3.2: indications are never answered, not even with an error.
    if (method == Method::binding) return drop(DropReason::keepalive);
    if (!handles(capabilities.indication_methods, method)) return drop(DropReason::unknown_method);
    if (!unknown_comprehension_required(message, known).empty()) return drop(DropReason::unknown_attributes);
    result.verdict = Verdict::indication;
    result.message = message;
    return result;
  }

  // RFC 8489 §6.3: an unsupported method is one of the checks whose failure is discarded.
  if (method != Method::binding && !handles(capabilities.request_methods, method)) {
    return drop(DropReason::unknown_method);
  }
  result.unknown = unknown_comprehension_required(message, known);
  result.message = message;
  if (!result.unknown.empty()) {
    // RFC 8489 §6.3.1: 420, listing the attributes.
    result.verdict = Verdict::unknown_attributes;
  } else {
    result.verdict = method == Method::binding ? Verdict::binding : Verdict::request;
  }
  return result;
}

Result<ByteSpan, BuildError> build_automatic_response(const Classification& classification, const Endpoint& source,
                                                      std::string_view software, MutableByteSpan out,
                                                      Extras extras) {
  if (extras == Extras::none) software = {};
  switch (classification.verdict) {
    case Verdict::unknown_attributes:
      return build_error_response(classification.type.method, classification.transaction_id,
                                  ErrorCode::unknown_attribute, software, out, &classification.unknown);
    case Verdict::binding:
      return build_binding_success(*classification.message, source, software, out, extras == Extras::all);
    case Verdict::drop:
    case Verdict::request:
    case Verdict::indication:
      break;
  }
  return ByteSpan{};
}

}  // namespace iceway::stun
