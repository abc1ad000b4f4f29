#pragma once
#include <string>

namespace parley::test {

/// PEM files of a certificate and its private key.
struct CertFiles {
  std::string cert_path;
  std::string key_path;
};

/// Writes `dir`/cert.pem and `dir`/key.pem: a fresh EC P-256 key and a
/// self-signed certificate for CN=localhost (SAN DNS:localhost, IP:127.0.0.1),
/// valid from an hour ago for 30 days. Throws on any OpenSSL failure.
CertFiles make_self_signed_cert(const std::string& dir);

}  // namespace parley::test
