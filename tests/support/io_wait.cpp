#include "support/io_wait.hpp"

namespace parley::test {

bool run_until(boost::asio::io_context& ioc, const std::function<bool()>& done, Deadline deadline) {
  while (!done()) {
    if (ioc.stopped()) {
      ioc.restart();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ioc.poll();
      return done();
    }
    if (ioc.run_one_until(deadline) == 0 && ioc.stopped() && !done()) {
      throw std::logic_error("run_until: no operation pending, the wait can never end");
    }
  }
  return true;
}

void drain_aborted(boost::asio::io_context& ioc) {
  ioc.restart();
  ioc.run_for(std::chrono::seconds(2));
}

}  // namespace parley::test
