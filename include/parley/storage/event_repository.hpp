#pragma once
// The channel event log as the realtime feeds read it back (gap fills, catch-up after a Redis
// reconnect). Synchronous: runs inside a DbPool call.
#include "parley/storage/tx.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace parley::storage {

/// No permission check (internal): up to `limit` events of the app's channel `cid` ("type:id") after seq
/// `after`, in order, as (seq, JSON text) in the compact form live frames have.
std::vector<std::pair<std::int64_t, std::string>> events_after(Connection& c, std::int64_t app_id,
                                                               const std::string& cid, std::int64_t after, int limit);

}  // namespace parley::storage
