#include "parley/chat/channel_types.hpp"

#include "parley/chat/channel_type_cache.hpp"
#include "parley/chat/message_rules.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/protocol/channel_type.hpp"
#include "parley/protocol/ids.hpp"
#include "parley/storage/channel_type_repository.hpp"

namespace parley::chat {

using protocol::ApiError;

namespace {

const std::set<std::string> kRoles = {"admin", "channel_owner", "channel_moderator", "channel_member", "user"};
const std::set<std::string> kActions = {
    "read_channel",       "send_message",       "update_own_message", "update_any_message", "delete_own_message",
    "delete_any_message", "add_reaction",       "upload_file",        "update_channel",     "update_members",
    "delete_channel",     "ban_channel_member", "pin_message"};
const std::set<std::string> kBoolSwitches = {"typing_events", "read_events", "delivery_events",
                                             "presence",      "reactions",   "replies",
                                             "uploads",       "search",      "member_notifications"};
constexpr const char* kMaxLength = "max_message_length";
constexpr std::size_t kMaxCustomTypes = 50;

nlohmann::json default_switches(const std::string& name) {
  nlohmann::json s = nlohmann::json::object();
  for (const auto& k : kBoolSwitches) s[k] = true;
  s[kMaxLength] = kMaxTextChars;
  if (name == "livestream") {
    // Public rooms: no per-member notifications, no typing, no receipts (API.md), no search (like GetStream).
    for (const char* k : {"typing_events", "read_events", "delivery_events", "member_notifications", "search"}) {
      s[k] = false;
    }
  }
  return s;
}

// Every role with its actions (none: an empty list), as shown and as stored.
std::map<std::string, std::vector<std::string>> grants_of(const ChannelTypePolicy& p) {
  std::map<std::string, std::vector<std::string>> g;
  for (const auto& role : kRoles) {
    auto it = p.grants.find(role);
    auto& actions = g[role];
    if (it != p.grants.end()) actions.assign(it->second.begin(), it->second.end());
  }
  return g;
}

nlohmann::json grants_json(const ChannelTypePolicy& p) { return nlohmann::json(grants_of(p)); }

std::string clip(const std::string& s) { return s.substr(0, 64); }

// Applies {role: [actions]} onto `grants`: each listed role has its list replaced.
std::optional<ApiError> apply_grants(const nlohmann::json& g, std::map<std::string, std::set<std::string>>& grants) {
  if (!g.is_object()) return ApiError::invalid_request("grants must be an object of role -> [actions]");
  for (auto it = g.begin(); it != g.end(); ++it) {
    if (kRoles.count(it.key()) == 0) {
      return ApiError::invalid_request("unknown role " + clip(it.key()),
                                       {{"field", "grants"}, {"role", clip(it.key())}});
    }
    if (!it.value().is_array()) return ApiError::invalid_request("grants." + it.key() + " must be an array of actions");
    std::set<std::string> actions;
    for (const auto& a : it.value()) {
      if (!a.is_string() || kActions.count(a.get<std::string>()) == 0) {
        const std::string shown = a.is_string() ? clip(a.get<std::string>()) : clip(a.dump());
        return ApiError::invalid_request("unknown action " + shown, {{"field", "grants"}, {"action", shown}});
      }
      actions.insert(a.get<std::string>());
    }
    grants[it.key()] = std::move(actions);
  }
  return std::nullopt;
}

// Applies the body's switches and grants onto `t`; `allow_name` for a create.
std::optional<ApiError> apply_body(const nlohmann::json& body, bool allow_name, ChannelTypeConfig& t) {
  if (!body.is_object()) return ApiError::invalid_request("the body must be an object");
  for (auto it = body.begin(); it != body.end(); ++it) {
    const auto& k = it.key();
    const auto& v = it.value();
    if (k == "name" && allow_name) continue;
    if (k == "grants") {
      if (auto e = apply_grants(v, t.policy.grants)) return e;
    } else if (kBoolSwitches.count(k) != 0) {
      if (!v.is_boolean()) return ApiError::invalid_request(k + " must be a boolean", {{"switch", k}});
      t.switches[k] = v;
    } else if (k == kMaxLength) {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 1 ||
          v.get<std::int64_t>() > static_cast<std::int64_t>(kMaxTextChars)) {
        return ApiError::invalid_request("max_message_length must be from 1 to 5000",
                                         {{"switch", kMaxLength}, {"max", kMaxTextChars}});
      }
      t.switches[k] = v;
    } else if (k == "name") {
      return ApiError::invalid_request("the name of a channel type cannot be changed", {{"field", "name"}});
    } else {
      return ApiError::invalid_request("unknown field " + clip(k), {{"field", clip(k)}});
    }
  }
  return std::nullopt;
}

ChannelTypeConfig builtin_config(const ChannelTypePolicy& p) { return {p, default_switches(p.name), true}; }

ChannelTypeConfig from_row(const std::string& name, const std::string& grants, const std::string& switches,
                           bool built_in) {
  ChannelTypeConfig t;
  t.policy.name = name;
  t.built_in = built_in;
  const auto parsed = nlohmann::json::parse(grants);
  for (auto it = parsed.begin(); it != parsed.end(); ++it) {
    auto& actions = t.policy.grants[it.key()];
    for (const auto& a : it.value()) actions.insert(a.get<std::string>());
  }
  t.switches = default_switches(name);
  t.switches.update(nlohmann::json::parse(switches));
  return t;
}

protocol::ChannelType to_channel_type(const ChannelTypeConfig& t, std::optional<std::string> created_at = std::nullopt,
                                      std::optional<std::string> updated_at = std::nullopt) {
  return {t.policy.name, t.built_in, grants_of(t.policy), t.switches, std::move(created_at), std::move(updated_at)};
}

ChannelTypeConfig from_settings(const std::string& name, const storage::ChannelTypeSettings& s) {
  return from_row(name, s.grants_json, s.switches_json, s.built_in);
}

protocol::ChannelType from_record(const storage::ChannelTypeRecord& r) {
  return to_channel_type(from_settings(r.name, r.settings), r.created_at, r.updated_at);
}

std::optional<ApiError> server_only(const Caller& caller) {
  if (caller.server) return std::nullopt;
  return ApiError::forbidden("only a server token may manage channel types");
}

}  // namespace

