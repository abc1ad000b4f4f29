#pragma once
// The channel list (GET /v1/channels): a page of a member's channels with the
// member's membership and unread count, and the state rows of many channels at
// once (members, newest messages) in a fixed number of statements. Typed rows
// only (rendered to JSON by chat/). Synchronous; works inside the caller's transaction.
#include "parley/storage/channel_repository.hpp"
#include "parley/storage/member_repository.hpp"
#include "parley/storage/message_row.hpp"
#include "parley/storage/tx.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::storage {

enum class ChannelListSort {
  last_message_at,  // COALESCE(last_message_at, created_at): channels without messages by creation time
  created_at
};

struct ChannelListQuery {
  std::int64_t app_id = 0;
  std::string user_id;                     // whose channels
  std::optional<std::string> type;         // only channels of this type
  ChannelListSort sort = ChannelListSort::last_message_at;
  /// Keyset cursor: only channels before (sort key in epoch microseconds, pk), descending.
  std::optional<std::int64_t> after_key_us, after_pk;
  int rows = 26;                           // rows wanted (the page size + 1 tells whether there is more)
};

struct ChannelListRow {
  ChannelRecord channel;
  std::int64_t sort_key_us = 0;  // the row's sort key in epoch microseconds (for the cursor)
  MembershipRecord membership;
  int unread_count = 0;  // by the one unread rule, capped at 1000
};

/// The member's live channels that are not hidden for the member, newest first by the sort key,
/// ties broken by channel pk (descending); at most q.rows.
std::vector<ChannelListRow> list_member_channels(Tx& tx, const ChannelListQuery& q);

/// A member of one of several channels.
struct ChannelMemberRow {
  std::int64_t channel_pk = 0;
  MemberRecord member;
};
/// A message of one of several channels.
struct ChannelMessageRow {
  std::int64_t channel_pk = 0;
  MessageRow message;
};
struct ChannelStatesRows {
  /// The first 100 members of each channel (by join time, then user id), grouped by channel.
  std::vector<ChannelMemberRow> members;
  /// The newest 25 messages of each channel view (thread-only replies left out), newest first per channel.
  std::vector<ChannelMessageRow> messages_newest_first;
};
/// The state rows of the channels `channel_pks` (two statements whatever their number).
ChannelStatesRows read_channel_states_rows(Tx& tx, const std::vector<std::int64_t>& channel_pks);

}  // namespace parley::storage
