#include "parley/storage/member_repository.hpp"

#include "parley/storage/prepared.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

namespace {

#define PARLEY_MEMBER_COLUMNS "user_id, role, read_seq, parley_ts(created_at)"

const Prepared kInsertMember{"membership_insert",
                             "INSERT INTO members (channel_pk, app_id, user_id, role) VALUES ($1, $2, $3, $4) "
                             "ON CONFLICT DO NOTHING RETURNING " PARLEY_MEMBER_COLUMNS};
const Prepared kDeleteMember{"membership_delete",
                             "DELETE FROM members WHERE channel_pk = $1 AND user_id = $2 RETURNING " PARLEY_MEMBER_COLUMNS};
const Prepared kChangeRole{"membership_set_role",
                           "UPDATE members SET role = $3 WHERE channel_pk = $1 AND user_id = $2 AND role <> $3 "
                           "RETURNING " PARLEY_MEMBER_COLUMNS};
const Prepared kMembersByUserId{"membership_page",
                                "SELECT " PARLEY_MEMBER_COLUMNS " FROM members WHERE channel_pk = $1 "
                                "AND ($2::text IS NULL OR user_id > $2::text) ORDER BY user_id LIMIT $3"};
// Hidden: the channel's last_seq of now (a message above it shows the channel again); shown: NULL.
const Prepared kSetHidden{"membership_set_hidden",
                          "UPDATE members AS mb SET hidden_seq = CASE WHEN $3::boolean THEN "
                          "(SELECT last_seq FROM channels WHERE pk = mb.channel_pk) ELSE NULL END "
                          "WHERE mb.channel_pk = $1 AND mb.user_id = $2 RETURNING " PARLEY_MEMBERSHIP_COLUMNS};
const Prepared kSetMuted{"membership_set_muted",
                         "UPDATE members AS mb SET muted = $3::boolean WHERE mb.channel_pk = $1 AND mb.user_id = $2 "
                         "RETURNING " PARLEY_MEMBERSHIP_COLUMNS};

MemberRecord read_member(const pqxx::row& r) {
  return {r[0].c_str(), r[1].c_str(), r[2].as<std::int64_t>(), r[3].c_str()};
}

std::optional<MemberRecord> first_member(const pqxx::result& rows) {
  if (rows.empty()) return std::nullopt;
  return read_member(rows[0]);
}

std::optional<MembershipRecord> first_membership(const pqxx::result& rows) {
  if (rows.empty()) return std::nullopt;
  return read_membership_record(rows[0]);
}

}  // namespace

MembershipRecord read_membership_record(const pqxx::row& r, int first) {
  MembershipRecord m;
  m.user_id = r[first].c_str();
  m.role = r[first + 1].c_str();
  m.read_seq = r[first + 2].as<std::int64_t>();
  m.created_at = r[first + 3].c_str();
  m.muted = r[first + 4].as<bool>();
  m.hidden = r[first + 5].as<bool>();
  return m;
}

std::optional<MemberRecord> insert_member(Tx& tx, std::int64_t channel_pk, std::int64_t app_id,
                                          const std::string& user_id, const std::string& role) {
  return first_member(kInsertMember(tx, channel_pk, app_id, user_id, role));
}

std::optional<MemberRecord> delete_member(Tx& tx, std::int64_t channel_pk, const std::string& user_id) {
  return first_member(kDeleteMember(tx, channel_pk, user_id));
}

std::optional<MemberRecord> change_member_role(Tx& tx, std::int64_t channel_pk, const std::string& user_id,
                                               const std::string& role) {
  return first_member(kChangeRole(tx, channel_pk, user_id, role));
}

std::vector<MemberRecord> list_members_by_user_id(Tx& tx, std::int64_t channel_pk,
                                                  const std::optional<std::string>& after_user_id, int limit) {
  std::vector<MemberRecord> out;
  for (const auto& r : kMembersByUserId(tx, channel_pk, after_user_id, limit)) out.push_back(read_member(r));
  return out;
}

std::optional<MembershipRecord> set_member_hidden(Tx& tx, std::int64_t channel_pk, const std::string& user_id,
                                                  bool hidden) {
  return first_membership(kSetHidden(tx, channel_pk, user_id, hidden));
}

std::optional<MembershipRecord> set_member_muted(Tx& tx, std::int64_t channel_pk, const std::string& user_id,
                                                 bool muted) {
  return first_membership(kSetMuted(tx, channel_pk, user_id, muted));
}

}  // namespace parley::storage
