#pragma once
// Channel memberships as the member operations change and list them: add,
// remove, change a role, the member pages, and the per-member hide / mute
// settings. Typed rows only (rendered to JSON by chat/). Synchronous; every
// function works inside the caller's transaction.
#include "parley/storage/tx.hpp"

#include <pqxx/row>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::storage {

/// A member of a channel. created_at is RFC 3339 UTC text.
struct MemberRecord {
  std::string user_id, role;
  std::int64_t read_seq = 0;
  std::string created_at;
};

/// A member's own view of a membership: the member, muted, and whether the channel is hidden for
/// the member right now.
struct MembershipRecord {
  std::string user_id, role;
  std::int64_t read_seq = 0;
  std::string created_at;
  bool muted = false;
  bool hidden = false;
};

/// SQL: the member has hidden the channel (members aliased mb) and no message of the channel view
/// arrived since. Only for statements of storage/ (constant text, no values).
#define PARLEY_MEMBER_HIDDEN_NOW                                                                               \
  "(mb.hidden_seq IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages hm WHERE hm.channel_pk = mb.channel_pk " \
  "AND hm.seq > mb.hidden_seq AND (hm.parent_id IS NULL OR hm.show_in_channel)))"

/// SQL: the membership columns of members aliased mb, in the order read_membership_record() reads.
#define PARLEY_MEMBERSHIP_COLUMNS \
  "mb.user_id, mb.role, mb.read_seq, parley_ts(mb.created_at), mb.muted, " PARLEY_MEMBER_HIDDEN_NOW
inline constexpr int kMembershipRecordColumns = 6;

/// The kMembershipRecordColumns membership columns starting at `first`.
MembershipRecord read_membership_record(const pqxx::row& r, int first = 0);

/// Adds the user to the channel with `role`: the new member, or nullopt when the user was a member.
std::optional<MemberRecord> insert_member(Tx& tx, std::int64_t channel_pk, std::int64_t app_id,
                                          const std::string& user_id, const std::string& role);
/// Removes the user from the channel: the removed member, or nullopt when the user was not a member.
std::optional<MemberRecord> delete_member(Tx& tx, std::int64_t channel_pk, const std::string& user_id);
/// Gives the member `role`: the changed member, or nullopt when the user is not a member or has that role.
std::optional<MemberRecord> change_member_role(Tx& tx, std::int64_t channel_pk, const std::string& user_id,
                                               const std::string& role);
/// Up to `limit` members of the channel by user id, after `after_user_id` when given.
std::vector<MemberRecord> list_members_by_user_id(Tx& tx, std::int64_t channel_pk,
                                                  const std::optional<std::string>& after_user_id, int limit);

/// Hides the channel for the member until a message above the channel's last_seq of now arrives
/// (hidden), or shows it again: the membership, or nullopt when the user is not a member.
std::optional<MembershipRecord> set_member_hidden(Tx& tx, std::int64_t channel_pk, const std::string& user_id,
                                                  bool hidden);
/// Mutes or unmutes the channel for the member: the membership, or nullopt when the user is not a member.
std::optional<MembershipRecord> set_member_muted(Tx& tx, std::int64_t channel_pk, const std::string& user_id,
                                                 bool muted);

}  // namespace parley::storage
