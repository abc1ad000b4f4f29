#pragma once
// The one place that decides what a caller may do in a channel: the channel
// type's grants per role, applied to the caller's roles. Pure.
#include <map>
#include <set>
#include <string>

namespace parley::chat {

/// Actions of API.md section 5 (channel types).
inline constexpr const char* kReadChannel = "read_channel";
inline constexpr const char* kSendMessage = "send_message";

/// Who is asking, as far as permissions go.
struct CallerRoles {
  bool server = false;          // server token: full rights within its app
  std::string app_role = "user";  // "user" or "admin"
  std::string member_role;      // "" (not a member), "owner", "moderator", "member"
};

/// A channel type's grants: role -> actions ("user" covers every user of the app).
struct ChannelTypePolicy {
  std::string name;
  std::map<std::string, std::set<std::string>> grants;
};

/// The built-in types `messaging` (members only) and `livestream` (any user); nullptr for others.
const ChannelTypePolicy* builtin_channel_type(const std::string& name);

bool is_allowed(const ChannelTypePolicy& type, const CallerRoles& caller, const std::string& action);

}  // namespace parley::chat
