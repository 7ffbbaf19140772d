#include "net/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace iceway::net {

namespace {
std::string openssl_reason(const boost::system::error_code& error) {
  std::string reason = error.message();
  return reason.empty() ? "unknown OpenSSL error" : reason;
}
}  // namespace

Result<TlsContextPtr, std::string> make_server_tls_context(const std::string& cert_chain_file,
                                                           const std::string& key_file) {
  auto context = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  // TLS 1.2 and 1.3 only: what browsers speak for turns: and wss:.
  context->set_options(boost::asio::ssl::context::default_workarounds | boost::asio::ssl::context::no_sslv2 |
                       boost::asio::ssl::context::no_sslv3 | boost::asio::ssl::context::no_tlsv1 |
                       boost::asio::ssl::context::no_tlsv1_1 | boost::asio::ssl::context::single_dh_use);
  boost::system::error_code error;
  context->use_certificate_chain_file(cert_chain_file, error);
  if (error) return failure("cannot load certificate " + cert_chain_file + ": " + openssl_reason(error));
  context->use_private_key_file(key_file, boost::asio::ssl::context::pem, error);
  if (error && ERR_GET_REASON(static_cast<unsigned long>(error.value())) == X509_R_KEY_VALUES_MISMATCH)
    return failure("key " + key_file + " does not match certificate " + cert_chain_file);
  if (error) return failure("cannot load key " + key_file + ": " + openssl_reason(error));
  if (SSL_CTX_check_private_key(context->native_handle()) != 1)
    return failure("key " + key_file + " does not match certificate " + cert_chain_file);
  return context;
}

std::shared_ptr<SSL_CTX> make_server_dtls_context(const boost::asio::ssl::context& tls) {
  SSL_CTX* from = const_cast<boost::asio::ssl::context&>(tls).native_handle();  // only read
  std::shared_ptr<SSL_CTX> context(SSL_CTX_new(DTLS_server_method()), SSL_CTX_free);
  if (!context) return nullptr;
  X509* certificate = SSL_CTX_get0_certificate(from);
  EVP_PKEY* key = SSL_CTX_get0_privatekey(from);
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(from, &chain);
  if (certificate == nullptr || key == nullptr || SSL_CTX_use_certificate(context.get(), certificate) != 1 ||
      SSL_CTX_use_PrivateKey(context.get(), key) != 1 || (chain != nullptr && SSL_CTX_set1_chain(context.get(), chain) != 1)) {
    ERR_clear_error();
    return nullptr;
  }
  return context;
}

bool same_certificate(const boost::asio::ssl::context& a, const boost::asio::ssl::context& b) {
  // SSL_CTX_get0_certificate takes a non-const context but only reads it.
  X509* first = SSL_CTX_get0_certificate(const_cast<boost::asio::ssl::context&>(a).native_handle());
  X509* second = SSL_CTX_get0_certificate(const_cast<boost::asio::ssl::context&>(b).native_handle());
  return first != nullptr && second != nullptr && X509_cmp(first, second) == 0;
}

std::optional<std::int64_t> certificate_not_after(const boost::asio::ssl::context& context) {
  X509* certificate = SSL_CTX_get0_certificate(const_cast<boost::asio::ssl::context&>(context).native_handle());
  if (certificate == nullptr) return std::nullopt;
  // ASN1_TIME_diff from the epoch gives days and seconds without timegm's dependence on TZ.
  ASN1_TIME* epoch = ASN1_TIME_set(nullptr, 0);
  if (epoch == nullptr) return std::nullopt;
  int days = 0;
  int seconds = 0;
  const bool ok = ASN1_TIME_diff(&days, &seconds, epoch, X509_get0_notAfter(certificate)) == 1;
  ASN1_TIME_free(epoch);
  if (!ok) return std::nullopt;
  return std::int64_t{days} * 86400 + seconds;
}

}  // namespace iceway::net
