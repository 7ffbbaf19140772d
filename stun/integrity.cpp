#include "stun/integrity.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cassert>
#include <cstring>
#include <memory>

#include "stun/fingerprint.hpp"

namespace iceway::stun {

namespace {

struct MacContextFree {
  void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
};
struct DigestContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

// Fetched once: EVP_MAC_fetch looks the algorithm up in the provider tables under a lock.
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

// HMAC over header then body. Returns false only if OpenSSL fails (out of memory, or a
// provider without the digest), which callers treat as "does not verify".
bool hmac(const char* digest, ByteSpan key, ByteSpan header, ByteSpan body, std::byte* out, std::size_t out_size) {
  EVP_MAC* mac = hmac_algorithm();
  if (mac == nullptr) return false;
  std::unique_ptr<EVP_MAC_CTX, MacContextFree> context(EVP_MAC_CTX_new(mac));
  if (!context) return false;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end(),
  };
  // OpenSSL reads a null key as "keep the previous key"; an empty key must still be a key.
  static const unsigned char kEmpty = 0;
  const auto* key_bytes = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  std::size_t written = 0;
  return EVP_MAC_init(context.get(), key_bytes, key.size(), params) == 1 &&
         EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(header.data()), header.size()) == 1 &&
         EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(body.data()), body.size()) == 1 &&
         EVP_MAC_final(context.get(), reinterpret_cast<unsigned char*>(out), &written, out_size) == 1 &&
         written == out_size;
}

template <std::size_t N>
std::array<std::byte, N> digest_of(const EVP_MD* algorithm, std::string_view username, std::string_view realm,
                                   std::string_view password) {
  std::array<std::byte, N> out{};
  std::unique_ptr<EVP_MD_CTX, DigestContextFree> context(EVP_MD_CTX_new());
  unsigned int written = 0;
  const bool ok = context && EVP_DigestInit_ex(context.get(), algorithm, nullptr) == 1 &&
                  EVP_DigestUpdate(context.get(), username.data(), username.size()) == 1 &&
                  EVP_DigestUpdate(context.get(), ":", 1) == 1 &&
                  EVP_DigestUpdate(context.get(), realm.data(), realm.size()) == 1 &&
                  EVP_DigestUpdate(context.get(), ":", 1) == 1 &&
                  EVP_DigestUpdate(context.get(), password.data(), password.size()) == 1 &&
                  EVP_DigestFinal_ex(context.get(), reinterpret_cast<unsigned char*>(out.data()), &written) == 1;
  // MD5 and SHA-256 are in OpenSSL's default provider; without them no key can be right,
  // and an all-zero key never matches a real client's HMAC.
  if (!ok || written != N) out.fill(std::byte{0});
  return out;
}

// The message header with the length field set to end right after the attribute at
// `attribute_offset`: what the sender hashed (RFC 8489 §14.5, §14.6, §14.7).
std::array<std::byte, kHeaderSize> adjusted_header(const MessageView& message, const Attribute& attribute) {
  std::array<std::byte, kHeaderSize> header{};
  std::memcpy(header.data(), message.bytes().data(), kHeaderSize);
  const std::size_t end = attribute.offset + kAttributeHeaderSize + ((attribute.value.size() + 3) & ~std::size_t{3});
  store_u16(header.data() + 2, static_cast<std::uint16_t>(end - kHeaderSize));
  return header;
}

ByteSpan body_before(const MessageView& message, const Attribute& attribute) {
  return message.bytes().subspan(kHeaderSize, attribute.offset - kHeaderSize);
}

}  // namespace

LongTermKey long_term_key(std::string_view username, std::string_view realm, std::string_view password) {
  return digest_of<16>(EVP_md5(), username, realm, password);
}

LongTermKeySha256 long_term_key_sha256(std::string_view username, std::string_view realm, std::string_view password) {
  return digest_of<32>(EVP_sha256(), username, realm, password);
}

std::array<std::byte, 32> user_hash(std::string_view username, std::string_view realm) {
  std::array<std::byte, 32> out{};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned int written = 0;
  const bool ok = context && EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(context.get(), username.data(), username.size()) == 1 &&
                  EVP_DigestUpdate(context.get(), ":", 1) == 1 &&
                  EVP_DigestUpdate(context.get(), realm.data(), realm.size()) == 1 &&
                  EVP_DigestFinal_ex(context.get(), reinterpret_cast<unsigned char*>(out.data()), &written) == 1;
  // Without SHA-256 no hash can be right; an all-zero one matches no configured user's.
  if (!ok || written != out.size()) out.fill(std::byte{0});
  return out;
}

Sha1Hmac hmac_sha1(ByteSpan key, ByteSpan header, ByteSpan body) {
  Sha1Hmac out{};
  if (!hmac("SHA1", key, header, body, out.data(), out.size())) out.fill(std::byte{0});
  return out;
}

Sha256Hmac hmac_sha256(ByteSpan key, ByteSpan header, ByteSpan body) {
  Sha256Hmac out{};
  if (!hmac("SHA256", key, header, body, out.data(), out.size())) out.fill(std::byte{0});
  return out;
}

bool verify_message_integrity(const MessageView& message, ByteSpan key) {
  const auto attribute = message.message_integrity();
  if (!attribute) return false;
  // parse() guarantees 20 bytes (RFC 8489 §14.5).
  assert(attribute->value.size() == 20);
  Sha1Hmac expected{};
  const auto header = adjusted_header(message, *attribute);
  if (!hmac("SHA1", key, header, body_before(message, *attribute), expected.data(), expected.size())) return false;
  return CRYPTO_memcmp(expected.data(), attribute->value.data(), expected.size()) == 0;
}

bool verify_message_integrity_sha256(const MessageView& message, ByteSpan key) {
  const auto attribute = message.message_integrity_sha256();
  if (!attribute) return false;
  // parse() guarantees 16-32 bytes in steps of 4 (RFC 8489 §14.6): compare that prefix.
  assert(attribute->value.size() >= 16 && attribute->value.size() <= 32);
  Sha256Hmac expected{};
  const auto header = adjusted_header(message, *attribute);
  if (!hmac("SHA256", key, header, body_before(message, *attribute), expected.data(), expected.size())) return false;
  return CRYPTO_memcmp(expected.data(), attribute->value.data(), attribute->value.size()) == 0;
}

bool verify_fingerprint(const MessageView& message) {
  const auto attribute = message.fingerprint();
  if (!attribute) return false;
  const auto header = adjusted_header(message, *attribute);
  return fingerprint_value(header, body_before(message, *attribute)) == load_u32(attribute->value.data());
}

}  // namespace iceway::stun
