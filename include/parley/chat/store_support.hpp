#pragma once
// Building blocks shared by the chat stores: channel lookup, the permission
// check, seq assignment, the event log, row rendering and query parsing.
// Synchronous; every function works inside the caller's transaction.
#include "parley/chat/channel_event.hpp"
#include "parley/chat/outcome.hpp"
#include "parley/protocol/channel.hpp"
#include "parley/protocol/message.hpp"
#include "parley/storage/channel_repository.hpp"
#include "parley/storage/message_row.hpp"

#include <map>
#include <optional>
#include <string>

namespace parley::chat {

/// The transaction's now() as RFC 3339 UTC with milliseconds.
std::string now_ts(storage::Tx& tx);

/// A channel as the chat operations hold it: its row's pk and the API's typed channel.
struct ChannelRow {
  std::int64_t pk = 0;
  protocol::Channel channel;
  std::string cid() const { return channel.type + ":" + channel.id; }
  /// The channel object of the API (protocol::to_json).
  nlohmann::json json() const { return protocol::to_json(channel); }
};

/// The API's channel of a stored channel row.
protocol::Channel to_channel(const storage::ChannelRecord& r);
/// The typed channel of a stored channel row, with its pk.
ChannelRow channel_row(const storage::ChannelRecord& r);

/// The row of a channel a caller creates: name and custom from the request body (checked already),
/// created_by the caller unless it is a server.
storage::NewChannel new_channel(const Caller& caller, const std::string& type, const std::string& id,
                                const nlohmann::json& body);

/// The channel (not deleted), optionally locked FOR UPDATE.
std::optional<ChannelRow> find_channel(storage::Tx& tx, std::int64_t app_id, const std::string& type,
                                       const std::string& id, bool for_update);
/// The member's role read in `tx` (exact: sees the transaction's own changes); "" when not a member.
std::string member_role(storage::Tx& tx, std::int64_t channel_pk, const std::string& user_id);
/// The same through the per-node MemberRoleCache (member_role_cache.hpp): for permission checks of a
/// caller, never after the transaction changed memberships. "" when not a member.
std::string caller_role(storage::Tx& tx, std::int64_t channel_pk, const std::string& user_id);
/// Validates the syntax of the type and id (whether the type exists in the app: check_channel_type()).
std::optional<protocol::ApiError> check_channel_name(const std::string& type, const std::string& id);
/// 403 forbidden: "not allowed to <action> in <cid>".
protocol::ApiError not_allowed(const char* action, const std::string& cid);
/// The one permission check: channel type grants applied to the caller's roles.
std::optional<protocol::ApiError> authorize(storage::Tx& tx, const Caller& caller, const std::string& type,
                                            const ChannelRow& ch, const char* action);

std::optional<std::int64_t> parse_seq(const std::map<std::string, std::string>& q, const std::string& name,
                                      std::optional<protocol::ApiError>& error);
int parse_limit(const std::map<std::string, std::string>& q, int def, int max,
                std::optional<protocol::ApiError>& error);

/// Checks a channel's "name" (a string of at most 200 bytes) and "custom" (an object of at most
/// 5 KiB) where `fields` has them.
std::optional<protocol::ApiError> check_name_and_custom(const nlohmann::json& fields);

/// The API's message of a stored message row (reaction_counts {} and own_reactions [] until filled).
protocol::Message to_message(storage::MessageRow row, const std::string& cid);
/// Its JSON object (protocol::to_json).
nlohmann::json message_json(const storage::MessageRow& m, const std::string& cid);

/// The query of a message page: ?before_seq=&after_seq=&limit= (1 to 200, default 50).
struct SeqPage {
  std::optional<std::int64_t> before_seq, after_seq;
  int limit = 50;
};
/// Parses a SeqPage; the error of the first bad parameter otherwise.
std::optional<protocol::ApiError> parse_seq_page(const std::map<std::string, std::string>& q, SeqPage& page);

/// True for callers who moderate the channel (server, app admin, channel owner or moderator).
bool is_channel_moderator(storage::Tx& tx, const Caller& caller, const ChannelRow& ch);
/// 403 channel_frozen for non-moderators of a frozen channel; 429 cooldown (details.retry_after_s)
/// when the caller sent a message within the channel's cooldown_s (slow mode).
std::optional<protocol::ApiError> check_frozen_and_cooldown(storage::Tx& tx, const Caller& caller,
                                                            const ChannelRow& ch);

/// The refusals of check_frozen_and_cooldown (also given by the batched send path).
protocol::ApiError channel_frozen_error();
protocol::ApiError cooldown_error(std::int64_t retry_after_s, std::int64_t cooldown_s);

/// Takes the channel's next seq (locks the channel row until commit).
std::int64_t next_seq(storage::Tx& tx, std::int64_t channel_pk);
/// Writes the event row and records the event in `changes` (published after the commit).
void append_event(storage::Tx& tx, Changes& changes, std::int64_t channel_pk, std::int64_t seq, const std::string& type,
                  const nlohmann::json& payload);

}  // namespace parley::chat
