#pragma once
// Error responses (RFC 8489 §6.3.1.1): the ERROR-CODE attribute with the table's reason
// phrase, echoing the request's method and transaction id.
#include <string_view>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "stun/attributes/error_code.hpp"
#include "stun/message.hpp"
#include "stun/message_builder.hpp"

namespace iceway::stun {

// Starts an error response in `builder` and adds ERROR-CODE. Handlers that need more (REALM
// and NONCE on 401 and 438, ALTERNATE-SERVER on 300, MESSAGE-INTEGRITY once authenticated)
// add them and finish the builder themselves.
MessageBuilder& start_error_response(MessageBuilder& builder, Method method, const TransactionId& transaction_id,
                                     ErrorCode code);

// A complete unauthenticated error response: ERROR-CODE, UNKNOWN-ATTRIBUTES when `unknown`
// is given and not empty (420), SOFTWARE when not empty, FINGERPRINT.
Result<ByteSpan, BuildError> build_error_response(Method method, const TransactionId& transaction_id, ErrorCode code,
                                                  std::string_view software, MutableByteSpan out,
                                                  const UnknownAttributes* unknown = nullptr);

}  // namespace iceway::stun
