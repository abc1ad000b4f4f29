#include "parley/storage/channel_repository.hpp"

#include "parley/storage/prepared.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

namespace {

#define PARLEY_FIND_CHANNEL \
  "SELECT " PARLEY_CHANNEL_COLUMNS("") " FROM channels WHERE app_id = $1 AND type = $2 AND id = $3 AND deleted_at IS NULL"

const Prepared kFindChannel{"find_channel", PARLEY_FIND_CHANNEL};
const Prepared kFindChannelForUpdate{"find_channel_for_update", PARLEY_FIND_CHANNEL " FOR UPDATE"};
const Prepared kMemberRole{"member_role", "SELECT role FROM members WHERE channel_pk = $1 AND user_id = $2"};

std::optional<std::string> optional_text(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return std::string(f.c_str());
}

}  // namespace

ChannelRecord read_channel_record(const pqxx::row& r, int first) {
  ChannelRecord ch;
  ch.pk = r[first].as<std::int64_t>();
  ch.type = r[first + 1].c_str();
  ch.id = r[first + 2].c_str();
  ch.name = optional_text(r[first + 3]);
  ch.custom_json = r[first + 4].c_str();
  ch.created_by = optional_text(r[first + 5]);
  ch.frozen = r[first + 6].as<bool>();
  ch.cooldown_s = r[first + 7].as<int>();
  ch.last_seq = r[first + 8].as<std::int64_t>();
  ch.created_at = r[first + 9].c_str();
  ch.updated_at = r[first + 10].c_str();
  ch.last_message_at = optional_text(r[first + 11]);
  return ch;
}

std::optional<ChannelRecord> find_channel_record(Tx& tx, std::int64_t app_id, const std::string& type, const std::string& id,
                                          bool for_update) {
  const auto rows = (for_update ? kFindChannelForUpdate : kFindChannel)(tx, app_id, type, id);
  if (rows.empty()) return std::nullopt;
  return read_channel_record(rows[0]);
}

std::optional<std::string> find_member_role(Tx& tx, std::int64_t channel_pk, const std::string& user_id) {
  const auto rows = kMemberRole(tx, channel_pk, user_id);
  if (rows.empty()) return std::nullopt;
  return std::string(rows[0][0].c_str());
}

}  // namespace parley::storage
