#include "parley/protocol/user.hpp"

namespace parley::protocol {

namespace {

nlohmann::json text_or_null(const std::optional<std::string>& s) { return s ? nlohmann::json(*s) : nlohmann::json(); }

}  // namespace

nlohmann::json to_json(const User& u) {
  return {{"id", u.id},
          {"name", text_or_null(u.name)},
          {"image", text_or_null(u.image)},
          {"role", u.role},
          {"custom", nlohmann::json::parse(u.custom_json)},
          {"created_at", u.created_at},
          {"updated_at", u.updated_at},
          {"deactivated", u.deactivated}};
}

nlohmann::json user_result(const User& u) { return {{"user", to_json(u)}}; }

nlohmann::json users_by_id(const std::vector<User>& users) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& u : users) out[u.id] = to_json(u);
  return {{"users", std::move(out)}};
}

nlohmann::json user_page(const std::vector<User>& users, const std::optional<std::string>& next) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& u : users) list.push_back(to_json(u));
  nlohmann::json out = {{"users", std::move(list)}};
  if (next) out["next"] = *next;
  return out;
}

nlohmann::json soft_delete_result(const User& u, const std::string& deleted_at) {
  auto user = to_json(u);
  user["deleted_at"] = deleted_at;
  return {{"user", std::move(user)}, {"mode", "soft"}};
}

nlohmann::json hard_delete_result(const HardDeletion& d) {
  return {{"user", {{"id", d.user_id}, {"deleted_at", d.deleted_at}}},
          {"mode", "hard"},
          {"messages_deleted", d.messages_deleted},
          {"memberships_removed", d.memberships_removed},
          {"reactions_removed", d.reactions_removed}};
}

nlohmann::json revoke_tokens_result(const std::string& user_id,
                                    const std::optional<std::string>& revoke_tokens_before) {
  return {{"user_id", user_id}, {"revoke_tokens_before", text_or_null(revoke_tokens_before)}};
}

nlohmann::json me_result(const Me& me) {
  nlohmann::json user = {{"id", me.id}};
  if (me.profile) {
    user["name"] = text_or_null(me.profile->name);
    user["image"] = text_or_null(me.profile->image);
    user["role"] = me.profile->role;
    user["custom"] = nlohmann::json::parse(me.profile->custom_json);
  }
  user["total_unread_count"] = me.total_unread_count;
  user["unread_channels"] = me.unread_channels;
  return {{"user", std::move(user)},
          {"total_unread_count", me.total_unread_count},
          {"unread_channels", me.unread_channels}};
}

}  // namespace parley::protocol
