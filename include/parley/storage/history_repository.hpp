#pragma once
// A channel's history page in one prepared statement: whether the channel
// exists, the reader's member role in it, and the page's messages with their
// reaction counts and the reader's own reactions (as JSON text, spliced into
// the response without parsing). Synchronous: runs inside a DbPool call.
#include "parley/storage/message_row.hpp"

#include "parley/storage/tx.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::storage {

struct HistoryMessage {
  MessageRow row;
  std::string reaction_counts_json;  // {"like": 2, ...}
  std::string own_reactions_json;    // the reader's reactions: [{"type", "score", ...}]
};

struct HistoryPage {
  std::int64_t channel_pk = 0;
  std::string reader_role;               // the reader's member role; empty when not a member (or a server)
  std::vector<HistoryMessage> messages;  // in seq order
  bool has_more = false;
};

struct HistoryQuery {
  std::int64_t app_id = 0;
  std::string type, id;
  std::string reader;  // user id; empty for a server
  std::optional<std::int64_t> before_seq, after_seq;
  int limit = 50;
};

/// nullopt when the channel does not exist (or is deleted). Newest page unless after_seq is set.
std::optional<HistoryPage> read_history(Tx& tx, const HistoryQuery& q);

}  // namespace parley::storage
