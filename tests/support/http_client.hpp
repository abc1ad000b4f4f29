#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "support/http_connection.hpp"
#include "support/http_response.hpp"

namespace parley::test {

/// One request on a fresh connection to 127.0.0.1:port (TLS: no certificate
/// checks, SNI "localhost"). Throws TimeoutError when the whole exchange takes
/// longer than `timeout`, std::runtime_error when no full response arrives.
HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body = "", const std::map<std::string, std::string>& headers = {},
                          bool tls = false, std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace parley::test
