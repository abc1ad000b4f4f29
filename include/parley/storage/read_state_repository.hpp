#pragma once
// Read marks (members.read_seq): moving a member's mark forward and the
// member's unread count in that channel by the one unread rule (unread_rule.hpp).
#include "parley/storage/tx.hpp"

#include <cstdint>
#include <string>

namespace parley::storage {

struct ReadMark {
  std::int64_t read_seq = 0;
  int unread_count = 0;  // above the new mark, at most 1000
};

/// Sets the member's read mark to `seq` unless it is already higher (a mark never moves backwards).
/// The member must exist (throws otherwise, like any statement that finds no row it needs).
ReadMark advance_read_mark(Tx& tx, std::int64_t channel_pk, const std::string& user_id, std::int64_t seq);

}  // namespace parley::storage
