#pragma once
// Reactions of messages and the per-message counts that go with them
// (messages.reaction_counts). Typed rows only (rendered to JSON by chat/).
// Synchronous; every function works inside the caller's transaction.
#include "parley/storage/tx.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::storage {

/// A stored reaction. Timestamps are RFC 3339 UTC text.
struct ReactionRow {
  std::string message_id, user_id, type;
  int score = 0;
  std::string created_at, updated_at;
};

/// One reaction's key within a message: its message and type.
struct ReactionKey {
  std::string message_id, type;
};

/// The reaction counts of a message and one user's own reactions on it, as JSON text.
struct MessageReactions {
  std::string message_id;
  std::string reaction_counts_json;  // {"like": 2, ...}
  std::string own_reactions_json;    // [{"type","score","created_at","updated_at"}, ...] by created_at, type
};

/// The counts and `user_id`'s own reactions ("[]" when user_id is empty) of those of the app's messages
/// `message_ids` that exist, in no particular order.
std::vector<MessageReactions> read_message_reactions(Tx& tx, std::int64_t app_id,
                                                     const std::vector<std::string>& message_ids,
                                                     const std::string& user_id);

/// The message's reaction_counts as JSON text; the message must exist (throws pqxx::unexpected_rows otherwise).
std::string read_reaction_counts(Tx& tx, std::int64_t app_id, const std::string& message_id);
/// Adds `delta` to the message's count of `type` (a count that drops to 0 or below removes the key); the
/// message must exist (throws pqxx::unexpected_rows otherwise). The new counts as JSON text.
std::string change_reaction_count(Tx& tx, std::int64_t app_id, const std::string& message_id, const std::string& type,
                                  int delta);

/// The user's reactions on other users' messages of the channel, by message seq then type.
std::vector<ReactionKey> user_reactions_on_others(Tx& tx, std::int64_t app_id, std::int64_t channel_pk,
                                                  const std::string& user_id);

/// Deletes the user's reaction of `type` on the message; the deleted row, nullopt when there was none.
std::optional<ReactionRow> delete_reaction_row(Tx& tx, std::int64_t app_id, const std::string& message_id,
                                               const std::string& user_id, const std::string& type);
/// Deletes the user's reactions on the message of every type but `kept_type`; the deleted rows.
std::vector<ReactionRow> delete_other_reactions(Tx& tx, std::int64_t app_id, const std::string& message_id,
                                                const std::string& user_id, const std::string& kept_type);
/// The score of the user's reaction of `type` on the message, its row locked FOR UPDATE; nullopt when none.
std::optional<int> lock_reaction_score(Tx& tx, std::int64_t app_id, const std::string& message_id,
                                       const std::string& user_id, const std::string& type);
/// Stores a new reaction.
ReactionRow insert_reaction(Tx& tx, std::int64_t app_id, const std::string& message_id, const std::string& user_id,
                            const std::string& type, int score);
/// Sets the score (and updated_at) of an existing reaction.
ReactionRow update_reaction_score(Tx& tx, std::int64_t app_id, const std::string& message_id,
                                  const std::string& user_id, const std::string& type, int score);
/// An existing reaction as stored.
ReactionRow get_reaction(Tx& tx, std::int64_t app_id, const std::string& message_id, const std::string& user_id,
                         const std::string& type);

}  // namespace parley::storage
