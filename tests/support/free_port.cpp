#include "support/free_port.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>

namespace parley::test {

namespace {

// True when nothing listens on 127.0.0.1:port right now.
bool can_bind(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("free_port: socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

// Below the kernel's ephemeral range (32768-60999 on Linux): a port the kernel hands out is also
// used as the source port of outgoing connections, so a server stopped and restarted "on the same
// port" (Redis restart tests) could find it taken by a client socket meanwhile.
std::uint16_t free_port() {
  thread_local std::mt19937 rng{std::random_device{}() ^ static_cast<unsigned>(::getpid())};
  std::uniform_int_distribution<int> pick(20000, 32000);
  for (int attempt = 0; attempt < 500; ++attempt) {
    const auto port = static_cast<std::uint16_t>(pick(rng));
    if (can_bind(port)) return port;
  }
  throw std::runtime_error("free_port: no free port found in 20000-32000");
}

}  // namespace parley::test
