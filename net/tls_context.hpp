#pragma once
// Builds the OpenSSL server context for turns: and https:/wss: from a certificate chain and
// key file. A reload (SIGHUP) builds a new context; connections keep the one they started
// with (shared_ptr), new connections get the new one, so nothing is dropped.
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.hpp"

namespace iceway::net {

using TlsContextPtr = std::shared_ptr<boost::asio::ssl::context>;

// Errors name the file and OpenSSL's reason ("cannot load key /etc/...: no start line").
Result<TlsContextPtr, std::string> make_server_tls_context(const std::string& cert_chain_file,
                                                           const std::string& key_file);

// A DTLS server context (DTLS_server_method) serving the certificate chain and key of `tls`,
// for TURN over DTLS on the UDP side of the TLS port: built from the TLS context, so a reload
// that replaces that one gives DTLS the new certificate too. nullptr when OpenSSL cannot.
std::shared_ptr<SSL_CTX> make_server_dtls_context(const boost::asio::ssl::context& tls);

// True when both contexts serve the same leaf certificate, so a reload that re-read unchanged
// files can say "nothing changed" instead of claiming a new certificate.
bool same_certificate(const boost::asio::ssl::context& a, const boost::asio::ssl::context& b);

// The served leaf certificate's notAfter as Unix seconds, or nullopt when the context holds
// no certificate (or OpenSSL cannot read the time): iceway_tls_certificate_expiry_timestamp_seconds.
std::optional<std::int64_t> certificate_not_after(const boost::asio::ssl::context& context);

}  // namespace iceway::net
