#pragma once
// Cryptographically strong random identifiers and secrets (OpenSSL RAND_bytes).
#include <cstddef>
#include <string>

namespace parley::auth {

std::string random_bytes(std::size_t n);
std::string random_hex(std::size_t bytes);
std::string base64url_encode(std::string_view data);
/// Returns false on characters outside the base64url alphabet.
bool base64url_decode(std::string_view in, std::string& out);

}  // namespace parley::auth
