#include "support/self_signed_cert.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <functional>
#include <memory>
#include <stdexcept>

namespace parley::test {
namespace {

struct OpenSslFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(X509* cert) const { X509_free(cert); }
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
  void operator()(BIO* bio) const { BIO_free(bio); }
  void operator()(BIGNUM* number) const { BN_free(number); }
};

template <class T>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree>;

[[noreturn]] void fail(const std::string& what) {
  char detail[256] = "no OpenSSL error queued";
  if (const unsigned long code = ERR_get_error(); code != 0) {
    ERR_error_string_n(code, detail, sizeof(detail));
  }
  ERR_clear_error();
  throw std::runtime_error("make_self_signed_cert: " + what + ": " + detail);
}

void check(bool ok, const std::string& what) {
  if (!ok) {
    fail(what);
  }
}

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  OpenSslPtr<X509_EXTENSION> extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  check(extension != nullptr, std::string("extension ") + value);
  check(X509_add_ext(cert, extension.get(), -1) == 1, "X509_add_ext");
}

void write_pem(const std::string& path, const std::function<int(BIO*)>& write) {
  OpenSslPtr<BIO> bio(BIO_new_file(path.c_str(), "w"));
  check(bio != nullptr, "cannot open " + path);
  check(write(bio.get()) == 1, "cannot write " + path);
}

}  // namespace

CertFiles make_self_signed_cert(const std::string& dir) {
  OpenSslPtr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  check(key != nullptr, "EVP_PKEY_Q_keygen(EC, P-256)");

  OpenSslPtr<X509> cert(X509_new());
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");

  unsigned char serial_bytes[16];
  check(RAND_bytes(serial_bytes, sizeof(serial_bytes)) == 1, "RAND_bytes");
  serial_bytes[0] &= 0x7f;  // a positive serial number
  OpenSslPtr<BIGNUM> serial(BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr));
  check(serial != nullptr && BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr,
        "serial number");

  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60L * 60) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 60 * 60) != nullptr, "notAfter");

  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1,
                                   -1, 0) == 1,
        "subject CN");
  check(X509_set_issuer_name(cert.get(), name) == 1, "issuer");
  check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
  add_extension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), NID_ext_key_usage, "serverAuth");
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

  CertFiles files{dir + "/cert.pem", dir + "/key.pem"};
  write_pem(files.cert_path, [&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); });
  write_pem(files.key_path,
            [&](BIO* bio) { return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
  return files;
}

}  // namespace parley::test