std::shared_ptr<const ChannelTypeConfig> load_channel_type(storage::Tx& tx, std::int64_t app_id,
                                                           const std::string& name) {
  auto& cache = channel_type_cache();
  if (auto hit = cache.lookup(app_id, name)) return *hit;
  const auto generation = cache.generation();
  std::shared_ptr<const ChannelTypeConfig> config;
  if (const auto row = storage::find_channel_type_settings(tx, app_id, name, false)) {
    config = std::make_shared<const ChannelTypeConfig>(from_settings(name, *row));
  } else if (const auto* b = builtin_channel_type(name)) {
    config = std::make_shared<const ChannelTypeConfig>(builtin_config(*b));
  }
  cache.store(app_id, name, config, generation);
  return config;
}

std::optional<ApiError> check_channel_type(storage::Tx& tx, std::int64_t app_id, const std::string& name) {
  if (!load_channel_type(tx, app_id, name)) return ApiError::not_found("no channel type " + name);
  return std::nullopt;
}

std::optional<ApiError> check_message_switches(storage::Tx& tx, std::int64_t app_id, const std::string& type,
                                               const std::string& text, bool reply) {
  const auto t = load_channel_type(tx, app_id, type);
  if (!t) return ApiError::not_found("no channel type " + type);
  return message_switch_refusal(*t, type, text, reply);
}

std::optional<ApiError> message_switch_refusal(const ChannelTypeConfig& t, const std::string& type,
                                               const std::string& text, bool reply) {
  const auto max = t.switches[kMaxLength].get<std::size_t>();
  if (protocol::utf8_length(text) > max) {
    return ApiError::invalid_request(
        "text is longer than the max_message_length of " + type + " (" + std::to_string(max) + " characters)",
        {{"limit", kMaxLength}, {"max", max}});
  }
  if (reply && !t.switches["replies"].get<bool>()) {
    return ApiError::invalid_request("replies are switched off for channel type " + type, {{"switch", "replies"}});
  }
  return std::nullopt;
}

std::optional<ApiError> check_switch_on(storage::Tx& tx, std::int64_t app_id, const std::string& type,
                                        const char* name) {
  const auto t = load_channel_type(tx, app_id, type);
  if (!t) return ApiError::not_found("no channel type " + type);
  if (t->switches.value(name, true)) return std::nullopt;
  return ApiError::invalid_request(std::string(name) + " are switched off for channel type " + type,
                                   {{"switch", name}});
}

