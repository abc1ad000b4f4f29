#include "support/database_url.hpp"

#include <sstream>

namespace parley::test {

std::string with_database_name(std::string_view url, std::string_view name) {
  const auto scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) {
    const auto authority_end = url.find_first_of("/?", scheme_end + 3);
    if (authority_end == std::string_view::npos) {
      return std::string(url) + "/" + std::string(name);
    }
    const auto query = url.find('?', authority_end);
    const std::string_view rest = query == std::string_view::npos ? std::string_view() : url.substr(query);
    return std::string(url.substr(0, authority_end)) + "/" + std::string(name) + std::string(rest);
  }
  // key=value form: every key but dbname is kept.
  std::istringstream words{std::string(url)};
  std::string word;
  std::string result;
  while (words >> word) {
    if (word.rfind("dbname=", 0) != 0) {
      result += word + " ";
    }
  }
  return result + "dbname=" + std::string(name);
}

}  // namespace parley::test
