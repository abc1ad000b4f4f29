#include "parley/protocol/ids.hpp"

#include <cctype>

namespace parley::protocol {
namespace {

template <class Pred>
bool all_of(std::string_view s, std::size_t max_len, Pred ok) {
  if (s.empty() || s.size() > max_len) return false;
  for (char c : s) {
    if (!ok(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

bool is_valid_user_id(std::string_view id) {
  return all_of(id, 64, [](unsigned char c) {
    return std::isalnum(c) || c == '@' || c == '_' || c == '.' || c == '-' || c == '!';
  });
}

bool is_valid_channel_id(std::string_view id) { return is_valid_user_id(id); }

bool is_valid_channel_type(std::string_view type) {
  return all_of(type, 32, [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool is_valid_message_id(std::string_view id) {
  return all_of(id, 64, [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace parley::protocol
