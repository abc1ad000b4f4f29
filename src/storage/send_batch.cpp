#include "parley/storage/send_batch.hpp"

#include "parley/storage/prepared.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <stdexcept>

namespace parley::storage {

namespace {

// Every send of a group-commit batch in one call of the server-side function (migrations/).
const Prepared kSendBatch{"send_batch", "SELECT * FROM parley_send_batch($1::jsonb)"};
// The channel events of a batch, one multi-row insert.
const Prepared kInsertEvents{"insert_events",
                             "INSERT INTO channel_events (channel_pk, seq, type, payload) "
       "SELECT x.channel_pk, x.seq, x.type, x.payload "
       "FROM jsonb_to_recordset($1::jsonb) AS x(channel_pk bigint, seq bigint, type text, payload jsonb)"};

}  // namespace

namespace {

constexpr int kResultColumns = 17;  // the message columns come first

SendCode parse_code(const std::string& code) {
  if (code == "ok") return SendCode::ok;
  if (code == "existing") return SendCode::existing;
  if (code == "no_channel") return SendCode::no_channel;
  if (code == "forbidden") return SendCode::forbidden;
  if (code == "conflict") return SendCode::conflict;
  if (code == "frozen") return SendCode::frozen;
  if (code == "cooldown") return SendCode::cooldown;
  if (code == "switch") return SendCode::switch_refused;
  if (code == "bad_parent") return SendCode::bad_parent;
  throw std::logic_error("parley_send_batch returned an unknown code " + code);
}


}  // namespace

std::vector<SendResult> store_sends(Tx& tx, const std::vector<SendItem>& items) {
  nlohmann::json batch = nlohmann::json::array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& s = items[i];
    batch.push_back({{"i", i},
                     {"app_id", s.app_id},
                     {"type", s.type},
                     {"id", s.channel_id},
                     {"caller_user", s.caller_user},
                     {"moderator", s.moderator},
                     {"allowed_roles", s.allowed_roles},
                     {"switch_error", s.switch_error},
                     {"msg_id", s.msg_id},
                     {"user_id", s.user_id},
                     {"text", s.text},
                     {"attachments", s.attachments},
                     {"parent_id", s.parent_id ? nlohmann::json(*s.parent_id) : nlohmann::json(nullptr)},
                     {"show_in_channel", s.show_in_channel},
                     {"mentioned_users", s.mentioned_users},
                     {"silent", s.silent},
                     {"custom", s.custom},
                     {"hash", s.content_hash},
                     {"notify", s.notify}});
  }
  const auto rows = kSendBatch(tx, batch.dump());
  std::vector<SendResult> results(items.size());
  for (const auto& r : rows) {
    const auto i = r[kResultColumns].as<std::size_t>();
    if (i >= results.size()) throw std::logic_error("parley_send_batch returned an item out of range");
    auto& out = results[i];
    out.code = parse_code(r[kResultColumns + 1].c_str());
    if (!r[kResultColumns + 2].is_null()) out.retry_after_s = r[kResultColumns + 2].as<std::int64_t>();
    out.cid = r[kResultColumns + 3].c_str();
    if (!r[kResultColumns + 4].is_null()) out.channel_pk = r[kResultColumns + 4].as<std::int64_t>();
    if (!r[kResultColumns + 5].is_null()) {
      for (const auto& u : nlohmann::json::parse(r[kResultColumns + 5].c_str())) {
        out.notify_members.push_back(u.get<std::string>());
      }
    }
    if (!r[kResultColumns + 6].is_null()) out.cooldown_s = r[kResultColumns + 6].as<int>();
    if (!r[0].is_null()) out.message = read_message_row(r, 0);
  }
  if (rows.size() != items.size()) throw std::logic_error("parley_send_batch did not answer every item");
  return results;
}

void insert_events(Tx& tx, const std::vector<EventRow>& events) {
  if (events.empty()) return;
  // The payloads are JSON already: spliced in as they are, not parsed and dumped again.
  std::string param = "[";
  for (const auto& e : events) {
    if (param.size() > 1) param += ',';
    param += "{\"channel_pk\":" + std::to_string(e.channel_pk) + ",\"seq\":" + std::to_string(e.seq) +
             ",\"type\":" + nlohmann::json(e.type).dump() + ",\"payload\":";
    param += *e.payload;
    param += '}';
  }
  param += ']';
  kInsertEvents(tx, param);
}

}  // namespace parley::storage
