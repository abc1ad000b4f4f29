#pragma once
// Every open connection registers a drain callback here, so SIGTERM can ask
// each one, on its own io thread, to finish and close. Touched only on
// connect, disconnect and drain (never per request), so a mutex is fine.
#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace parley::net {

/// Shared by all io threads; owned by the Server.
class ConnectionRegistry {
 public:
  using Id = std::uint64_t;

  /// on_drain runs on `executor`; it must tolerate the connection being gone (capture weak_ptr).
  Id add(boost::asio::any_io_executor executor, std::function<void()> on_drain);
  void remove(Id id);
  std::size_t size() const;
  /// Posts every on_drain to its executor (and every one registered from now on runs at once).
  void drain_all();
  bool draining() const;

 private:
  struct Entry {
    boost::asio::any_io_executor executor;
    std::function<void()> on_drain;
  };
  mutable std::mutex mutex_;
  std::unordered_map<Id, Entry> entries_;
  Id next_id_ = 1;
  bool draining_ = false;
};

/// RAII: removes the registration when the connection's coroutine ends.
class ConnectionRegistration {
 public:
  ConnectionRegistration(ConnectionRegistry& r, ConnectionRegistry::Id id) : registry_(r), id_(id) {}
  ~ConnectionRegistration() { registry_.remove(id_); }
  ConnectionRegistration(const ConnectionRegistration&) = delete;
  ConnectionRegistration& operator=(const ConnectionRegistration&) = delete;

 private:
  ConnectionRegistry& registry_;
  ConnectionRegistry::Id id_;
};

}  // namespace parley::net
