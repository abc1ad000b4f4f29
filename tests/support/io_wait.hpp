#pragma once
// Blocking waits on top of asynchronous operations, so that every wait in a
// test honours a deadline (synchronous Beast calls ignore expires_after).
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>

namespace parley::test {

/// Thrown when a test client waited longer than its timeout.
class TimeoutError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Deadline = std::chrono::steady_clock::time_point;

inline Deadline deadline_after(std::chrono::milliseconds timeout) { return std::chrono::steady_clock::now() + timeout; }

/// Runs handlers of `ioc` on the calling thread until `done()` holds (true) or
/// the deadline passes (false; what is ready by then still runs, so a past
/// deadline is a poll). Pending operations stay pending on timeout.
/// Throws std::logic_error if nothing is pending and `done()` never can become true.
bool run_until(boost::asio::io_context& ioc, const std::function<bool()>& done, Deadline deadline);

/// After a timeout: call once the connection is closed, so that its aborted
/// handlers run (they may refer to the caller's locals) before the caller throws.
void drain_aborted(boost::asio::io_context& ioc);

}  // namespace parley::test
