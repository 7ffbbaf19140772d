#pragma once
// A throwaway self-signed certificate (P-256, valid one day) for tests that need a TLS or DTLS
// server: made in memory and installed in an OpenSSL context, so no test writes key files.
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace iceway::testing {

// Installs a new key and a certificate for CN=`common_name` in `context`.
inline void use_self_signed_certificate(SSL_CTX* context, const char* common_name) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* certificate = X509_new();
  X509_set_version(certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
  X509_gmtime_adj(X509_getm_notBefore(certificate), 0);
  X509_gmtime_adj(X509_getm_notAfter(certificate), 86400);
  X509_set_pubkey(certificate, key);
  X509_NAME* name = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(certificate, name);
  X509_sign(certificate, key, EVP_sha256());
  SSL_CTX_use_certificate(context, certificate);
  SSL_CTX_use_PrivateKey(context, key);
  X509_free(certificate);
  EVP_PKEY_free(key);
}

}  // namespace iceway::testing