Outcome create_channel_type(Connection& c, const Caller& caller, const nlohmann::json& body) {
  if (auto e = server_only(caller)) return *e;
  if (!body.is_object() || !body.contains("name") || !body["name"].is_string() ||
      !protocol::is_valid_channel_type(body["name"].get_ref<const std::string&>())) {
    return ApiError::invalid_request("name must match ^[a-z0-9_\\-]{1,32}$", {{"field", "name"}});
  }
  const std::string name = body["name"].get<std::string>();
  // A new type starts from messaging's grants and switches; the body replaces what it names.
  ChannelTypeConfig t = builtin_config(*builtin_channel_type("messaging"));
  t.policy.name = name;
  t.built_in = false;
  if (auto e = apply_body(body, true, t)) return *e;
  if (builtin_channel_type(name) != nullptr) return ApiError::conflict("channel type " + name + " already exists");
  storage::Tx tx(c);
  const auto count = storage::count_custom_channel_types(tx, caller.app_id);
  if (count >= kMaxCustomTypes) {
    return ApiError::invalid_request("an app has at most 50 custom channel types",
                                     {{"limit", "channel_types"}, {"max", kMaxCustomTypes}});
  }
  const auto row =
      storage::insert_channel_type(tx, caller.app_id, name, false, grants_json(t.policy).dump(), t.switches.dump());
  if (!row) return ApiError::conflict("channel type " + name + " already exists");
  auto j = protocol::channel_type_result(from_record(*row));
  tx.commit();
  channel_type_cache().invalidate_everywhere(caller.app_id);
  return Reply{Done::created, std::move(j)};
}

Outcome update_channel_type(Connection& c, const Caller& caller, const std::string& name,
                            const nlohmann::json& body) {
  if (auto e = server_only(caller)) return *e;
  if (!protocol::is_valid_channel_type(name)) return ApiError::invalid_request("invalid channel type name");
  if (!body.is_object() || body.empty()) return ApiError::invalid_request("give grants and/or switches to change");
  storage::Tx tx(c);
  if (const auto* b = builtin_channel_type(name)) {
    // The first PATCH of a built-in stores this app's override, starting from the built-in.
    const auto base = builtin_config(*b);
    storage::insert_channel_type(tx, caller.app_id, name, true, grants_json(base.policy).dump(), base.switches.dump());
  }
  const auto row = storage::find_channel_type_settings(tx, caller.app_id, name, true);
  if (!row) return ApiError::not_found("no channel type " + name);
  auto t = from_settings(name, *row);
  if (auto e = apply_body(body, false, t)) return *e;
  const auto updated =
      storage::update_channel_type_settings(tx, caller.app_id, name, grants_json(t.policy).dump(), t.switches.dump());
  auto j = protocol::channel_type_result(from_record(updated));
  tx.commit();
  channel_type_cache().invalidate_everywhere(caller.app_id);
  return Reply{Done::ok, std::move(j)};
}

Outcome get_channel_type(Connection& c, const Caller& caller, const std::string& name) {
  if (!protocol::is_valid_channel_type(name)) return ApiError::invalid_request("invalid channel type name");
  storage::Tx tx(c, storage::TxKind::read);
  if (const auto row = storage::find_channel_type_record(tx, caller.app_id, name)) {
    return Reply{Done::ok, protocol::channel_type_result(from_record(*row))};
  }
  if (const auto* b = builtin_channel_type(name)) {
    return Reply{Done::ok, protocol::channel_type_result(to_channel_type(builtin_config(*b)))};
  }
  return ApiError::not_found("no channel type " + name);
}

Outcome list_channel_types(Connection& c, const Caller& caller) {
  storage::Tx tx(c, storage::TxKind::read);
  std::vector<protocol::ChannelType> types;  // a stored row of a built-in (its override) comes after it and wins
  for (const char* b : {"messaging", "livestream"}) {
    types.push_back(to_channel_type(builtin_config(*builtin_channel_type(b))));
  }
  for (const auto& r : storage::list_channel_type_records(tx, caller.app_id)) {
    types.push_back(from_record(r));
  }
  return Reply{Done::ok, protocol::channel_type_list(types)};
}

}  // namespace parley::chat
