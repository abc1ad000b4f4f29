#include "parley/net/connection_registry.hpp"

#include <boost/asio/post.hpp>

namespace parley::net {

ConnectionRegistry::Id ConnectionRegistry::add(boost::asio::any_io_executor executor, std::function<void()> on_drain) {
  std::lock_guard lock(mutex_);
  const Id id = next_id_++;
  if (draining_) boost::asio::post(executor, on_drain);
  entries_.emplace(id, Entry{std::move(executor), std::move(on_drain)});
  return id;
}

void ConnectionRegistry::remove(Id id) {
  std::lock_guard lock(mutex_);
  entries_.erase(id);
}

std::size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

bool ConnectionRegistry::draining() const {
  std::lock_guard lock(mutex_);
  return draining_;
}

void ConnectionRegistry::drain_all() {
  std::lock_guard lock(mutex_);
  draining_ = true;
  for (auto& [id, e] : entries_) boost::asio::post(e.executor, e.on_drain);
}

}  // namespace parley::net
