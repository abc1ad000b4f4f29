#pragma once
#include <cstdint>

namespace parley::test {

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read, closed).
std::uint16_t free_port();

}  // namespace parley::test
