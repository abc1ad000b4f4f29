#include "parley/chat/channel_event.hpp"

namespace parley::chat {

namespace {
thread_local EventCapture* innermost = nullptr;
}

EventCapture::EventCapture(std::int64_t app_id) : app_id_(app_id), outer_(innermost) { innermost = this; }

EventCapture::~EventCapture() { innermost = outer_; }

EventCapture* EventCapture::current() { return innermost; }

void EventCapture::record(const std::string& cid, std::int64_t seq, std::string frame) {
  events_.push_back({app_id_, cid, seq, std::make_shared<const std::string>(std::move(frame))});
}

void EventCapture::record(const std::string& cid, std::int64_t seq, std::shared_ptr<const std::string> frame) {
  events_.push_back({app_id_, cid, seq, std::move(frame)});
}

std::string user_control_cid(const std::string& user_id) { return "@user:" + user_id; }

void record_access_revoked(const std::string& user_id, std::optional<std::int64_t> before_s) {
  auto* capture = EventCapture::current();
  if (capture == nullptr) return;
  const std::string cid = user_id.empty() ? std::string(kAppControlCid) : user_control_cid(user_id);
  std::string frame = R"({"type":"access.revoked","before_s":)" +
                      (before_s ? std::to_string(*before_s) : std::string("null")) + "}";
  capture->record(cid, 0, std::move(frame));
}

}  // namespace parley::chat
