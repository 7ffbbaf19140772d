#include "turn/handlers/response.hpp"

#include <cassert>

#include "stun/attributes/address.hpp"
#include "stun/attributes/text.hpp"
#include "stun/error_response.hpp"
#include "turn/security_features.hpp"

namespace iceway::turn {
namespace {

// Turns a finished builder into the result. A build failure means the caller's buffer is
// smaller than kMinResponseBuffer or a configured text (SOFTWARE, REALM) breaks an RFC
// limit, which app/ validates; answering nothing is then better than answering garbage.
HandleResult finish(stun::MessageBuilder& builder, const stun::MessageView& request,
                    std::optional<stun::ErrorCode> code, bool authenticated) {
  HandleResult result;
  result.method = request.method();
  result.error = code;
  result.authenticated = authenticated;
  auto bytes = builder.finish();
  assert(bytes);  // see above: a configuration or caller bug, not a client's doing
  if (bytes) result.response = bytes.value();
  return result;
}

void close_authenticated(stun::MessageBuilder& builder, const SessionKey& key, const Context& ctx) {
  if (!ctx.settings.software.empty()) builder.add(stun::Software{ctx.settings.software});
  key.sign(builder);
  builder.add_fingerprint();
}

}  // namespace

HandleResult success_response(const stun::MessageView& request, const SessionKey& key, Context& ctx,
                              const std::function<void(stun::MessageBuilder&)>& add) {
  stun::MessageBuilder builder(ctx.out);
  builder.start({request.method(), stun::Class::success}, request.transaction_id());
  if (add) add(builder);
  close_authenticated(builder, key, ctx);
  return finish(builder, request, std::nullopt, true);
}

HandleResult error_response(const stun::MessageView& request, stun::ErrorCode code, const SessionKey& key,
                            Context& ctx, const stun::UnknownAttributes* unknown) {
  stun::MessageBuilder builder(ctx.out);
  stun::start_error_response(builder, request.method(), request.transaction_id(), code);
  if (unknown != nullptr && !unknown->empty()) builder.add(*unknown);
  close_authenticated(builder, key, ctx);
  return finish(builder, request, code, true);
}

HandleResult try_alternate_response(const stun::MessageView& request, const Endpoint& alternate,
                                    const SessionKey& key, Context& ctx) {
  stun::MessageBuilder builder(ctx.out);
  stun::start_error_response(builder, request.method(), request.transaction_id(), stun::ErrorCode::try_alternate);
  builder.add(stun::AlternateServer{alternate});
  close_authenticated(builder, key, ctx);
  return finish(builder, request, stun::ErrorCode::try_alternate, true);
}

HandleResult challenge_response(const stun::MessageView& request, stun::ErrorCode code, Context& ctx) {
  // RFC 8489 §9.2.4: the nonce carries the security-feature cookie and the answer offers
  // the password algorithms, both in 401 and 438.
  const std::string nonce =
      std::string(kNonceCookie) + ctx.nonces.issue(ctx.five_tuple.client, ctx.five_tuple.transport, ctx.now_unix);
  stun::MessageBuilder builder(ctx.out);
  stun::start_error_response(builder, request.method(), request.transaction_id(), code);
  builder.add(stun::Realm{ctx.settings.realm}).add(stun::Nonce{nonce}).add(kOfferedPasswordAlgorithms).add_fingerprint();
  return finish(builder, request, code, false);
}

HandleResult plain_error_response(const stun::MessageView& request, stun::ErrorCode code, Context& ctx) {
  stun::MessageBuilder builder(ctx.out);
  stun::start_error_response(builder, request.method(), request.transaction_id(), code);
  builder.add_fingerprint();
  return finish(builder, request, code, false);
}

}  // namespace iceway::turn
