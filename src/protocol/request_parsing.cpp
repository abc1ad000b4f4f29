#include "parley/protocol/request_parsing.hpp"

namespace parley::protocol {

std::variant<nlohmann::json, ApiError> parse_json_limited(std::string_view text, std::size_t max_depth) {
  bool too_deep = false;
  const auto limit = static_cast<int>(max_depth);
  auto j = nlohmann::json::parse(
      text,
      [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > limit) too_deep = true;
        return !too_deep;
      },
      false);
  if (too_deep) {
    return ApiError{"invalid_json", 400, "JSON nesting deeper than " + std::to_string(max_depth),
                    {{"limit", "json_max_depth"}, {"max", max_depth}}};
  }
  if (j.is_discarded()) return ApiError::invalid_json("body is not valid JSON");
  if (contains_nul(j)) return ApiError::invalid_json("strings must not contain NUL (\\u0000)");
  return j;
}

bool contains_nul(const nlohmann::json& j) {
  if (j.is_string()) return j.get_ref<const std::string&>().find('\0') != std::string::npos;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key().find('\0') != std::string::npos || contains_nul(it.value())) return true;
    }
  } else if (j.is_array()) {
    for (const auto& v : j) {
      if (contains_nul(v)) return true;
    }
  }
  return false;
}

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      const int hi = hex(in[i + 1]);
      const int lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

bool parse_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query) {
  const auto q = target.find('?');
  if (!percent_decode(target.substr(0, q), path, false)) return false;
  if (q == std::string_view::npos) return true;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string key, value;
    if (!percent_decode(pair.substr(0, eq), key, true)) return false;
    if (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), value, true)) return false;
    query.emplace(std::move(key), std::move(value));
  }
  return true;
}

}  // namespace parley::protocol
