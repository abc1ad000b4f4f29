#pragma once
// How the transports tell an infrastructure outage (answer 503, retry) from a bug (500) without
// knowing the storage layer's exception types.
#include <exception>

namespace parley::chat {

/// True when `e` means the database is unavailable: the pool is saturated or stopped, a call waited past
/// its deadline, the connection broke, or a statement ran past statement_timeout.
bool is_unavailable(const std::exception& e);

}  // namespace parley::chat
