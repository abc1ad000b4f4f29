#pragma once
#include <string>
#include <string_view>

namespace parley::test {

/// The same PostgreSQL connection string (URL "postgres://user@host:port/db?opts"
/// or "key=value ..." form) pointing at database `name` instead.
std::string with_database_name(std::string_view url, std::string_view name);

}  // namespace parley::test
