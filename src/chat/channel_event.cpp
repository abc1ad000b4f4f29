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

}  // namespace parley::chat
