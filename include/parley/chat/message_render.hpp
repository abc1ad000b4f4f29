#pragma once
// A message as JSON text, written straight from its row (no JSON tree): the
// same object as message_json() with the reaction fields filled in, for hot
// reads that return many messages (the history page).
#include "parley/storage/message_row.hpp"

#include <string>
#include <string_view>

namespace parley::chat {

/// Appends the message object. `reaction_counts` and `own_reactions` are JSON text (an object and an
/// array) spliced in as they are.
void append_message_json(std::string& out, const storage::MessageRow& m, std::string_view cid,
                         std::string_view reaction_counts, std::string_view own_reactions);

}  // namespace parley::chat
