#include "parley/chat/channel_policy.hpp"

namespace parley::chat {
namespace {

const std::set<std::string> kAll = {
    "read_channel",   "send_message",       "update_own_message", "update_any_message", "delete_own_message",
    "delete_any_message", "add_reaction",   "upload_file",        "update_channel",     "update_members",
    "delete_channel", "ban_channel_member", "pin_message"};
const std::set<std::string> kMember = {"read_channel", "send_message",   "update_own_message",
                                       "delete_own_message", "add_reaction", "upload_file"};
const std::set<std::string> kModerator = {"read_channel",       "send_message",       "update_own_message",
                                          "delete_own_message", "update_any_message", "delete_any_message",
                                          "add_reaction",       "upload_file",        "ban_channel_member",
                                          "pin_message",        "update_members"};

const ChannelTypePolicy kMessaging{"messaging",
                                   {{"admin", kAll},
                                    {"channel_owner", kAll},
                                    {"channel_moderator", kModerator},
                                    {"channel_member", kMember},
                                    {"user", {}}}};
const ChannelTypePolicy kLivestream{"livestream",
                                    {{"admin", kAll},
                                     {"channel_owner", kAll},
                                     {"channel_moderator", kModerator},
                                     {"channel_member", kMember},
                                     {"user", {"read_channel", "send_message", "update_own_message",
                                               "delete_own_message", "add_reaction"}}}};

bool granted(const ChannelTypePolicy& type, const std::string& role, const std::string& action) {
  auto it = type.grants.find(role);
  return it != type.grants.end() && it->second.count(action) != 0;
}

}  // namespace

const ChannelTypePolicy* builtin_channel_type(const std::string& name) {
  if (name == "messaging") return &kMessaging;
  if (name == "livestream") return &kLivestream;
  return nullptr;
}

bool is_allowed(const ChannelTypePolicy& type, const CallerRoles& caller, const std::string& action) {
  if (caller.server) return true;
  if (caller.app_role == "admin" && granted(type, "admin", action)) return true;
  if (granted(type, "user", action)) return true;
  if (caller.member_role == "owner") return granted(type, "channel_owner", action);
  if (caller.member_role == "moderator") return granted(type, "channel_moderator", action);
  if (caller.member_role == "member") return granted(type, "channel_member", action);
  return false;
}

}  // namespace parley::chat
