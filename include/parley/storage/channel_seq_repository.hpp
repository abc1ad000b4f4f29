#pragma once
// What every write to a channel needs besides its own rows: the channel's next
// seq, the transaction's now() as the API renders it, and the slow-mode
// (cooldown) check. Synchronous; works inside the caller's transaction.
#include "parley/storage/tx.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace parley::storage {

/// Increments the channel's last_seq and returns it (locks the channel row until the transaction ends).
std::int64_t take_next_seq(Tx& tx, std::int64_t channel_pk);

/// The transaction's now() as RFC 3339 UTC text with milliseconds (parley_ts).
std::string transaction_now_ts(Tx& tx);

/// Seconds (rounded up; may be <= 0 at the edge) until the user may send again in a channel with a
/// cooldown of `cooldown_s`: nullopt when the user sent no message in the channel in the last cooldown_s.
std::optional<int> cooldown_wait_s(Tx& tx, std::int64_t channel_pk, const std::string& user_id, int cooldown_s);

}  // namespace parley::storage
