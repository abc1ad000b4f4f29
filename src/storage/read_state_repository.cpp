#include "parley/storage/read_state_repository.hpp"

#include "parley/storage/prepared.hpp"
#include "parley/storage/unread_rule.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

namespace {

// $1 channel, $2 user, $3 the new mark: the mark after the update and the unread count above it.
const Prepared kAdvanceReadMark{"read_state_advance",
                                "UPDATE members SET read_seq = GREATEST(read_seq, $3::bigint) WHERE channel_pk = $1 "
                                "AND user_id = $2 RETURNING read_seq, " PARLEY_UNREAD_COUNT("$1", "members.read_seq", "$2")};

}  // namespace

ReadMark advance_read_mark(Tx& tx, std::int64_t channel_pk, const std::string& user_id, std::int64_t seq) {
  const auto rows = kAdvanceReadMark(tx, channel_pk, user_id, seq);
  if (rows.size() != 1) {
    throw pqxx::unexpected_rows("read_state_advance: expected 1 row, got " + std::to_string(rows.size()));
  }
  return ReadMark{rows[0][0].as<std::int64_t>(), rows[0][1].as<int>()};
}

}  // namespace parley::storage
