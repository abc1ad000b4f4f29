#include "parley/storage/channel_seq_repository.hpp"

#include "parley/storage/prepared.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

namespace {

const Prepared kChannelSeqNext{"channel_seq_next", "UPDATE channels SET last_seq = last_seq + 1 WHERE pk = $1 RETURNING last_seq"};
const Prepared kChannelSeqNowTs{"channel_seq_now_ts", "SELECT parley_ts(now())"};
// $1 channel, $2 user, $3 the channel's cooldown_s: the seconds left of the cooldown after the user's newest
// message in it (NULL when there is none within the cooldown).
const Prepared kChannelSeqCooldown{"channel_seq_cooldown",
                                   "SELECT ceil(extract(epoch FROM max(created_at) + interval '1 second' * $3::int "
                                   "- now()))::int FROM messages WHERE channel_pk = $1 AND user_id = $2 "
                                   "AND created_at > now() - interval '1 second' * $3::int"};

}  // namespace

std::int64_t take_next_seq(Tx& tx, std::int64_t channel_pk) {
  return kChannelSeqNext(tx, channel_pk).at(0).at(0).as<std::int64_t>();
}

std::string transaction_now_ts(Tx& tx) { return kChannelSeqNowTs(tx).at(0).at(0).c_str(); }

std::optional<int> cooldown_wait_s(Tx& tx, std::int64_t channel_pk, const std::string& user_id, int cooldown_s) {
  const auto rows = kChannelSeqCooldown(tx, channel_pk, user_id, cooldown_s);
  if (rows.empty() || rows[0][0].is_null()) return std::nullopt;
  return rows[0][0].as<int>();
}

}  // namespace parley::storage
