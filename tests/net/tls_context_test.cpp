#include "net/tls_context.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace iceway::net {
namespace {

// A throwaway self-signed certificate and its key, written as PEM files in a fresh folder.
class TlsFiles {
 public:
  TlsFiles() : dir_(std::filesystem::temp_directory_path() / ("iceway-tls-test-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~TlsFiles() { std::filesystem::remove_all(dir_); }

  // Writes NAME.crt and NAME.key; each call makes a new key, so a new certificate.
  void make(const std::string& name, long serial) {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    X509_sign(cert, key, EVP_sha256());
    std::FILE* out = std::fopen(cert_path(name).c_str(), "w");
    PEM_write_X509(out, cert);
    std::fclose(out);
    out = std::fopen(key_path(name).c_str(), "w");
    PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(out);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  std::string cert_path(const std::string& name) const { return (dir_ / (name + ".crt")).string(); }
  std::string key_path(const std::string& name) const { return (dir_ / (name + ".key")).string(); }

 private:
  std::filesystem::path dir_;
};

TEST(TlsContext, TheSameFilesLoadedTwiceServeTheSameCertificate) {
  TlsFiles files;
  files.make("a", 1);
  auto first = make_server_tls_context(files.cert_path("a"), files.key_path("a"));
  auto again = make_server_tls_context(files.cert_path("a"), files.key_path("a"));
  ASSERT_TRUE(first) << first.error();
  ASSERT_TRUE(again) << again.error();
  EXPECT_TRUE(same_certificate(*first.value(), *again.value()));
}

TEST(TlsContext, ARenewedCertificateIsADifferentOne) {
  TlsFiles files;
  files.make("old", 1);
  files.make("new", 2);
  auto old_context = make_server_tls_context(files.cert_path("old"), files.key_path("old"));
  auto new_context = make_server_tls_context(files.cert_path("new"), files.key_path("new"));
  ASSERT_TRUE(old_context && new_context);
  EXPECT_FALSE(same_certificate(*old_context.value(), *new_context.value()));
}

TEST(TlsContext, ErrorsNameTheFileThatIsWrong) {
  TlsFiles files;
  files.make("a", 1);
  files.make("b", 2);
  auto missing = make_server_tls_context(files.cert_path("absent"), files.key_path("a"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find(files.cert_path("absent")), std::string::npos) << missing.error();
  auto mismatched = make_server_tls_context(files.cert_path("a"), files.key_path("b"));
  ASSERT_FALSE(mismatched);
  EXPECT_NE(mismatched.error().find("does not match"), std::string::npos) << mismatched.error();
}

}  // namespace
}  // namespace iceway::net
