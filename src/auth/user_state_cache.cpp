#include "parley/auth/user_state_cache.hpp"

#include <charconv>

namespace parley::auth {

void UserStateCache::invalidate_everywhere(std::int64_t app_id, const std::vector<std::string>& user_ids) {
  for (const auto& id : user_ids) invalidate(app_id, id);
  if (!user_ids.empty()) broadcast_(app_id, user_ids);
}

UserStateCache& user_state_cache() {
  static UserStateCache cache;
  return cache;
}

std::string encode_user_invalidation(std::int64_t app_id, const std::vector<std::string>& user_ids) {
  std::string out = std::to_string(app_id);
  for (const auto& id : user_ids) out.append(" ").append(id);
  return out;
}

bool decode_user_invalidation(std::string_view text, std::int64_t& app_id, std::vector<std::string>& user_ids) {
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return false;
  if (std::from_chars(text.data(), text.data() + space, app_id).ec != std::errc()) return false;
  text.remove_prefix(space + 1);
  user_ids.clear();
  while (!text.empty()) {
    const auto next = text.find(' ');
    if (next != 0) user_ids.emplace_back(text.substr(0, next));
    if (next == std::string_view::npos) break;
    text.remove_prefix(next + 1);
  }
  return !user_ids.empty();
}

}  // namespace parley::auth
