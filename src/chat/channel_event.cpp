#include "parley/chat/channel_event.hpp"

#include "parley/protocol/user_events.hpp"

namespace parley::chat {

void Changes::record(const std::string& cid, std::int64_t seq, std::string frame) {
  events_.push_back({app_id_, cid, seq, std::make_shared<const std::string>(std::move(frame))});
}

void Changes::record(const std::string& cid, std::int64_t seq, std::shared_ptr<const std::string> frame) {
  events_.push_back({app_id_, cid, seq, std::move(frame)});
}

std::string user_control_cid(const std::string& user_id) { return "@user:" + user_id; }

void record_access_revoked(Changes& changes, const std::string& user_id, std::optional<std::int64_t> before_s) {
  const std::string cid = user_id.empty() ? std::string(kAppControlCid) : user_control_cid(user_id);
  changes.record(cid, 0, protocol::access_revoked_event(before_s));
}

}  // namespace parley::chat
