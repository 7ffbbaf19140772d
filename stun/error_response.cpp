#include "stun/error_response.hpp"

#include "stun/attributes/text.hpp"

namespace iceway::stun {

MessageBuilder& start_error_response(MessageBuilder& builder, Method method, const TransactionId& transaction_id,
                                     ErrorCode code) {
  return builder.start({method, Class::error}, transaction_id).add(ErrorCodeAttribute::of(code));
}

Result<ByteSpan, BuildError> build_error_response(Method method, const TransactionId& transaction_id, ErrorCode code,
                                                  std::string_view software, MutableByteSpan out,
                                                  const UnknownAttributes* unknown) {
  MessageBuilder builder(out);
  start_error_response(builder, method, transaction_id, code);
  if (unknown != nullptr && !unknown->empty()) builder.add(*unknown);
  if (!software.empty()) builder.add(Software{software});
  builder.add_fingerprint();
  return builder.finish();
}

}  // namespace iceway::stun
