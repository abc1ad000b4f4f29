#include "parley/protocol/member.hpp"

namespace parley::protocol {

nlohmann::json to_json(const Member& m) {
  return {{"user_id", m.user_id}, {"role", m.role}, {"last_read_seq", m.last_read_seq}, {"created_at", m.created_at}};
}

nlohmann::json state_member_json(const Member& m) {
  return {{"user_id", m.user_id}, {"role", m.role}, {"created_at", m.created_at}};
}

nlohmann::json read_mark_json(const Member& m) { return {{"user_id", m.user_id}, {"last_read_seq", m.last_read_seq}}; }

nlohmann::json to_json(const Membership& m) {
  return {{"user_id", m.user_id},       {"role", m.role},   {"last_read_seq", m.last_read_seq},
          {"created_at", m.created_at}, {"muted", m.muted}, {"hidden", m.hidden}};
}

}  // namespace parley::protocol
