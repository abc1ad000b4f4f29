#pragma once
// The one unread rule, as SQL text for the statements of storage/: the unread
// count of a member in a channel is the number of messages from others above
// the read mark, not silent, not deleted, not thread-only replies, bounded by
// 1000 (index messages_by_channel_seq keeps it a range scan).

/// SQL expression text; the arguments are SQL expression texts (string literals), e.g.
/// PARLEY_UNREAD_COUNT("page.pk", "page.read_seq", "$2").
#define PARLEY_UNREAD_COUNT(channel_pk, read_seq, user)                                               \
  "(SELECT count(*) FROM (SELECT 1 FROM messages m WHERE m.channel_pk = " channel_pk " AND m.seq > " \
  read_seq " AND m.user_id <> " user " AND NOT m.silent AND m.deleted_at IS NULL "                 \
  "AND (m.parent_id IS NULL OR m.show_in_channel) LIMIT 1000) capped)"
