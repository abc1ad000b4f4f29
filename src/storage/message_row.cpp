#include "parley/storage/message_row.hpp"

#include "parley/storage/prepared.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

MessageRow read_message_row(const pqxx::row& r, int first) {
  MessageRow m;
  const auto at = [&](int i) { return r[first + i]; };
  m.id = at(0).c_str();
  m.seq = at(1).as<std::int64_t>();
  m.type = at(2).c_str();
  m.user_id = at(3).c_str();
  m.text = std::string(at(4).c_str(), at(4).size());
  m.attachments_json = at(5).c_str();
  m.parent_id = optional_text(at(6));
  m.reply_count = at(7).as<int>();
  m.mentioned_users_json = at(8).c_str();
  m.pinned = at(9).as<bool>();
  m.silent = at(10).as<bool>();
  m.custom_json = at(11).c_str();
  m.created_at = at(12).c_str();
  m.updated_at = at(13).c_str();
  m.deleted_at = optional_text(at(14));
  m.content_hash = at(15).c_str();
  m.show_in_channel = at(16).as<bool>();
  return m;
}

}  // namespace parley::storage
